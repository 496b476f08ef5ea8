"""GET /analytics/portfolio/{id}/performance and GET /analytics/positions/attribution."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from uuid import UUID

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors import performance as selectors
from analytics.selectors.access import owned_portfolio
from marketdata.providers.registry import market_as_of
from sigmasight.api.params import StrictQuerySerializer, parse_query

_SYMBOL = re.compile(r"^[A-Z0-9.\-^]{1,21}$")
ATTRIBUTION_DEFAULT_DAYS = 30


# --- input ------------------------------------------------------------------------------------


class PerformanceQuery(StrictQuerySerializer):
    period = serializers.ChoiceField(choices=selectors.PERIODS, default=selectors.DEFAULT_PERIOD)
    benchmark = serializers.CharField(default=selectors.DEFAULT_BENCHMARK, max_length=21)
    as_of_date = serializers.DateField(required=False)

    def validate_benchmark(self, value: str) -> str:
        symbol = value.strip().upper()
        if not _SYMBOL.match(symbol):
            raise serializers.ValidationError("Not a valid symbol.")
        # the default benchmark is not checked: without its bars beta, alpha and benchmark_returns are null
        explicit = "benchmark" in getattr(self, "initial_data", {})
        if explicit and not selectors.benchmark_exists(symbol):
            raise serializers.ValidationError(
                f"No stored prices for {symbol}: choose a symbol with price history."
            )
        return symbol


def _today() -> dt.date:
    """The latest date a user may ask about: today, or the market date when that is later."""
    return max(timezone.localdate(), market_as_of())


class AttributionQuery(StrictQuerySerializer):
    portfolio_id = serializers.UUIDField()
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    group_by = serializers.ChoiceField(choices=selectors.GROUP_BY, default="position")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        today = _today()
        for name in ("start_date", "end_date"):
            if name in attrs and attrs[name] > today:
                raise serializers.ValidationError({name: [f"Must not be in the future (after {today})."]})
        end = attrs.setdefault("end_date", today)
        start = attrs.setdefault("start_date", end - dt.timedelta(days=ATTRIBUTION_DEFAULT_DAYS))
        if start > end:
            raise serializers.ValidationError({"start_date": ["Must be on or before end_date."]})
        return attrs


# --- output (schema) --------------------------------------------------------------------------


def _returns_serializer(name: str) -> serializers.Serializer:
    fields = {key: serializers.FloatField(allow_null=True) for key in selectors.RETURN_KEYS}
    return type(name, (serializers.Serializer,), fields)()


class PerformancePointSerializer(serializers.Serializer):
    date = serializers.DateField()
    nav = serializers.FloatField(allow_null=True, help_text="USD")
    flow = serializers.FloatField(allow_null=True, help_text="External flow F_t (USD, start of day).")
    daily_return = serializers.FloatField(allow_null=True, help_text="Time-weighted (fraction).")
    cumulative_return = serializers.FloatField(
        allow_null=True, help_text="Since the period start (fraction)."
    )
    drawdown = serializers.FloatField(allow_null=True, help_text="Since the period start (fraction, <= 0).")


class PerformanceSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    period = serializers.ChoiceField(choices=selectors.PERIODS)
    period_start_date = serializers.DateField(allow_null=True)
    benchmark = serializers.CharField()
    returns = _returns_serializer("PeriodReturns")
    total_return = serializers.FloatField(allow_null=True)
    annualized_return = serializers.FloatField(allow_null=True)
    annualized_volatility = serializers.FloatField(allow_null=True)
    sharpe_ratio = serializers.FloatField(allow_null=True)
    sortino_ratio = serializers.FloatField(allow_null=True)
    max_drawdown = serializers.FloatField(allow_null=True, help_text="Negative fraction.")
    max_drawdown_start = serializers.DateField(allow_null=True, help_text="Peak before the trough.")
    max_drawdown_end = serializers.DateField(allow_null=True, help_text="Trough.")
    max_drawdown_recovery = serializers.DateField(allow_null=True, help_text="First date back at the peak.")
    calmar_ratio = serializers.FloatField(allow_null=True)
    beta = serializers.FloatField(allow_null=True)
    alpha = serializers.FloatField(allow_null=True, help_text="Annualized (fraction).")
    observations = serializers.IntegerField()
    risk_free_rate = serializers.FloatField(allow_null=True, help_text="Latest DGS3MO (annual decimal).")
    benchmark_returns = _returns_serializer("BenchmarkPeriodReturns")
    nav = serializers.FloatField(allow_null=True)
    inception_date = serializers.DateField()
    series = PerformancePointSerializer(many=True)
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()


class AttributionPositionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    symbol = serializers.CharField()
    position_type = serializers.CharField()
    pnl = serializers.FloatField(allow_null=True)
    pnl_percent = serializers.FloatField(allow_null=True)
    contribution_percent = serializers.FloatField(allow_null=True)


class AttributionGroupSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    pnl = serializers.FloatField(allow_null=True)
    pnl_percent = serializers.FloatField(allow_null=True)
    contribution_percent = serializers.FloatField(allow_null=True)
    capital = serializers.FloatField(allow_null=True)
    position_count = serializers.IntegerField()
    positions = AttributionPositionSerializer(many=True)


class AttributionSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    group_by = serializers.ChoiceField(choices=selectors.GROUP_BY)
    total_pnl = serializers.FloatField()
    groups = AttributionGroupSerializer(many=True)
    as_of_date = serializers.DateField(allow_null=True)
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()


# --- views ------------------------------------------------------------------------------------


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
        responses=PerformanceSerializer,
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
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the route's name
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(PerformanceQuery, request)
        return Response(
            selectors.portfolio_performance(
                portfolio=portfolio,
                period=query["period"],
                benchmark=query["benchmark"],
                as_of=query.get("as_of_date"),
            )
        )


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
        responses=AttributionSerializer,
        description=(
            "P&L over (start_date, end_date] from stored closes, by position, tag, position type or sector. "
            "Buying is not P&L and selling at the close is not a loss (openings and closings are flows). "
            "pnl_percent = pnl / capital x 100 (capital: |value| at start, or |cost| if opened in the range); "
            "contribution_percent = pnl / total_pnl x 100 (tags may overlap)."
        ),
    )
    def get(self, request: Request) -> Response:
        query = parse_query(AttributionQuery, request)
        portfolio = owned_portfolio(request.user, query["portfolio_id"])
        return Response(
            selectors.position_attribution(
                portfolio=portfolio,
                start=query["start_date"],
                end=query["end_date"],
                group_by=query["group_by"],
            )
        )
