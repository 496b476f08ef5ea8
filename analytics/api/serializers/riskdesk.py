"""Serializers of the risk-desk endpoints (/analytics/risk/{id}/option-grid, /liquidity,
/reverse-stress): query inputs (strict, 400 naming the parameter) and response shapes of the
payloads of :mod:`analytics.services.riskdesk`."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers

from analytics.api.common import AsOfQuery
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


# --- responses ---------------------------------------------------------------------------------


class ConventionsSerializer(serializers.Serializer):
    units = serializers.CharField()
    window = serializers.CharField(allow_null=True)
    method = serializers.CharField()
    annualization = serializers.CharField(allow_null=True)
    reference = serializers.CharField()


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
