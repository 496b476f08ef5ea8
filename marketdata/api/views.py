"""/data/prices/quotes, /data/factors/etf-prices and /data/macro."""

from __future__ import annotations

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketdata import selectors
from marketdata.api.serializers import FactorETFPricesSerializer, MacroSerializer, QuotesSerializer
from marketdata.quotes import quotes_get
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.params import StrictQuerySerializer, parse_query
from sigmasight.api.schema import errors

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


class QuotesView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("symbols", str, required=True, description="Comma-separated, max 100.")],
        responses=QuotesSerializer,
        description="Latest quotes; bid/ask only where the provider has them (else null, never simulated).",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(QuotesQuery, request)
        return Response(QuotesSerializer(quotes_get(symbols=query["symbols"])).data)


class KnownNamesField(serializers.CharField):
    """Comma-separated names, stripped (upper-cased when ``upper``), de-duplicated in order; each must
    be one of :meth:`known` (else 400 naming the unknown ones)."""

    kind = "names"
    upper = False

    def known(self) -> list[str]:
        raise NotImplementedError

    def to_internal_value(self, data: object) -> list[str]:  # type: ignore[override]
        raw = super().to_internal_value(data)
        names = list(
            dict.fromkeys(n.strip().upper() if self.upper else n.strip() for n in raw.split(",") if n.strip())
        )
        known = self.known()
        unknown = [n for n in names if n not in known]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown {self.kind}: {', '.join(unknown)}. Known: {', '.join(known)}."
            )
        return names


class FactorNamesField(KnownNamesField):
    kind = "factors"

    def known(self) -> list[str]:
        return list(selectors.model_factor_etfs())


class FactorPricesQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(min_value=1, max_value=1260, default=150)
    factors = FactorNamesField(required=False)


class FactorETFPricesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("lookback_days", int, description="Trading days, 1 to 1260 (default 150)."),
            OpenApiParameter("factors", str, description="Comma-separated factor names (default: all 7)."),
        ],
        responses=FactorETFPricesSerializer,
        description="Adjusted closes and simple daily returns (fractions) of the factor ETFs.",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(FactorPricesQuery, request)
        body = selectors.factor_etf_prices(
            lookback_days=query["lookback_days"], factor_names=query.get("factors")
        )
        empty = [name for name, f in body["factors"].items() if not any(p is not None for p in f["prices"])]
        if empty:
            raise InsufficientData(
                f"No stored prices for the factor ETFs of: {', '.join(empty)}.",
                {
                    "missing": {name: body["factors"][name]["etf_symbol"] for name in empty},
                    "how_to_fix": "Run `manage.py sync_market_data` or the batch's market-data step.",
                },
            )
        body["data_source"] = selectors.data_source(
            symbols=[f["etf_symbol"] for f in body["factors"].values()]
        )
        return Response(FactorETFPricesSerializer(body).data)


class MacroSeriesIdsField(KnownNamesField):
    """Comma-separated rate series ids (case-insensitive); at least one."""

    kind = "series"
    upper = True

    def known(self) -> list[str]:
        return list(selectors.MACRO_SERIES_NAMES)

    def to_internal_value(self, data: object) -> list[str]:  # type: ignore[override]
        ids = super().to_internal_value(data)
        if not ids:
            raise serializers.ValidationError("Give at least one series.")
        return ids


class MacroQuery(StrictQuerySerializer):
    series = MacroSeriesIdsField(required=False)
    lookback_days = serializers.IntegerField(min_value=1, max_value=1260, default=252)


class MacroView(APIView):
    @extend_schema(
        operation_id="data_macro",
        summary="Rate series the engines use (decimal)",
        description=(
            "The stored DGS3MO (risk-free rate) and DGS10 observations, in decimal: each series' last "
            "`lookback_days` observations up to its latest stored date. 422 INSUFFICIENT_DATA when an "
            "asked series has nothing stored."
        ),
        parameters=[
            OpenApiParameter("series", str, description="Comma-separated: DGS3MO, DGS10 (default: both)."),
            OpenApiParameter("lookback_days", int, description="Trading days, 1 to 1260 (default 252)."),
        ],
        responses={200: MacroSerializer, **errors(400, 422)},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(MacroQuery, request)
        body = selectors.macro_series(lookback_days=query["lookback_days"], series_ids=query.get("series"))
        empty = [sid for sid, s in body["series"].items() if not s["dates"]]
        if empty:
            raise InsufficientData(
                f"No stored observations for: {', '.join(empty)}.",
                {
                    "missing": empty,
                    "how_to_fix": "Run `manage.py sync_market_data` or the batch's market-data step.",
                },
            )
        return Response(MacroSerializer(body).data)
