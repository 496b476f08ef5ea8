"""Query-parameter pieces shared by the portfolio-scoped /data, /analytics and /management views."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.request import Request

from analytics.selectors.access import owned_portfolio
from portfolios.models import Portfolio
from sigmasight.api.params import StrictQuerySerializer

#: Query parameters of the paginated lists, accepted beside the declared ones.
PAGINATION_PARAMS = frozenset({"limit", "offset"})


class AsOfQuery(StrictQuerySerializer):
    """An optional as_of_date (YYYY-MM-DD); default = the latest stored result. Subclass it to add
    parameters; unknown parameters are rejected."""

    as_of_date = serializers.DateField(required=False)


class PortfolioScopedQuery(StrictQuerySerializer):
    """A paginated list (``limit``/``offset``) optionally restricted to one portfolio of the user's."""

    allowed_extra = PAGINATION_PARAMS

    portfolio_id = serializers.UUIDField(
        required=False, help_text="Only this portfolio of yours (another user's id answers 404)."
    )


def query_portfolio(request: Request, query: dict[str, Any]) -> Portfolio | None:
    """The requesting user's portfolio named by the parsed query's ``portfolio_id`` (404 when it is
    another user's or unknown), or None without one."""
    return owned_portfolio(request.user, query["portfolio_id"]) if query.get("portfolio_id") else None
