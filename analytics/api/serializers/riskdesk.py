"""Serializers of the risk-desk endpoints (/analytics/risk/{id}/option-grid, /liquidity,
/reverse-stress): query inputs (strict, 400 naming the parameter) and response shapes of the
payloads of :mod:`analytics.services.riskdesk`."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

from analytics.api.common import AsOfQuery
from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.engines.stress import STRESS_VARIABLES
from analytics.services.riskdesk import DEFAULT_SPOT_MOVES, DEFAULT_VOL_MOVES

#: At most this many moves per axis of the option grid.
MAX_GRID_MOVES = 25


class MovesField(serializers.CharField):
    """Comma-separated finite numbers in ``[low, high]`` (at most :data:`MAX_GRID_MOVES`, distinct),
    returned sorted ascending."""

    def __init__(self, *, low: float, high: float, low_open: bool = False, **kwargs: Any) -> None:
        self.low, self.high, self.low_open = low, high, low_open
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> list[float]:
        text = super().to_internal_value(data)
        parts = [p.strip() for p in text.split(",")]
        try:
            values = [float(p) for p in parts]
        except ValueError:
            raise serializers.ValidationError("Expected comma-separated numbers (fractions).") from None
        if not values or not all(math.isfinite(v) for v in values):
            raise serializers.ValidationError("Expected finite numbers.")
        if len(values) > MAX_GRID_MOVES:
            raise serializers.ValidationError(f"At most {MAX_GRID_MOVES} moves.")
        bad = [v for v in values if v > self.high or v < self.low or (self.low_open and v == self.low)]
        if bad:
            bracket = "(" if self.low_open else "["
            raise serializers.ValidationError(f"Each move must be in {bracket}{self.low:g}, {self.high:g}].")
        if len(set(values)) != len(values):
            raise serializers.ValidationError("Moves must be distinct.")
        return sorted(values)


class OptionGridQuery(AsOfQuery):
    spot_moves = MovesField(
        low=-1.0,
        high=3.0,
        required=False,
        help_text="Comma-separated simple returns of every underlying, -1..3 (default -0.3..0.3 by 0.05; "
        f"at most {MAX_GRID_MOVES}).",
    )
    vol_moves = MovesField(
        low=-1.0,
        high=4.0,
        low_open=True,
        required=False,
        help_text="Comma-separated relative changes of each option's sigma, > -1 and <= 4 "
        f"(default -0.5..1.0 by 0.25; at most {MAX_GRID_MOVES}).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        attrs.setdefault("spot_moves", list(DEFAULT_SPOT_MOVES))
        attrs.setdefault("vol_moves", list(DEFAULT_VOL_MOVES))
        return attrs


class LiquidityQuery(AsOfQuery):
    participation = serializers.FloatField(
        default=0.2,
        min_value=0.01,
        max_value=1.0,
        help_text="Share of ADV traded per day, 0.01..1 (default 0.2).",
    )
    adv_days = serializers.IntegerField(
        default=20, min_value=1, max_value=252, help_text="Bars in the ADV window, 1..252 (default 20)."
    )
    confidence = serializers.ChoiceField(
        choices=[0.95, 0.975, 0.99],
        default=0.99,
        help_text="Confidence of the parametric VaR (default 0.99).",
    )

    def validate_confidence(self, value: Any) -> float:
        return float(value)


class ExpiriesQuery(AsOfQuery):
    days = serializers.IntegerField(
        default=90,
        min_value=1,
        max_value=730,
        help_text="Calendar days of expiries listed, 1..730 (default 90).",
    )


class ReverseStressQuery(AsOfQuery):
    loss_percent = serializers.FloatField(
        default=20.0,
        min_value=0.1,
        max_value=100.0,
        help_text="Loss as percent of NAV, 0.1..100 (default 20).",
    )
    propagation = serializers.ChoiceField(
        choices=["conditional", "isolated"],
        default="conditional",
        help_text="Echoed: every variable is moved, so both propagations give the same P&L.",
    )


class BacktestQuery(AsOfQuery):
    method = serializers.ChoiceField(choices=["historical", "parametric"], default="historical")
    confidence = serializers.ChoiceField(choices=[0.95, 0.99], default=0.99, help_text="0.95 or 0.99")
    days = serializers.IntegerField(
        default=250, min_value=10, max_value=500, help_text="Trading days tested, 10..500 (default 250)."
    )

    def validate_confidence(self, value: Any) -> float:
        return float(value)


# --- responses ---------------------------------------------------------------------------------


class ExcludedPositionSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    reason = serializers.CharField()


class RiskDeskMetaSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    portfolio_value = serializers.FloatField(allow_null=True, help_text="NAV, USD")
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()
    stale = serializers.BooleanField()
    excluded = ExcludedPositionSerializer(many=True, help_text="Positions the batch could not price")
    conventions = ConventionsSerializer()


def _grid(help_text: str) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)), help_text=help_text
    )


class UnderlyingGridSerializer(serializers.Serializer):
    underlying_symbol = serializers.CharField()
    pnl = _grid("USD; rows = vol_moves, columns = spot_moves")
    delta_dollars = serializers.FloatField(allow_null=True, help_text="Today's net delta dollars, USD")


class DeltaFlipSerializer(serializers.Serializer):
    symbol = serializers.CharField(help_text="Underlying symbol")
    spot_move = serializers.FloatField()
    vol_move = serializers.FloatField()


class OptionGridSerializer(RiskDeskMetaSerializer):
    spot_moves = serializers.ListField(child=serializers.FloatField())
    vol_moves = serializers.ListField(child=serializers.FloatField())
    pnl = _grid("Book P&L, USD, signed; rows = vol_moves, columns = spot_moves")
    pnl_percent = _grid("Book P&L as percent of NAV")
    by_underlying = UnderlyingGridSerializer(many=True)
    delta_sign_flips = DeltaFlipSerializer(many=True)


class LiquidityPositionSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    market_value = serializers.FloatField(allow_null=True, help_text="USD, signed")
    adv_dollars = serializers.FloatField(
        allow_null=True, help_text="USD per day (of the exit basis's symbol)"
    )
    days_to_exit = serializers.FloatField(allow_null=True, help_text="Trading days; null = no volume")
    exit_basis = serializers.ChoiceField(choices=["shares", "contracts", "underlying_delta_shares"])
    component_var_1d = serializers.FloatField(
        allow_null=True, help_text="Parametric 1-day component VaR, USD"
    )


class LiquidityBucketSerializer(serializers.Serializer):
    bucket = serializers.ChoiceField(choices=["<=1d", "1-3d", "3-7d", ">7d"])
    market_value = serializers.FloatField(help_text="Sum of |market value|, USD")
    percent_of_nav = serializers.FloatField(allow_null=True)


class PositionRefSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()


class LiquiditySerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    participation = serializers.FloatField()
    adv_days = serializers.IntegerField()
    confidence = serializers.FloatField()
    horizon_days = serializers.IntegerField()
    portfolio_value = serializers.FloatField(allow_null=True, help_text="NAV, USD")
    positions = LiquidityPositionSerializer(many=True)
    buckets = LiquidityBucketSerializer(many=True)
    unknown_liquidity = PositionRefSerializer(many=True, help_text="Positions without any volume")
    var_1d = serializers.FloatField(allow_null=True, help_text="Parametric 1-day VaR, USD")
    var_10d = serializers.FloatField(allow_null=True, help_text="sqrt(10) x var_1d, USD")
    liquidity_adjusted_var_10d = serializers.FloatField(allow_null=True, help_text="USD, positive loss")
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField()
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


class ExpiringPositionSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    underlying_symbol = serializers.CharField()
    expiration_date = serializers.DateField()
    days_to_expiry = serializers.IntegerField(help_text="Calendar days")
    quantity = serializers.FloatField(help_text="Signed contracts")
    delta = serializers.FloatField(allow_null=True, help_text="Position delta, shares")
    delta_dollars = serializers.FloatField(allow_null=True, help_text="USD")


class ExpiryWeekSerializer(serializers.Serializer):
    week_start = serializers.DateField(help_text="Monday of the expiry week")
    positions = ExpiringPositionSerializer(many=True)
    delta_dollars = serializers.FloatField(allow_null=True, help_text="USD, summed over the week's options")


class ThetaDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    theta = serializers.FloatField(allow_null=True, help_text="USD per calendar day of the options alive")


class AssignmentRiskSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    code = serializers.ChoiceField(choices=["call_before_dividend", "deep_itm_put"])
    reason = serializers.CharField()


class ExpiriesSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    days = serializers.IntegerField()
    weeks = ExpiryWeekSerializer(many=True)
    theta_by_day = ThetaDaySerializer(many=True)
    assignment_risk = AssignmentRiskSerializer(many=True)
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField()
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


class FactorMovesSerializer(serializers.Serializer):
    """All 11 stress variables (stress units; Volatility a relative VIX change)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in STRESS_VARIABLES:
            self.fields[name] = serializers.FloatField(allow_null=True)


class ReverseStressPositionSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    dollar_impact = serializers.FloatField(allow_null=True, help_text="USD, signed")
    percentage_impact = serializers.FloatField(allow_null=True, help_text="Percent of NAV")


class ReverseStressSerializer(RiskDeskMetaSerializer):
    loss_percent = serializers.FloatField()
    propagation = serializers.CharField()
    target_loss = serializers.FloatField(allow_null=True, help_text="USD, positive loss")
    achieved_loss = serializers.FloatField(allow_null=True, help_text="USD, positive loss")
    achieved = serializers.BooleanField(help_text="False when the loss cannot be reached")
    mahalanobis_distance = serializers.FloatField(allow_null=True)
    linear_mahalanobis_distance = serializers.FloatField(allow_null=True)
    method = serializers.ChoiceField(choices=["linear", "line_search", "slsqp"])
    factor_moves = FactorMovesSerializer()
    linear_factor_moves = FactorMovesSerializer()
    by_position = ReverseStressPositionSerializer(many=True)


class LikelihoodRatioSerializer(serializers.Serializer):
    statistic = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)


class ChristoffersenSerializer(serializers.Serializer):
    independence = LikelihoodRatioSerializer()
    conditional_coverage = LikelihoodRatioSerializer()


class BacktestDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="The tested day (its P&L)")
    forecast_date = serializers.DateField(help_text="The close the VaR was forecast at (the day before)")
    var = serializers.FloatField(allow_null=True, help_text="USD, positive loss; null = not computable")
    pnl = serializers.FloatField(allow_null=True, help_text="USD, signed: NAV_t - NAV_t-1 - flow_t")
    exception = serializers.BooleanField(allow_null=True, help_text="pnl < -var; null = not an observation")
    source = serializers.CharField(
        help_text="`batch`: copied from that day's run; `backfill`: computed later for that past day"
    )


class TrafficLightWindowSerializer(serializers.Serializer):
    observations = serializers.IntegerField(help_text="Tested days of the light (the last 250 available)")
    exceptions = serializers.IntegerField()
    expected_exceptions = serializers.FloatField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)


class BacktestSerializer(RiskDeskMetaSerializer):
    method = serializers.CharField()
    confidence = serializers.FloatField()
    horizon_days = serializers.IntegerField()
    days = serializers.IntegerField()
    window_days = serializers.IntegerField()
    observations = serializers.IntegerField()
    exceptions = serializers.IntegerField()
    exception_dates = serializers.ListField(child=serializers.DateField())
    expected_exceptions = serializers.FloatField(allow_null=True)
    kupiec = LikelihoodRatioSerializer()
    christoffersen = ChristoffersenSerializer()
    traffic_light = serializers.ChoiceField(
        choices=["green", "yellow", "red"], help_text="Basel zone on the last 250 tested days"
    )
    traffic_light_window = TrafficLightWindowSerializer()
    series = BacktestDaySerializer(many=True)
