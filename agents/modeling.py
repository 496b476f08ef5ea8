"""``what_if``: a modeling session with the agent's trades, calculated, through the /modeling
services (the same calls as POST /modeling/sessions, .../trades, .../calculate and, with
``apply``, .../save ``{apply: true}``).

The /modeling app (``analytics.modeling``) is built on its own branch; until it is merged the
imports below fail and ``what_if`` answers a tool error ``SERVICE_UNAVAILABLE`` (nothing else
changes). The names used are those of that branch: ``session_create``, ``session_trades_add``,
``session_calculate``, ``session_save``, and the serializers ``TradesInput``, ``TradeSerializer``,
``ImpactsSerializer``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import transaction

from sigmasight.api.exceptions import ApplicationError

try:  # the /modeling app may not be merged yet (see the module docstring)
    from analytics.modeling import services as modeling_services
    from analytics.modeling.api.serializers import ImpactsSerializer, TradeSerializer, TradesInput
except ImportError:  # pragma: no cover - depends on the merge state
    modeling_services = None

DEFAULT_SESSION_NAME = "What-if (agent)"


class ModelingUnavailable(ApplicationError):
    status_code = 503  # type: ignore[assignment]
    code = "SERVICE_UNAVAILABLE"


def modeling_available() -> bool:
    return modeling_services is not None


@transaction.atomic
def what_if_run(
    *, user: Any, portfolio: Any, trades: Sequence[dict[str, Any]], name: str | None, apply: bool
) -> dict[str, Any]:
    """Creates the session, adds the trades (all or none), calculates; applies when asked.

    One transaction: a bad trade (400) or a failed calculation leaves no session behind.
    Returns ``{session_id, status, trades, impacts}`` (impacts = GET /modeling/sessions/{id}/impacts).
    """
    if modeling_services is None:
        raise ModelingUnavailable("What-if modeling is not available on this server yet.")
    body = TradesInput(data={"trades": list(trades)})
    body.is_valid(raise_exception=True)
    session = modeling_services.session_create(
        owner=user, portfolio=portfolio, name=name or DEFAULT_SESSION_NAME
    )
    added = modeling_services.session_trades_add(session=session, trades=body.validated_data["trades"])
    impacts = modeling_services.session_calculate(session=session)
    status = "active"
    if apply:
        status = modeling_services.session_save(session=session, apply=True).status
    return {
        "session_id": str(session.id),
        "status": status,
        "trades": TradeSerializer(added, many=True).data,
        "impacts": ImpactsSerializer(impacts).data,
    }
