"""Access to a user's portfolio and to stored results, shared by the analytics selectors.

- :func:`owned_portfolio`: the portfolio if the requesting user owns it, else the 404 envelope.
- :func:`require`: a missing batch result becomes 422 INSUFFICIENT_DATA saying what is missing and
  how to produce it (never an empty 200 or made-up numbers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from uuid import UUID

from django.core.exceptions import ValidationError as DjangoValidationError

from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData, NotFound

T = TypeVar("T")

HOW_TO_PRODUCE = (
    "Run the batch (POST /api/v1/system/batch/run-all as staff, or `manage.py run_batch`); "
    "results appear after the nightly run."
)


def owned_portfolio(user: Any, portfolio_id: UUID | str) -> Portfolio:
    """The user's portfolio with this id; 404 (never 403) for someone else's or an unknown one."""
    try:
        return Portfolio.objects.get(pk=portfolio_id, owner=user)
    except (Portfolio.DoesNotExist, ValueError, DjangoValidationError):
        raise NotFound("Portfolio not found.") from None


def require(
    value: T | None, *, what: str, portfolio: Portfolio | None = None, as_of: dt.date | None = None
) -> T:
    """Returns ``value`` or raises 422 INSUFFICIENT_DATA naming what is missing."""
    if value is None:
        details: dict[str, Any] = {"missing": what, "how_to_fix": HOW_TO_PRODUCE}
        if portfolio is not None:
            details["portfolio_id"] = str(portfolio.id)
        if as_of is not None:
            details["as_of_date"] = as_of.isoformat()
        raise InsufficientData(f"No {what} yet for this portfolio.", details)
    return value
