"""Access to a user's portfolio and to stored results, shared by the analytics selectors.

- :func:`owned_portfolio`: the portfolio if the requesting user owns it, else the 404 envelope: the
  one way every analytics view gets a portfolio (the owner-scoped lookup is
  ``portfolios.selectors.portfolio_get``).
- :func:`require`: a missing batch result becomes 422 INSUFFICIENT_DATA saying what is missing and
  how to produce it (never an empty 200 or made-up numbers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar, overload
from uuid import UUID

from portfolios.models import Portfolio
from portfolios.selectors import portfolio_get
from sigmasight.api.exceptions import InsufficientData

T = TypeVar("T")

HOW_TO_PRODUCE = (
    "Run the batch (POST /api/v1/system/batch/run-all as staff, or `manage.py run_batch`); "
    "results appear after the nightly run."
)


@overload
def owned_portfolio(user: Any, portfolio_id: UUID | str) -> Portfolio: ...
@overload
def owned_portfolio(user: Any, portfolio_id: None) -> None: ...
def owned_portfolio(user: Any, portfolio_id: UUID | str | None) -> Portfolio | None:
    """The user's portfolio with this id; 404 (never 403) for someone else's or an unknown one.

    ``None`` (an optional ``portfolio_id`` query parameter left out) gives None: no restriction.
    """
    if portfolio_id is None:
        return None
    return portfolio_get(user=user, portfolio_id=portfolio_id)


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
