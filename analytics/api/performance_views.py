"""GET /analytics/portfolio/{id}/performance and GET /analytics/positions/attribution."""

from __future__ import annotations

import datetime as dt
from uuid import UUID

from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.performance import (
    AttributionQuery,
    AttributionSerializer,
    PerformanceQuery,
    PerformanceSerializer,
)
from analytics.selectors import performance as selectors
from analytics.selectors.access import owned_portfolio
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors


class PortfolioPerformanceView(APIView):
    @extend_schema(
        operation_id="analytics_portfolio_performance",
        parameters=[
            OpenApiParameter(
                "period",
                str,
                enum=list(selectors.PERIODS),
                description="Window of the metrics and of `series` (default `all`: since inception).",
            ),
            OpenApiParameter("benchmark", str, description="Symbol with stored prices (default SPY)."),
            OpenApiParameter("as_of_date", dt.date, description="Last snapshot date used (default: latest)."),
        ],
        responses={200: PerformanceSerializer, **errors(400, 404, 422)},
        description=(
            "Time-weighted performance from the daily snapshots of the batch (flows = positions opened "
            "or closed). Sharpe = mean(r - rf) / std(r - rf, ddof=1) x sqrt(252) with rf = DGS3MO / 252; "
            "Sortino with the downside deviation over all days; max drawdown as a negative fraction with "
            "its peak (`max_drawdown_start`) and trough (`max_drawdown_end`) dates; beta and alpha vs the "
            "benchmark's adjusted-close returns. `returns` chain daily returns up to `as_of_date` for every "
            "period. 422 until the batch has produced snapshots."
        ),
        examples=[
            OpenApiExample(
                "period=1y",
                value={
                    "returns": {
                        "1d": 0.004,
                        "1w": 0.01,
                        "1m": 0.02,
                        "3m": 0.05,
                        "ytd": 0.08,
                        "1y": 0.12,
                        "inception": 0.3,
                    },
                    "sharpe_ratio": 1.1,
                    "max_drawdown": -0.08,
                },
                response_only=True,
            )
        ],
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the route's name
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(PerformanceQuery, request)
        performance = selectors.portfolio_performance(
            portfolio=portfolio,
            period=query["period"],
            benchmark=query["benchmark"],
            as_of=query.get("as_of_date"),
        )
        return Response(PerformanceSerializer(performance).data)


class PositionAttributionView(APIView):
    @extend_schema(
        operation_id="analytics_positions_attribution",
        parameters=[
            OpenApiParameter("portfolio_id", UUID, required=True),
            OpenApiParameter(
                "start_date", dt.date, description="Exclusive start (default: end_date - 30 days)."
            ),
            OpenApiParameter(
                "end_date", dt.date, description="Inclusive end (default: today); not in the future."
            ),
            OpenApiParameter(
                "group_by", str, enum=list(selectors.GROUP_BY), description="Default `position`."
            ),
        ],
        responses={200: AttributionSerializer, **errors(400, 404, 422)},
        description=(
            "P&L over (start_date, end_date] from stored closes, by position, tag, position type or sector. "
            "Buying is not P&L and selling at the close is not a loss (openings and closings are flows). "
            "pnl_percent = pnl / capital x 100 (capital: |value| at start, or |cost| if opened in the range); "
            "contribution_percent = pnl / total_pnl x 100 (tags may overlap)."
        ),
    )
    @cached_get(portfolio="portfolio_id")
    def get(self, request: Request) -> Response:
        query = parse_query(AttributionQuery, request)
        portfolio = owned_portfolio(request.user, query["portfolio_id"])
        attribution = selectors.position_attribution(
            portfolio=portfolio,
            start=query["start_date"],
            end=query["end_date"],
            group_by=query["group_by"],
        )
        return Response(AttributionSerializer(attribution).data)
