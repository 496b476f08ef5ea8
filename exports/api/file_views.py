"""File exports (API.md "/export"): a portfolio as CSV/XLSX/JSON, a trade list as CSV/JSON/FIX, and
the history of what the user took out.

Thin views: validate the query or body (400 naming the parameter or ``trades[i].field``), check
ownership (another user's portfolio answers 404), one service or selector call. Downloads answer
the file with ``Content-Disposition: attachment`` and a generated filename; errors stay JSON
envelopes whatever the client's ``Accept`` header.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors.access import owned_portfolio
from exports.api.serializers_files import (
    MAX_TRADES,
    ExportRecordSerializer,
    HistoryQuery,
    PortfolioExportQuery,
    TradesExportInput,
    flat_errors,
)
from exports.files import CONTENT_TYPES, ExportFile
from exports.history import export_history_list
from exports.portfolio_export import GREEK_COLUMNS, POSITION_COLUMNS, SECTIONS
from exports.portfolio_files import PORTFOLIO_FORMATS, portfolio_export_file
from exports.trades import TRADE_COLUMNS, TRADE_FORMATS, trades_export_file
from sigmasight.api.params import parse_query
from sigmasight.api.parsers import JSONParser
from sigmasight.api.schema import errors


class FileNegotiation(DefaultContentNegotiation):
    """Downloads ignore ``Accept`` (the format is a parameter, never a 406); errors render with the
    JSON renderer."""

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


def file_response(file: ExportFile) -> HttpResponse:
    response = HttpResponse(file.content, content_type=file.content_type)
    response["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    response["Content-Length"] = str(file.size_bytes)
    return response


def binary_responses(formats: Sequence[str], description: str) -> dict[Any, OpenApiResponse]:
    """The 200 file responses of each format's media type, for the schema: a binary body, except
    the JSON file, which is a JSON object (the view's description gives its keys)."""
    responses: dict[Any, OpenApiResponse] = {}
    for name in formats:
        media_type = CONTENT_TYPES[name].split(";")[0]
        body = OpenApiTypes.OBJECT if media_type == "application/json" else OpenApiTypes.BINARY
        responses[(200, media_type)] = OpenApiResponse(body, description=description)
    return responses


# GET /export/portfolio/{id} -----------------------------------------------------------------------


class PortfolioExportView(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="export_portfolio",
        summary="Download a portfolio as CSV, XLSX or JSON",
        description=(
            "The numbers the API serves for the latest batch run, as a file (`Content-Disposition: "
            "attachment`, filename `portfolio-<name>-<as_of_date>.<format>`), recorded in /export/history. "
            f"`include` (default all): {', '.join(SECTIONS)}. **json** `{{portfolio: {{id, name, as_of_date, "
            "total_value, cash_balance}, positions, exposures, greeks, factors, risk, data_source}` with "
            f"only the included sections; a position row has {', '.join(POSITION_COLUMNS)} and, with "
            f"greeks, {', '.join(GREEK_COLUMNS)} (stocks: delta = signed shares, other Greeks 0). "
            "exposures = /analytics/portfolio/{id}/overview, greeks = /analytics/risk/{id}/greeks, "
            "factors = /analytics/factors/{id}/exposures (model factors, macro sensitivities, CAPM), "
            "risk = /analytics/risk/{id}/overview metrics plus the /var VaR/ES entries (every method, 95 % "
            "and 99 %, 1 and 10 days). "
            "**csv** the positions table (UTF-8, one header row, one row per open position, tags joined "
            "with `;`; include must contain positions; the other sections need xlsx or json). **xlsx** one "
            "sheet per section (Positions, Exposures, Greeks, Factors, Risk), bold frozen header row, "
            "numbers as numbers with number formats (percentages stored as fractions under a percent "
            "format), dates as dates. Text cells starting with `=`, `+`, `-`, `@`, a tab or a CR are "
            "prefixed with `'` in CSV and XLSX (formula injection); numbers are untouched. 422 "
            "INSUFFICIENT_DATA before the batch produced a requested section."
        ),
        parameters=[
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Portfolio id."),
            PortfolioExportQuery,
        ],
        responses={**binary_responses(PORTFOLIO_FORMATS, "The export file"), **errors(400, 404, 422)},
    )
    def get(self, request: Request, id: uuid.UUID) -> HttpResponse:  # noqa: A002 - the URL's name
        portfolio = owned_portfolio(
            request.user, id
        )  # first: someone else's portfolio is a 404, whatever the query
        query = parse_query(PortfolioExportQuery, request)
        file = portfolio_export_file(
            user=request.user, portfolio=portfolio, file_format=query["format"], include=query["include"]
        )
        return file_response(file)


# POST /export/trades ------------------------------------------------------------------------------


class TradesExportView(APIView):
    content_negotiation_class = FileNegotiation
    parser_classes = [JSONParser]  # nested trades: JSON bodies only (a form post is a 415)

    @extend_schema(
        operation_id="export_trades",
        summary="Download a trade list for a broker (CSV, JSON or FIX 4.4)",
        description=(
            f"Up to {MAX_TRADES} trades, validated before anything is written (400 VALIDATION_ERROR whose "
            "`details` name each field as `trades[<index>].<field>`): quantity > 0 (whole contracts for "
            "options); `limit` needs `limit_price` > 0 and `market` takes none; a ticker must be known "
            "(security master or stored prices), anything else an OCC option symbol whose underlying is "
            "known; with `portfolio_id` (yours, else 404) `sell` may not exceed the long and `buy_to_cover` "
            "the short quantity held, summed over the list. **fix**: one FIX 4.4 NewOrderSingle (35=D) "
            "per trade, SOH-separated, each followed by a newline, with BodyLength(9), CheckSum(10), "
            "SenderCompID(49) SIGMASIGHT, TargetCompID(56) the broker (default BROKER), a unique "
            "ClOrdID(11), Side(54) 1 buy / 2 sell / 5 sell short / 1 buy to cover, OrderQty(38), OrdType(40) "
            "1 market / 2 limit with Price(44), Symbol(55), TransactTime(60) UTC; options carry "
            "SecurityType(167)=OPT, Symbol(55) the underlying, MaturityMonthYear(200), MaturityDate(541), "
            "StrikePrice(202), PutOrCall(201), the OCC symbol in SecurityID(48) and OpenClose(77). "
            f"**csv** / **json**: one row per trade with {', '.join(TRADE_COLUMNS)} (json: "
            "`{portfolio_id, broker, generated_at, trades}`). Recorded in /export/history (kind trades)."
        ),
        request=TradesExportInput,
        responses={**binary_responses(TRADE_FORMATS, "The trade list"), **errors(400, 404)},
        examples=[
            OpenApiExample(
                "A stock and an option",
                request_only=True,
                value={
                    "trades": [
                        {"symbol": "AAPL", "action": "buy", "quantity": 100},
                        {
                            "symbol": "AAPL  251219C00150000",
                            "action": "sell_short",
                            "quantity": 2,
                            "order_type": "limit",
                            "limit_price": 4.5,
                        },
                    ],
                    "format": "fix",
                    "broker": "IBKR",
                },
            )
        ],
    )
    def post(self, request: Request) -> HttpResponse:
        body = TradesExportInput(data=request.data)
        if not body.is_valid():
            raise ValidationError(flat_errors(body.errors))
        data = body.validated_data
        portfolio = owned_portfolio(request.user, data.get("portfolio_id"))
        file = trades_export_file(
            user=request.user,
            trades=[dict(trade) for trade in data["trades"]],
            file_format=data["format"],
            portfolio=portfolio,
            broker=data.get("broker") or None,
        )
        return file_response(file)


# GET /export/history ------------------------------------------------------------------------------


class ExportHistoryView(generics.ListAPIView):
    serializer_class = ExportRecordSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        operation_id="export_history",
        summary="Your exports, reports and trade lists",
        description=(
            "Newest first, paginated (`limit` 1..500, default 50; `offset`). `portfolio_id` (yours, else "
            "404) and `kind` (portfolio, report, trades) filter. `size_bytes` is the file's size; "
            "`filename` the generated name it was downloaded as."
        ),
        parameters=[HistoryQuery],
        responses={200: ExportRecordSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = parse_query(HistoryQuery, request)
        portfolio = owned_portfolio(request.user, query.get("portfolio_id"))
        page = self.paginate_queryset(
            export_history_list(user=request.user, portfolio=portfolio, kind=query.get("kind"))
        )
        return self.get_paginated_response(ExportRecordSerializer(page, many=True).data)
