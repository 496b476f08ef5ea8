"""/modeling endpoints (API.md): sessions, their trades, calculate, impacts, save / apply, cancel.

Thin views: validate the body or query, one selector or service call, serialize. Another user's
session or portfolio answers 404; impacts answer 422 before the first calculation and 409 once the
trades changed; applied and cancelled sessions are read-only (409).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.modeling.api.serializers import (
    ImpactsSerializer,
    SaveInput,
    SessionCreateInput,
    SessionListQuery,
    SessionSerializer,
    TradesCreatedSerializer,
    TradeSerializer,
    TradesInput,
)
from analytics.modeling.models import ModelingSession
from analytics.modeling.selectors import session_get, session_impacts_get, session_list
from analytics.modeling.services import (
    session_calculate,
    session_cancel,
    session_create,
    session_save,
    session_trade_delete,
    session_trades_add,
)
from analytics.selectors.access import owned_portfolio
from sigmasight.api.params import parse_query
from sigmasight.api.schema import errors

TAG = ["modeling"]


def _session_body(request: Request, session_id: Any) -> dict[str, Any]:
    return SessionSerializer(session_get(user=request.user, session_id=session_id)).data  # type: ignore[return-value]


class SessionListCreateView(generics.ListCreateAPIView):
    serializer_class = SessionSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[ModelingSession]:
        if getattr(self, "swagger_fake_view", False):
            return ModelingSession.objects.none()
        query = parse_query(SessionListQuery, self.request)
        return session_list(
            user=self.request.user, portfolio=owned_portfolio(self.request.user, query.get("portfolio_id"))
        )

    @extend_schema(
        operation_id="modeling_sessions_list",
        tags=TAG,
        summary="Your modeling sessions (newest first)",
        parameters=[SessionListQuery],
        responses={200: SessionSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="modeling_sessions_create",
        tags=TAG,
        summary="Open a what-if session on a portfolio (as of its last batch date)",
        description="A copy-on-write view of the portfolio: nothing of it changes until `save` with "
        "`apply: true`. 422 when the batch has not produced the portfolio's risk results yet.",
        request=SessionCreateInput,
        responses={201: SessionSerializer, **errors(400, 404, 422)},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = SessionCreateInput(data=request.data)
        body.is_valid(raise_exception=True)
        portfolio = owned_portfolio(request.user, body.validated_data["portfolio_id"])
        session = session_create(owner=request.user, portfolio=portfolio, name=body.validated_data["name"])
        return Response(_session_body(request, session.id), status=status.HTTP_201_CREATED)


class SessionDetailView(APIView):
    @extend_schema(
        operation_id="modeling_sessions_retrieve",
        tags=TAG,
        summary="A session with its trades",
        responses={200: SessionSerializer, **errors(404)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002 - the route's name
        return Response(_session_body(request, id))

    @extend_schema(
        operation_id="modeling_sessions_cancel",
        tags=TAG,
        summary="Cancel the session (read-only afterwards); answers the cancelled session",
        responses={200: SessionSerializer, **errors(404, 409)},
    )
    def delete(self, request: Request, id: str) -> Response:  # noqa: A002
        session_cancel(session=session_get(user=request.user, session_id=id))
        return Response(_session_body(request, id))


class SessionTradesView(APIView):
    @extend_schema(
        operation_id="modeling_trades_add",
        tags=TAG,
        summary="Add what-if trades (all or none)",
        description="Single trades, multi-leg option spreads and baskets (give the legs one `tag`). "
        "Each trade is validated like a position (known symbol, quantity != 0, option fields "
        "consistent, expiry after the as-of date); one bad trade adds none: the 400's "
        "`details.trades` lists `{index, field, message}` of every problem.",
        request=TradesInput,
        responses={201: TradesCreatedSerializer, **errors(400, 404, 409)},
        examples=[
            OpenApiExample(
                "Buy SPY puts",
                value={"trades": [{"occ_symbol": "SPY   270115P00600000", "quantity": 5, "tag": "hedge"}]},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        session = session_get(user=request.user, session_id=id)
        body = TradesInput(data=request.data)
        body.is_valid(raise_exception=True)
        trades = session_trades_add(session=session, trades=body.validated_data["trades"])
        return Response({"trades": TradeSerializer(trades, many=True).data}, status=status.HTTP_201_CREATED)


class SessionTradeDetailView(APIView):
    @extend_schema(
        operation_id="modeling_trades_delete",
        tags=TAG,
        summary="Remove a trade from the session",
        responses={204: None, **errors(404, 409)},
    )
    def delete(self, request: Request, id: str, trade_id: str) -> Response:  # noqa: A002
        session_trade_delete(session=session_get(user=request.user, session_id=id), trade_id=trade_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionCalculateView(APIView):
    @extend_schema(
        operation_id="modeling_sessions_calculate",
        tags=TAG,
        summary="Recompute the modeled portfolio's risk now and answer the impacts",
        description="The batch's own engines run in-process on the held positions plus the trades "
        "(cash moved by their cost), with the market data of the session's as-of date; nothing is "
        "written to the batch results.",
        request=None,
        responses={200: ImpactsSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        impacts = session_calculate(session=session_get(user=request.user, session_id=id))
        return Response(ImpactsSerializer(impacts).data)


class SessionImpactsView(APIView):
    @extend_schema(
        operation_id="modeling_sessions_impacts",
        tags=TAG,
        summary="Before / after / change of every risk number",
        description="`before` equals the batch's published figures for the portfolio and as-of date. "
        "422 until calculated; 409 when the trades changed since (calculate again).",
        responses={200: ImpactsSerializer, **errors(404, 409, 422)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        impacts = session_impacts_get(session=session_get(user=request.user, session_id=id))
        return Response(ImpactsSerializer(impacts).data)


class SessionSaveView(APIView):
    @extend_schema(
        operation_id="modeling_sessions_save",
        tags=TAG,
        summary="Save the session (snapshot), or apply its trades to the portfolio",
        description="`apply: true`: the trades become positions (opened or closed at the trade price on "
        "the session's as-of date) and cash, in one transaction; the next batch picks them up.",
        request=SaveInput,
        responses={200: SessionSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        session = session_get(user=request.user, session_id=id)
        body = SaveInput(data=request.data)
        body.is_valid(raise_exception=True)
        session_save(session=session, apply=body.validated_data["apply"])
        return Response(_session_body(request, id))
