"""Serializers of the portfolio-scoped /data endpoints (API.md "/data").

Response shapes document the selectors' payloads (:mod:`analytics.selectors.portfolio_data`,
:mod:`analytics.selectors.position_data`, :mod:`analytics.selectors.price_history`); query
serializers reject unknown parameters (``StrictQuerySerializer``).
"""

from __future__ import annotations

import uuid

from rest_framework import serializers

from analytics.selectors.staleness import STALE_HELP
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import reordered, rows
from sigmasight.api.params import StrictQuerySerializer

MAX_POSITION_IDS = 500


# Response shapes (documentation) ------------------------------------------------------------------


class PortfolioItemSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    currency = serializers.CharField()
    total_value = serializers.FloatField(
        allow_null=True,
        help_text="NAV (USD) of the latest batch run; null when valuation_status is not_calculated.",
    )
    cash_balance = serializers.FloatField(help_text="The stored cash balance (USD).")
    position_count = serializers.IntegerField(help_text="Open positions (no exit date).")
    created_at = serializers.DateTimeField()
    valuation_status = serializers.ChoiceField(choices=["calculated", "not_calculated"])
    as_of_date = serializers.DateField(allow_null=True, help_text="Date of the run behind total_value.")
    calculated_at = serializers.DateTimeField(allow_null=True)
    data_source = serializers.CharField(help_text="Provider of the portfolio's prices (synthetic, fmp, ...).")


class ValuedPositionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    portfolio_id = serializers.UUIDField()
    symbol = serializers.CharField()
    position_type = serializers.CharField()
    quantity = serializers.FloatField(help_text="Signed (negative = short); contracts for options.")
    multiplier = serializers.IntegerField()
    entry_price = serializers.FloatField()
    entry_date = serializers.DateField()
    previous_close = serializers.FloatField(
        allow_null=True,
        help_text="Last close strictly before as_of_date (the entry price for a lot opened after it).",
    )
    price_source = serializers.CharField(
        allow_null=True, help_text="Provider of the price, or `model` (BSM)."
    )
    market_value = serializers.FloatField(allow_null=True, help_text="quantity x price x multiplier (USD).")
    cost_basis = serializers.FloatField(help_text="quantity x entry_price x multiplier (USD).")
    unrealized_pnl = serializers.FloatField(allow_null=True)
    unrealized_pnl_percent = serializers.FloatField(allow_null=True, help_text="Percent of |cost_basis|.")
    daily_pnl = serializers.FloatField(allow_null=True, help_text="Against the previous close (USD).")
    weight = serializers.FloatField(
        allow_null=True, help_text="market_value / NAV (fraction); null if NAV <= 0."
    )
    delta = serializers.FloatField(
        allow_null=True, help_text="Per share: 1 for stocks, BSM delta for options."
    )
    delta_adjusted_exposure = serializers.FloatField(allow_null=True, help_text="USD.")
    underlying_symbol = serializers.CharField(allow_null=True)
    option_type = serializers.CharField(allow_null=True)
    strike_price = serializers.FloatField(allow_null=True)
    expiration_date = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())


