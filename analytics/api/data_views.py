"""Portfolio-scoped /data endpoints (API.md "/data"): complete, unpaginated, with ``data_source``.

Thin views: validate the query (unknown or bad parameters -> 400 naming them), check ownership
(another user's portfolio -> 404), one selector call. Numbers: DESIGN.md "Conventions of the
numbers"; rounding: :mod:`analytics.selectors.valuation_rows`; serializers:
:mod:`analytics.api.serializers.data`.
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.common import AsOfQuery, errors_responses
from analytics.api.serializers.data import (
    MAX_POSITION_IDS,
    CompleteQuery,
    DataQualitySerializer,
    DetailsQuery,
    HistoricalPricesSerializer,
    HistoricalQuery,
    NoQuery,
    PortfolioCompleteSerializer,
    PortfolioItemSerializer,
    PositionDetailsSerializer,
    TopPositionsSerializer,
    TopQuery,
)
from analytics.selectors.access import owned_portfolio
from analytics.selectors.portfolio_data import portfolio_complete, portfolio_list_data, portfolios_data_source
from analytics.selectors.position_data import position_details, top_positions
from analytics.selectors.price_history import historical_prices, portfolio_data_quality
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get

_AS_OF = OpenApiParameter(
    "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest batch run."
)

_PORTFOLIO_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Portfolio id.")


class PortfolioListDataView(APIView):
    @extend_schema(
        operation_id="data_portfolios",
        summary="Your portfolios with their NAV",
        description=(
            "A JSON **list** (the API.md shape). Each item carries its own `data_source`; the response "
            "also has an `X-Data-Source` header with the providers of all of them (comma-joined). "
            "`total_value` is the NAV (net exposure + cash) of the latest batch run and is null with "
            "`valuation_status: not_calculated` when the batch has not run for that portfolio (never a "
            "made-up value); `as_of_date`/`calculated_at` name that run. `cash_balance` is the stored "
            "balance now. No query parameters."
        ),
        responses={200: PortfolioItemSerializer(many=True), **errors_responses(400)},
    )
    @cached_get(user=True)
    def get(self, request: Request) -> Response:
        parse_query(NoQuery, request)
        items = portfolio_list_data(user=request.user)
        return Response(
            PortfolioItemSerializer(items, many=True).data,
            headers={"X-Data-Source": portfolios_data_source(items)},
        )


class PortfolioCompleteView(APIView):
    @extend_schema(
        operation_id="data_portfolio_complete",
        summary="A portfolio with every position, valued by the batch",
        description=(
            "From the stored valuation and aggregation of `as_of_date` (default: the latest run); 422 "
            "before the batch valued it. `include_positions=false` omits `positions`; `include_cash=false` "
            "omits `portfolio.cash_balance` (total_value stays the NAV, cash included). Positions without a "
            "price have null price, market value and P&L. `has_complete_history`: the position's price "
            "symbol (the underlying for options) has a bar on each of the 252 sessions ending at as_of_date."
        ),
        parameters=[
            _PORTFOLIO_ID,
            OpenApiParameter("include_positions", bool, description="Default true."),
            OpenApiParameter("include_cash", bool, description="Default true."),
            _AS_OF,
        ],
        responses={200: PortfolioCompleteSerializer, **errors_responses(400, 404, 422)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(CompleteQuery, request)
        portfolio = owned_portfolio(request.user, id)
        complete = portfolio_complete(
            portfolio=portfolio,
            as_of=query.get("as_of_date"),
            include_positions=query["include_positions"],
            include_cash=query["include_cash"],
        )
        return Response(PortfolioCompleteSerializer(complete).data)


class PortfolioDataQualityView(APIView):
    @extend_schema(
        operation_id="data_portfolio_data_quality",
        summary="Price-history coverage of a portfolio's positions",
        description=(
            "Real counts from the stored bars, per position held on `as_of_date` (default: the last stored "
            "bar of the portfolio's symbols), by its price symbol (the underlying for options). "
            "`days_available` = sessions of the 252-session window ending at as_of_date with a bar; "
            "complete = all 252, partial = 60 to 251 (`days_missing` = 252 - days_available), insufficient "
            "= under 60. Feasibility: factor_regression >= 60 bars in 252 sessions (and every factor ETF), "
            "correlation_matrix >= 30 in the last 90 sessions for at least two symbols, volatility_analysis "
            ">= 20 in the last 60 sessions. Needs no batch run."
        ),
        parameters=[
            _PORTFOLIO_ID,
            OpenApiParameter("as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD."),
        ],
        responses={200: DataQualitySerializer, **errors_responses(400, 404)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002
        query = parse_query(AsOfQuery, request)
        portfolio = owned_portfolio(request.user, id)
        quality = portfolio_data_quality(portfolio=portfolio, as_of=query.get("as_of_date"))
        return Response(DataQualitySerializer(quality).data)


class PositionDetailsView(APIView):
    @extend_schema(
        operation_id="data_positions_details",
        summary="Positions with prices and P&L of the latest valuation",
        description=(
            "`portfolio_id` is required (404 unless it is yours). `position_ids` (comma-separated UUIDs) "
            "restricts the list: a malformed id is a 400, an id that is not a position of this portfolio a "
            "404 listing them in `details.position_ids`. Open lots carry the latest run's price and P&L "
            "(`valued: false` and null market figures for lots the run did not value). `include_closed=true` "
            "adds lots with an exit: `realized_pnl` = (exit - entry) x quantity x multiplier, market figures "
            "null. Summary totals of cost, market value and unrealized P&L cover the open lots. 422 before "
            "the batch ran."
        ),
        parameters=[
            OpenApiParameter("portfolio_id", OpenApiTypes.UUID, required=True),
            OpenApiParameter(
                "position_ids", str, description=f"Comma-separated UUIDs (max {MAX_POSITION_IDS})."
            ),
            OpenApiParameter("include_closed", bool, description="Default false."),
        ],
        responses={200: PositionDetailsSerializer, **errors_responses(400, 404, 422)},
    )
    @cached_get(portfolio="portfolio_id")
    def get(self, request: Request) -> Response:
        query = parse_query(DetailsQuery, request)
        portfolio = owned_portfolio(request.user, query["portfolio_id"])
        details = position_details(
            portfolio=portfolio,
            position_ids=query.get("position_ids"),
            include_closed=query["include_closed"],
        )
        return Response(PositionDetailsSerializer(details).data)


class TopPositionsView(APIView):
    @extend_schema(
        operation_id="data_positions_top",
        summary="Largest positions by absolute market value or weight",
        description=(
            "From the latest valuation, sorted by |market_value| (or |weight| = |market_value| / NAV, the "
            "same order; weights are null when NAV <= 0), largest first; unpriced positions last. "
            "`limit` 1 to 50 (default 20). 422 before the batch ran."
        ),
        parameters=[
            OpenApiParameter("portfolio_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            OpenApiParameter("limit", int, description="1 to 50, default 20."),
            OpenApiParameter(
                "sort_by", str, enum=["market_value", "weight"], description="Default market_value."
            ),
        ],
        responses={200: TopPositionsSerializer, **errors_responses(400, 404, 422)},
    )
    @cached_get(portfolio="portfolio_id")
    def get(self, request: Request, portfolio_id: uuid.UUID) -> Response:
        query = parse_query(TopQuery, request)
        portfolio = owned_portfolio(request.user, portfolio_id)
        top = top_positions(portfolio=portfolio, limit=query["limit"], sort_by=query["sort_by"])
        return Response(TopPositionsSerializer(top).data)


class HistoricalPricesView(APIView):
    @extend_schema(
        operation_id="data_prices_historical",
        summary="Daily bars of a portfolio's symbols as parallel arrays",
        description=(
            "Symbols: the stocks, ETFs and funds of the open positions and the underlyings of the open "
            "options, plus the 7 factor ETFs when `include_factor_etfs` (default true). Dates: the last "
            "`lookback_days` trading dates (1 to 1260, default 150) with a stored bar for any of them; every "
            "symbol's arrays are aligned on those dates, `null` where it has no bar (never invented). "
            "`date_format=unix` gives seconds since the epoch at 00:00 UTC. Prices USD per share. "
            "Needs no batch run."
        ),
        parameters=[
            OpenApiParameter("portfolio_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            OpenApiParameter("lookback_days", int, description="Trading days, 1 to 1260 (default 150)."),
            OpenApiParameter("include_factor_etfs", bool, description="Default true."),
            OpenApiParameter("date_format", str, enum=["iso", "unix"], description="Default iso."),
        ],
        responses={200: HistoricalPricesSerializer, **errors_responses(400, 404)},
    )
    @cached_get(portfolio="portfolio_id")
    def get(self, request: Request, portfolio_id: uuid.UUID) -> Response:
        query: dict[str, Any] = parse_query(HistoricalQuery, request)
        portfolio = owned_portfolio(request.user, portfolio_id)
        return Response(HistoricalPricesSerializer(historical_prices(portfolio=portfolio, **query)).data)
