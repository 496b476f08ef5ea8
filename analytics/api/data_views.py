"""Portfolio-scoped /data endpoints (API.md "/data"): complete, unpaginated, with ``data_source``.

Thin views: validate the query (unknown or bad parameters -> 400 naming them), check ownership
(another user's portfolio -> 404), one selector call. Numbers: DESIGN.md "Conventions of the
numbers"; rounding: :mod:`analytics.selectors.portfolio_data`.
"""

from __future__ import annotations

import uuid
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.common import AsOfQuery
from analytics.selectors.access import owned_portfolio
from analytics.selectors.portfolio_data import (
    portfolio_complete,
    portfolio_list_data,
    portfolios_data_source,
    position_details,
    top_positions,
)
from analytics.selectors.price_history import historical_prices, portfolio_data_quality
from sigmasight.api.params import StrictQuerySerializer, parse_query
from sigmasight.api.schema import ErrorEnvelopeSerializer

_ERRORS = {
    400: "VALIDATION_ERROR: `details` maps each invalid or unknown query parameter to its messages.",
    401: "NOT_AUTHENTICATED or AUTHENTICATION_FAILED: no valid Bearer access token.",
    404: "NOT_FOUND: no such portfolio (or position) among yours (another user's answers the same).",
    422: "INSUFFICIENT_DATA: the batch has not valued this portfolio yet; `details` says what is missing "
    "and how to produce it.",
}
MAX_POSITION_IDS = 500


def errors_responses(*codes: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=_ERRORS[code]) for code in (401, *codes)
    }


_AS_OF = OpenApiParameter(
    "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest batch run."
)
_PORTFOLIO_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Portfolio id.")


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
    positions = CompletePositionSerializer(
        many=True, required=False, help_text="Omitted when include_positions=false."
    )
    data_quality = CompleteDataQualitySerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
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
    positions = DetailPositionSerializer(many=True)
    summary = DetailsSummarySerializer()
    portfolio_id = serializers.UUIDField()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
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
    positions = TopPositionSerializer(many=True)
    summary = TopSummarySerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
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
    as_of_date = serializers.DateField(required=False)


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


# Views --------------------------------------------------------------------------------------------


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
    def get(self, request: Request) -> Response:
        parse_query(NoQuery, request)
        items = portfolio_list_data(user=request.user)
        return Response(items, headers={"X-Data-Source": portfolios_data_source(items)})


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
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(CompleteQuery, request)
        portfolio = owned_portfolio(request.user, id)
        return Response(
            portfolio_complete(
                portfolio=portfolio,
                as_of=query.get("as_of_date"),
                include_positions=query["include_positions"],
                include_cash=query["include_cash"],
            )
        )


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
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002
        query = parse_query(AsOfQuery, request)
        portfolio = owned_portfolio(request.user, id)
        return Response(portfolio_data_quality(portfolio=portfolio, as_of=query.get("as_of_date")))


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
    def get(self, request: Request) -> Response:
        query = parse_query(DetailsQuery, request)
        portfolio = owned_portfolio(request.user, query["portfolio_id"])
        return Response(
            position_details(
                portfolio=portfolio,
                position_ids=query.get("position_ids"),
                include_closed=query["include_closed"],
            )
        )


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
    def get(self, request: Request, portfolio_id: uuid.UUID) -> Response:
        query = parse_query(TopQuery, request)
        portfolio = owned_portfolio(request.user, portfolio_id)
        return Response(top_positions(portfolio=portfolio, limit=query["limit"], sort_by=query["sort_by"]))


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
    def get(self, request: Request, portfolio_id: uuid.UUID) -> Response:
        query: dict[str, Any] = parse_query(HistoricalQuery, request)
        portfolio = owned_portfolio(request.user, portfolio_id)
        return Response(historical_prices(portfolio=portfolio, **query))
