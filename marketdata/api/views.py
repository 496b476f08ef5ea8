"""/data/prices/quotes, /data/factors/etf-prices and /data/macro."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketdata import selectors
from marketdata.api.serializers import (
    FactorETFPricesSerializer,
    FactorPricesQuery,
    MacroQuery,
    MacroSerializer,
    QuotesQuery,
    QuotesSerializer,
)
from marketdata.quotes import quotes_get
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors


class QuotesView(APIView):
    @extend_schema(
        parameters=[OpenApiParameter("symbols", str, required=True, description="Comma-separated, max 100.")],
        responses=QuotesSerializer,
        description="Latest quotes; bid/ask only where the provider has them (else null, never simulated).",
    )
    def get(self, request: Request) -> Response:
        query = parse_query(QuotesQuery, request)
        return Response(QuotesSerializer(quotes_get(symbols=query["symbols"])).data)


class FactorETFPricesView(APIView):
    @extend_schema(
        parameters=[
            OpenApiParameter("lookback_days", int, description="Trading days, 1 to 1260 (default 150)."),
            OpenApiParameter("factors", str, description="Comma-separated factor names (default: all 7)."),
        ],
        responses=FactorETFPricesSerializer,
        description="Adjusted closes and simple daily returns (fractions) of the factor ETFs.",
    )
    @cached_get()
    def get(self, request: Request) -> Response:
        query = parse_query(FactorPricesQuery, request)
        body = selectors.factor_etf_prices_get(
            lookback_days=query["lookback_days"], factor_names=query.get("factors")
        )
        return Response(FactorETFPricesSerializer(body).data)


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
    @cached_get()
    def get(self, request: Request) -> Response:
        query = parse_query(MacroQuery, request)
        body = selectors.macro_series_get(
            lookback_days=query["lookback_days"], series_ids=query.get("series")
        )
        return Response(MacroSerializer(body).data)