class CompletePositionSerializer(ValuedPositionSerializer):
    last_price = serializers.FloatField(allow_null=True, help_text="Close on as_of_date (null: no price).")
    has_complete_history = serializers.BooleanField(
        help_text="A bar on each of the 252 sessions ending at as_of_date (underlying for options)."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # last_price after entry_date, as portfolio_complete writes it
        leading = ("id", "portfolio_id", "symbol", "position_type", "quantity", "multiplier", "entry_price")
        return reordered(super().get_fields(), *leading, "entry_date", "last_price")


class CompletePortfolioBlockSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    currency = serializers.CharField()
    total_value = serializers.FloatField(help_text="NAV = net exposure + cash (USD).")
    cash_balance = serializers.FloatField(required=False, help_text="Omitted when include_cash=false.")
    long_value = serializers.FloatField()
    short_value = serializers.FloatField(help_text="Sum of negative market values (<= 0).")
    gross_exposure = serializers.FloatField()
    net_exposure = serializers.FloatField()
    delta_adjusted_net_exposure = serializers.FloatField()
    position_count = serializers.IntegerField()
    as_of_date = serializers.DateField()


class PositionsSummarySerializer(serializers.Serializer):
    long_count = serializers.IntegerField(help_text="Positions with positive delta-adjusted exposure.")
    short_count = serializers.IntegerField(help_text="Positions with negative delta-adjusted exposure.")
    option_count = serializers.IntegerField()
    total_market_value = serializers.FloatField(help_text="Sum of signed market values (net exposure).")
    priced_count = serializers.IntegerField()
    missing_price_count = serializers.IntegerField()


class CompleteDataQualitySerializer(serializers.Serializer):
    complete_data_positions = serializers.IntegerField()
    partial_data_positions = serializers.IntegerField()
    insufficient_data_positions = serializers.IntegerField()
    data_as_of_date = serializers.DateField(
        allow_null=True, help_text="Last stored bar on or before as_of_date."
    )
    history_window_sessions = serializers.IntegerField()


class PortfolioCompleteSerializer(serializers.Serializer):
    portfolio = CompletePortfolioBlockSerializer()
    positions_summary = PositionsSummarySerializer()
    positions = rows(
        CompletePositionSerializer, required=False, help_text="Omitted when include_positions=false."
    )
    data_quality = CompleteDataQualitySerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()


class PartialHistorySerializer(serializers.Serializer):
    symbol = serializers.CharField()
    days_available = serializers.IntegerField()
    days_missing = serializers.IntegerField()


class InsufficientHistorySerializer(serializers.Serializer):
    symbol = serializers.CharField()
    days_available = serializers.IntegerField()
    reason = serializers.CharField()


class PositionDataQualitySerializer(serializers.Serializer):
    complete_history = serializers.ListField(child=serializers.CharField())
    partial_history = PartialHistorySerializer(many=True)
    insufficient_data = InsufficientHistorySerializer(many=True)


class FeasibilitySerializer(serializers.Serializer):
    feasible = serializers.BooleanField()
    positions_eligible = serializers.IntegerField()
    positions_excluded = serializers.IntegerField()
    min_days_required = serializers.IntegerField()
    window_days = serializers.IntegerField(help_text="Sessions ending at as_of_date.")
    reason = serializers.CharField(allow_null=True)


class CalculationFeasibilitySerializer(serializers.Serializer):
    factor_regression = FeasibilitySerializer()
    correlation_matrix = FeasibilitySerializer()
    volatility_analysis = FeasibilitySerializer()


class DataQualitySummarySerializer(serializers.Serializer):
    total_positions = serializers.IntegerField()
    complete_data = serializers.IntegerField()
    partial_data = serializers.IntegerField()
    insufficient_data = serializers.IntegerField()
    data_coverage_percent = serializers.FloatField(
        allow_null=True, help_text="complete_data / total_positions x 100; null without positions."
    )


class HistoryWindowSerializer(serializers.Serializer):
    sessions = serializers.IntegerField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()


class DataQualitySerializer(serializers.Serializer):
    as_of_date = serializers.DateField()
    window = HistoryWindowSerializer()
    summary = DataQualitySummarySerializer()
    position_data_quality = PositionDataQualitySerializer()
    calculation_feasibility = CalculationFeasibilitySerializer()
    data_source = serializers.CharField()


class DetailPositionSerializer(ValuedPositionSerializer):
    current_price = serializers.FloatField(allow_null=True)
    exit_date = serializers.DateField(allow_null=True)
    exit_price = serializers.FloatField(allow_null=True)
    realized_pnl = serializers.FloatField(
        allow_null=True, help_text="Closed lots: (exit - entry) x qty x multiplier."
    )
    status = serializers.CharField(help_text="open | closed.")
    valued = serializers.BooleanField(help_text="False for open lots the latest run did not value.")


class DetailsSummarySerializer(serializers.Serializer):
    total_positions = serializers.IntegerField()
    open_positions = serializers.IntegerField()
    closed_positions = serializers.IntegerField()
    total_cost_basis = serializers.FloatField(help_text="Open lots with a valuation.")
    total_market_value = serializers.FloatField(help_text="Open priced lots.")
    total_unrealized_pnl = serializers.FloatField(help_text="Open priced lots.")
    total_realized_pnl = serializers.FloatField(help_text="Closed lots listed.")
    unpriced_positions = serializers.IntegerField()


class PositionDetailsSerializer(serializers.Serializer):
    positions = rows(DetailPositionSerializer)
    summary = DetailsSummarySerializer()
    portfolio_id = serializers.UUIDField()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()


class TopPositionSerializer(ValuedPositionSerializer):
    current_price = serializers.FloatField(allow_null=True)
    rank = serializers.IntegerField()


class TopSummarySerializer(serializers.Serializer):
    nav = serializers.FloatField()
    gross_exposure = serializers.FloatField()
    top_gross_exposure = serializers.FloatField(help_text="Sum of |market value| of the positions listed.")
    top_gross_percent_of_gross = serializers.FloatField(allow_null=True)


class TopPositionsSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    sort_by = serializers.CharField()
    limit = serializers.IntegerField()
    total_positions = serializers.IntegerField()
    positions = rows(TopPositionSerializer)
    summary = TopSummarySerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()


class SymbolHistorySerializer(serializers.Serializer):
    dates = serializers.ListField(child=serializers.JSONField(), help_text="YYYY-MM-DD or unix seconds.")
    open = serializers.ListField(child=serializers.FloatField(allow_null=True))
    high = serializers.ListField(child=serializers.FloatField(allow_null=True))
    low = serializers.ListField(child=serializers.FloatField(allow_null=True))
    close = serializers.ListField(child=serializers.FloatField(allow_null=True))
    adjusted_close = serializers.ListField(child=serializers.FloatField(allow_null=True))
    volume = serializers.ListField(child=serializers.IntegerField(allow_null=True))


class HistoryMetadataSerializer(serializers.Serializer):
    lookback_days = serializers.IntegerField()
    start_date = serializers.DateField(allow_null=True)
    end_date = serializers.DateField(allow_null=True)
    trading_days_included = serializers.IntegerField()
    date_format = serializers.ChoiceField(choices=["iso", "unix"])
    symbol_count = serializers.IntegerField()
    symbols_without_data = serializers.ListField(child=serializers.CharField())
    factor_etfs = serializers.DictField(child=serializers.CharField(), required=False)


class HistoricalPricesSerializer(serializers.Serializer):
    metadata = HistoryMetadataSerializer()
    symbols = serializers.DictField(child=SymbolHistorySerializer())
    data_source = serializers.CharField()


# Query parameters ---------------------------------------------------------------------------------


class UUIDListField(serializers.CharField):
    """Comma-separated UUIDs, de-duplicated in order (at most MAX_POSITION_IDS)."""

    def to_internal_value(self, data: object) -> list[str]:  # type: ignore[override]
        raw = super().to_internal_value(data)
        items = list(dict.fromkeys(s.strip() for s in raw.split(",") if s.strip()))
        if not items:
            raise serializers.ValidationError("Give at least one position id.")
        if len(items) > MAX_POSITION_IDS:
            raise serializers.ValidationError(f"At most {MAX_POSITION_IDS} position ids.")
        out, bad = [], []
        for item in items:
            try:
                out.append(str(uuid.UUID(item)))
            except ValueError:
                bad.append(item)
        if bad:
            raise serializers.ValidationError(f"Not valid UUIDs: {', '.join(bad)}.")
        return out


class NoQuery(StrictQuerySerializer):
    """No query parameters accepted."""


class CompleteQuery(StrictQuerySerializer):
    include_positions = serializers.BooleanField(default=True)
    include_cash = serializers.BooleanField(default=True)
    as_of_date = PolicyDateField(required=False)


class DetailsQuery(StrictQuerySerializer):
    portfolio_id = serializers.UUIDField()
    position_ids = UUIDListField(required=False)
    include_closed = serializers.BooleanField(default=False)


class TopQuery(StrictQuerySerializer):
    limit = serializers.IntegerField(min_value=1, max_value=50, default=20)
    sort_by = serializers.ChoiceField(choices=["market_value", "weight"], default="market_value")


class HistoricalQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(min_value=1, max_value=1260, default=150)
    include_factor_etfs = serializers.BooleanField(default=True)
    date_format = serializers.ChoiceField(choices=["iso", "unix"], default="iso")
