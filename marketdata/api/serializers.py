"""Output serializers of /data/prices/quotes, /data/factors/etf-prices and /data/macro: the shapes of
:func:`marketdata.quotes.quotes_get`, :func:`marketdata.selectors.factor_etf_prices` and
:func:`marketdata.selectors.macro_series`. Prices USD per share; returns and yields decimal fractions.
"""

from __future__ import annotations

from rest_framework import serializers

# GET /data/prices/quotes ------------------------------------------------------------------------


class QuoteSerializer(serializers.Serializer):
    symbol = serializers.CharField()
    last_price = serializers.FloatField(help_text="USD per share.")
    bid = serializers.FloatField(
        allow_null=True, help_text="Null when the provider has none (never simulated)."
    )
    ask = serializers.FloatField(
        allow_null=True, help_text="Null when the provider has none (never simulated)."
    )
    volume = serializers.IntegerField(allow_null=True, help_text="Shares traded in the session.")
    day_change = serializers.FloatField(allow_null=True, help_text="USD per share vs the previous close.")
    day_change_percent = serializers.FloatField(allow_null=True, help_text="Percent: 1.5 = +1.5%.")
    day_high = serializers.FloatField(allow_null=True)
    day_low = serializers.FloatField(allow_null=True)
    updated_at = serializers.DateTimeField(help_text="UTC time of the quote.")


class QuotesSerializer(serializers.Serializer):
    quotes = QuoteSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField(), help_text="Symbols without a quote.")
    missing_reasons = serializers.DictField(
        child=serializers.CharField(), help_text="Symbol -> why the provider has no quote for it."
    )
    last_updated_at = serializers.DateTimeField(allow_null=True, help_text="The latest updated_at.")
    data_source = serializers.CharField(help_text="The quote provider (synthetic, fmp, polygon, ...).")


# GET /data/factors/etf-prices -------------------------------------------------------------------


class FactorModelMetaSerializer(serializers.Serializer):
    version = serializers.CharField()
    regression_window = serializers.IntegerField(help_text="Daily returns per regression.")
    minimum_data_points = serializers.IntegerField(help_text="Fewest daily returns a regression accepts.")


class FactorETFSeriesSerializer(serializers.Serializer):
    etf_symbol = serializers.CharField()
    dates = serializers.ListField(child=serializers.DateField(), help_text="YYYY-MM-DD, ascending.")
    prices = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="Adjusted closes (USD per share), aligned with dates; null where no bar is stored.",
    )
    returns = serializers.ListField(
        child=serializers.FloatField(allow_null=True),
        help_text="Simple daily returns (fractions) from the previous stored date; null without one.",
    )


class FactorETFPricesSerializer(serializers.Serializer):
    factor_model = FactorModelMetaSerializer()
    factors = serializers.DictField(child=FactorETFSeriesSerializer(), help_text="Keyed by factor name.")
    data_source = serializers.CharField(help_text="Provider of the ETFs' stored prices.")


# GET /data/macro --------------------------------------------------------------------------------


class MacroSeriesSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="FRED title of the series.")
    unit = serializers.ChoiceField(choices=["decimal"], help_text="Decimal yields: 0.0425 = 4.25%.")
    dates = serializers.ListField(child=serializers.DateField(), help_text="YYYY-MM-DD, ascending.")
    values = serializers.ListField(child=serializers.FloatField(), help_text="Aligned with dates.")


class MacroSerializer(serializers.Serializer):
    series = serializers.DictField(child=MacroSeriesSerializer(), help_text="Keyed by series id.")
    data_source = serializers.CharField(
        help_text="Provider of the stored observations (synthetic, fred, ...)."
    )
