"""Shared pieces of the portfolio-scoped /data and /analytics views.

- :func:`owned_portfolio`: the portfolio if the requesting user owns it, else the 404 envelope.
- :func:`require`: a missing batch result becomes 422 INSUFFICIENT_DATA saying what is missing and
  how to produce it (never an empty 200 or made-up numbers).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar
from uuid import UUID

from rest_framework import serializers

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
    except (Portfolio.DoesNotExist, ValueError, serializers.ValidationError):
        raise NotFound("Portfolio not found.") from None
    except Exception as exc:  # invalid UUID text reaching the ORM
        from django.core.exceptions import ValidationError

        if isinstance(exc, ValidationError):
            raise NotFound("Portfolio not found.") from None
        raise


def require(value: T | None, *, what: str, portfolio: Portfolio | None = None, as_of: dt.date | None = None) -> T:
    """Returns ``value`` or raises 422 INSUFFICIENT_DATA naming what is missing."""
    if value is None:
        details: dict[str, Any] = {"missing": what, "how_to_fix": HOW_TO_PRODUCE}
        if portfolio is not None:
            details["portfolio_id"] = str(portfolio.id)
        if as_of is not None:
            details["as_of_date"] = as_of.isoformat()
        raise InsufficientData(f"No {what} yet for this portfolio.", details)
    return value


class AsOfQuery(serializers.Serializer):
    """Mixin field: an optional as_of_date (YYYY-MM-DD); default = the latest stored result."""

    as_of_date = serializers.DateField(required=False)
