"""Serializers of GET /analytics/portfolio/{id}/performance and GET /analytics/positions/attribution:
the query inputs (periods, benchmark, attribution dates) and the response shapes. Returns are
fractions; money USD.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.selectors import performance as selectors
from analytics.selectors.staleness import STALE_HELP
from marketdata.providers.registry import market_as_of
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import rows
from sigmasight.api.params import StrictQuerySerializer

# --- input ------------------------------------------------------------------------------------

_SYMBOL = re.compile(r"^[A-Z0-9.\-^]{1,21}$")
ATTRIBUTION_DEFAULT_DAYS = 30


class PerformanceQuery(StrictQuerySerializer):
    period = serializers.ChoiceField(choices=selectors.PERIODS, default=selectors.DEFAULT_PERIOD)
    benchmark = serializers.CharField(default=selectors.DEFAULT_BENCHMARK, max_length=21)
    as_of_date = PolicyDateField(required=False)

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
    start_date = PolicyDateField(required=False)
    end_date = PolicyDateField(required=False)
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
    series = rows(PerformancePointSerializer)
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


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
    positions = rows(AttributionPositionSerializer)


class AttributionSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    group_by = serializers.ChoiceField(choices=selectors.GROUP_BY)
    total_pnl = serializers.FloatField()
    groups = rows(AttributionGroupSerializer)
    as_of_date = serializers.DateField(allow_null=True)
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()
