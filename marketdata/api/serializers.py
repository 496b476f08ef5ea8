"""Query and output serializers of /data/prices/quotes, /data/factors/etf-prices and /data/macro: the shapes of
:func:`marketdata.quotes.quotes_get`, :func:`marketdata.selectors.factor_etf_prices` and
:func:`marketdata.selectors.macro_series`. Prices USD per share; returns and yields decimal fractions.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from rest_framework import serializers

from marketdata import selectors
from sigmasight.api.params import StrictQuerySerializer

# Query parameters ------------------------------------------------------------------------------

#: a ticker (``BRK-B``, ``^VIX``), an unpadded OCC symbol, or an OCC symbol padded as positions store it
_SYMBOL = re.compile(r"^(?:[A-Z0-9.\-^]{1,21}|[A-Z0-9.\-]{1,6} +\d{6}[CP]\d{8})$")
MAX_QUOTE_SYMBOLS = 100


class SymbolListField(serializers.CharField):
    """Comma-separated symbols, upper-cased, validated, de-duplicated in order."""

    def to_internal_value(self, data: object) -> list[str]:  # type: ignore[override]
        raw = super().to_internal_value(data)
        symbols = list(dict.fromkeys(s.strip().upper() for s in raw.split(",") if s.strip()))
        if not symbols:
            raise serializers.ValidationError("Give at least one symbol.")
        if len(symbols) > MAX_QUOTE_SYMBOLS:
            raise serializers.ValidationError(f"At most {MAX_QUOTE_SYMBOLS} symbols per request.")
        bad = [s for s in symbols if not _SYMBOL.match(s)]
        if bad:
            raise serializers.ValidationError(f"Invalid symbols: {', '.join(bad)}.")
        return symbols


class QuotesQuery(StrictQuerySerializer):
    symbols = SymbolListField()


class KnownNamesField(serializers.CharField):
    """Comma-separated names, stripped (upper-cased when ``upper``), de-duplicated in order; each must
    be one of ``known()`` (else 400 naming the unknown ones); ``required_one``: at least one name."""

    def __init__(
        self,
        *,
        known: Callable[[], Iterable[str]],
        kind: str,
        upper: bool = False,
        required_one: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.known, self.kind, self.upper, self.required_one = known, kind, upper, required_one

    def to_internal_value(self, data: object) -> list[str]:  # type: ignore[override]
        raw = super().to_internal_value(data)
        names = list(
            dict.fromkeys(n.strip().upper() if self.upper else n.strip() for n in raw.split(",") if n.strip())
        )
        if self.required_one and not names:
            raise serializers.ValidationError(f"Give at least one of the {self.kind}.")
        known = list(self.known())
        unknown = [n for n in names if n not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown {self.kind}: {', '.join(unknown)}. Known: {', '.join(known)}."
            )
        return names


class FactorPricesQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(min_value=1, max_value=1260, default=150)
    factors = KnownNamesField(known=lambda: selectors.model_factor_etfs(), kind="factors", required=False)


class MacroQuery(StrictQuerySerializer):
    series = KnownNamesField(
        known=lambda: selectors.MACRO_SERIES_NAMES,
        kind="series",
        upper=True,
        required_one=True,
        required=False,
    )
    lookback_days = serializers.IntegerField(min_value=1, max_value=1260, default=252)


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
