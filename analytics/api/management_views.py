"""/management endpoints that read analytics results: strategies (API.md); the alerts and alert
rules endpoints are in :mod:`analytics.alerts.api`.

Thin views: validate the query, one selector call, serialize. Lists are paginated
(``limit``/``offset``); unknown query parameters and bad values are a 400 naming them; another
user's portfolio answers 404.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.api.common import PortfolioScopedQuery
from analytics.api.serializers.strategies import StrategySerializer
from analytics.selectors.access import owned_portfolio
from analytics.selectors.strategies import strategy_list, strategy_rows
from sigmasight.api.params import parse_query
from sigmasight.api.schema import errors

# Strategies --------------------------------------------------------------------------------------


_STRATEGY_EXAMPLE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": "5b7d9e21-8c3f-4a6b-9e0d-1f2a3b4c5d6e",
            "name": "AAPL bull call spread",
            "description": "Long 150C / short 170C",
            "color": "#2E86DE",
            "position_count": 2,
            "valued_position_count": 2,
            "net_exposure": 1840.0,
            "gross_exposure": 3960.0,
            "pnl": 240.0,
            "greeks": {
                "delta": 61.2,
                "delta_dollars": 11628.0,
                "gamma": 0.8,
                "gamma_dollars": 288.8,
                "theta": -6.4,
                "vega": 21.7,
                "rho": 9.3,
            },
            "as_of_date": "2025-01-06",
            "note": None,
        }
    ],
}


@extend_schema_view(
    get=extend_schema(
        operation_id="management_strategies_list",
        summary="Your strategy tags with their positions' exposures, P&L and Greeks",
        description=(
            "Strategy tags (`tag_type=strategy`), by name. Figures are sums over the tag's open positions "
            "(restricted to `portfolio_id` when given; then only strategies with a position in it are "
            "listed) from the latest batch results of each position's portfolio: net/gross exposure and "
            "unrealized P&L from the stored valuations (USD), Greeks from the stored option Greeks with "
            "stocks at delta 1 per share (delta = shares, delta_dollars = market value). A strategy without "
            "valued positions has null figures and a `note`; `note` also says when figures are partial."
        ),
        parameters=[PortfolioScopedQuery],
        responses={200: StrategySerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A bull call spread", value=_STRATEGY_EXAMPLE, response_only=True)],
    )
)
class StrategyListView(generics.ListAPIView):
    serializer_class = StrategySerializer
    filter_backends: list[Any] = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = parse_query(PortfolioScopedQuery, request)
        portfolio = owned_portfolio(request.user, query.get("portfolio_id"))
        page = self.paginate_queryset(strategy_list(user=request.user, portfolio=portfolio))
        rows = strategy_rows(tags=list(page or []), today=timezone.localdate(), portfolio=portfolio)
        return self.get_paginated_response(StrategySerializer(rows, many=True).data)
