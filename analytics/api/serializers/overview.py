"""Serializers of GET /analytics/portfolio/{id}/overview: the response shape of
:func:`analytics.selectors.portfolio_data.portfolio_overview` (money USD, percentages of NAV x 100).
"""

from __future__ import annotations

from rest_framework import serializers

from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.selectors.staleness import STALE_HELP


class ExposureValueSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="USD (short values are negative).")
    percentage = serializers.FloatField(allow_null=True, help_text="value / NAV x 100; null when NAV <= 0.")


class ExposureSetSerializer(serializers.Serializer):
    long = ExposureValueSerializer()
    short = ExposureValueSerializer()
    gross = ExposureValueSerializer()
    net = ExposureValueSerializer()


class PortfolioOverviewSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    total_value = serializers.FloatField(help_text="NAV = net exposure + cash (USD).")
    cash_balance = serializers.FloatField(help_text="Cash used by the run (USD).")
    total_pnl = serializers.FloatField(
        allow_null=True, help_text="Unrealized P&L of the priced positions (null when none is priced)."
    )
    total_pnl_percent = serializers.FloatField(
        allow_null=True,
        help_text="total_pnl / gross_cost_basis x 100 (percent; the base is named in total_pnl_percent_base).",
    )
    total_pnl_percent_base = serializers.CharField(
        help_text="gross_cost_basis: the sum of |cost basis| of the priced positions (longs and shorts by size)."
    )
    gross_cost_basis = serializers.FloatField(
        allow_null=True,
        help_text="USD, sum of |quantity x entry price x multiplier| of the priced positions.",
    )
    daily_pnl = serializers.FloatField(allow_null=True, help_text="Against each position's previous close.")
    cost_basis = serializers.FloatField(help_text="Sum of signed cost bases (USD).")
    exposures = ExposureSetSerializer(
        help_text="By market value: long = sum of positive MVs, short of negative."
    )
    delta_adjusted = ExposureSetSerializer(help_text="Stocks MV; options delta x S x multiplier x quantity.")
    position_count = serializers.IntegerField()
    priced_position_count = serializers.IntegerField()
    missing_price_count = serializers.IntegerField(help_text="Positions left out of the sums (no price).")
    long_count = serializers.IntegerField(allow_null=True, help_text="Positive delta-adjusted exposure.")
    short_count = serializers.IntegerField(allow_null=True, help_text="Negative delta-adjusted exposure.")
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()
