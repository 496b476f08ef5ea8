"""Is a served batch result stale? (API.md: ``stale`` is true when the last run could not recompute
the result and the last good one is served.)

A failing engine never deletes a portfolio's results (``analytics.batch.services``); the readers
serve the latest stored result and say whether it is stale. A result of engine E for portfolio P
dated R, read for the requested date Q (None: the latest), is stale when E's latest attempt for P
in the runs dated R..Q failed: a portfolio engine's step of P ``failed``, or a global engine's step
that failed as a whole (error ``*: ...``) or listed P among its ``failed_portfolios``. A later
clean run (of R or of a newer date, which then stores a newer result) clears it. One query.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Q

from analytics.models import BatchStep
from sigmasight.system.models import JobStatus

__all__ = ["STALE_HELP", "result_stale"]

#: The help text of every ``stale`` field of the analytics responses.
STALE_HELP = (
    "True when the last batch run could not recompute this result and the last good one is served "
    "(its as_of_date and calculated_at are those of that result); false once a run succeeds again."
)


def _attempt_failed(
    *, portfolio_id: str, step_portfolio: Any, status: str, error: str, failed: Any, run_ids: Any
) -> bool | None:
    """Whether a step row is a failed attempt for the portfolio (None: the row is not about it)."""
    if step_portfolio is not None:
        return status == JobStatus.FAILED
    if run_ids and portfolio_id not in {str(p) for p in run_ids}:
        return None  # a global step of a run over other portfolios
    if error.startswith("*:") or (isinstance(failed, list) and portfolio_id in failed):
        return True
    return False


def result_stale(
    *,
    portfolio_id: Any,
    engines: Sequence[str],
    result_as_of: dt.date,
    requested_as_of: dt.date | None = None,
) -> bool:
    """True when the latest attempt of any of ``engines`` for the portfolio, in the runs dated
    ``result_as_of`` .. ``requested_as_of`` (None: any later date), failed (see the module doc)."""
    pid = str(portfolio_id)
    steps = BatchStep.objects.filter(engine__in=list(engines), run__as_of_date__gte=result_as_of).filter(
        Q(portfolio_id=portfolio_id) | Q(portfolio__isnull=True)
    )
    if requested_as_of is not None:
        steps = steps.filter(run__as_of_date__lte=requested_as_of)
    rows = steps.order_by("-finished_at", "-id").values_list(
        "engine", "portfolio_id", "status", "error", "counts__failed_portfolios", "run__portfolio_ids"
    )
    latest: dict[str, bool] = {}
    for engine, step_portfolio, status, error, failed, run_ids in rows:
        if engine in latest:
            continue
        verdict = _attempt_failed(
            portfolio_id=pid,
            step_portfolio=step_portfolio,
            status=status,
            error=error or "",
            failed=failed,
            run_ids=run_ids,
        )
        if verdict is not None:
            latest[engine] = verdict
    return any(latest.values())
