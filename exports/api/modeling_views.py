"""GET /modeling/sessions/{id}/export: a what-if session's trades as a broker trade list, written by the
/export/trades writer (CSV, JSON, FIX 4.4). It lives in exports because exports depends on analytics
(the session's orders come from ``analytics.modeling.selectors``), never the reverse."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.views import APIView

from analytics.modeling.selectors import session_export_trades, session_get
from exports.api.file_views import FileNegotiation, binary_responses, file_response
from exports.trades import TRADE_FORMATS, trades_export_file
from sigmasight.api.params import StrictQuerySerializer, parse_query
from sigmasight.api.schema import errors


class SessionExportQuery(StrictQuerySerializer):
    format = serializers.ChoiceField(choices=TRADE_FORMATS, help_text="csv, json or fix.")


class SessionTradesExportView(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        operation_id="modeling_sessions_export",
        summary="The session's trades as a trade list (CSV, JSON or FIX 4.4)",
        description=(
            "The session's trades as broker orders at their trade prices (limit orders): a trade that "
            "closes held lots and goes past them becomes two orders (sell + sell_short, or buy_to_cover + "
            "buy). Written by the /export/trades writer with the same validation and FIX fields, "
            "recorded in /export/history (kind trades). Another user's session is 404."
        ),
        parameters=[
            OpenApiParameter(
                "format", str, enum=list(TRADE_FORMATS), required=True, description="csv, json or fix."
            )
        ],
        responses={**binary_responses(TRADE_FORMATS, "The trade list"), **errors(400, 404)},
    )
    def get(self, request: Request, id: UUID) -> HttpResponse:  # noqa: A002 - the URL's name
        session = session_get(user=request.user, session_id=id)
        query = parse_query(SessionExportQuery, request)
        file = trades_export_file(
            user=request.user,
            trades=session_export_trades(session=session),
            file_format=query["format"],
            portfolio=session.portfolio,
        )
        return file_response(file)
