"""Risk-desk endpoints: /analytics/risk/{id}/option-grid, /liquidity, /expiries, /reverse-stress
and /backtest.

Thin views: validate the query (400 naming the parameter), one service call on the last batch's
stored inputs (422 INSUFFICIENT_DATA before the batch has run), the response through its output
serializer.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.riskdesk import (
    BacktestQuery,
    BacktestSerializer,
    ExpiriesQuery,
    ExpiriesSerializer,
    LiquidityQuery,
    LiquiditySerializer,
    OptionGridQuery,
    OptionGridSerializer,
    ReverseStressQuery,
    ReverseStressSerializer,
)
from analytics.selectors.access import owned_portfolio
from analytics.selectors.expiries import expiries_get
from analytics.selectors.liquidity import liquidity_get
from analytics.services.riskdesk import option_grid_compute, reverse_stress_compute
from analytics.services.var_backtest import var_backtest_compute
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors

ERRORS = errors(400, 404, 422)


class OptionGridView(APIView):
    @extend_schema(
        operation_id="analytics_risk_option_grid",
        parameters=[OptionGridQuery],
        responses={200: OptionGridSerializer, **ERRORS},
        summary="Option risk grid: book P&L on a spot x volatility ladder (full revaluation)",
        description=(
            "Every underlying moves by each `spot_moves` return and every option's sigma by each "
            "relative `vol_moves` change; options are fully revalued with their exercise style "
            "(instantaneous: T, r, q unchanged), stocks move linearly. `pnl` rows are vol moves, "
            "columns spot moves (USD). `delta_sign_flips`: cells where an underlying's net delta "
            "dollars change sign from today's."
        ),
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(OptionGridQuery, request)
        payload = option_grid_compute(
            portfolio=portfolio,
            spot_moves=query["spot_moves"],
            vol_moves=query["vol_moves"],
            as_of=query.get("as_of_date"),
        )
        return Response(OptionGridSerializer(payload).data)


class LiquidityView(APIView):
    @extend_schema(
        operation_id="analytics_risk_liquidity",
        parameters=[LiquidityQuery],
        responses={200: LiquiditySerializer, **ERRORS},
        summary="Liquidity: days to exit at a participation rate, exit buckets, liquidity-adjusted VaR",
        description=(
            "ADV from the stored bars (mean of close x volume over the last `adv_days` bars); days to "
            "exit = |shares| / (participation x ADV shares); options by their own contract volume when "
            "their bars have volume, else by delta-equivalent shares against the underlying's ADV. "
            "`liquidity_adjusted_var_10d` scales each position's 1-day parametric component VaR by "
            "sqrt(max(10, days_to_exit)) instead of sqrt(10)."
        ),
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(LiquidityQuery, request)
        payload = liquidity_get(
            portfolio=portfolio,
            participation=query["participation"],
            adv_days=query["adv_days"],
            confidence=query["confidence"],
            as_of=query.get("as_of_date"),
        )
        return Response(LiquiditySerializer(payload).data)


class ExpiriesView(APIView):
    @extend_schema(
        operation_id="analytics_risk_expiries",
        parameters=[ExpiriesQuery],
        responses={200: ExpiriesSerializer, **ERRORS},
        summary="Expiry and assignment calendar: options by expiry week, theta as the book ages, "
        "early-assignment flags",
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(ExpiriesQuery, request)
        payload = expiries_get(portfolio=portfolio, days=query["days"], as_of=query.get("as_of_date"))
        return Response(ExpiriesSerializer(payload).data)


class ReverseStressView(APIView):
    @extend_schema(
        operation_id="analytics_risk_reverse_stress",
        parameters=[ReverseStressQuery],
        responses={200: ReverseStressSerializer, **ERRORS},
        summary="Reverse stress test: the most likely factor move losing a share of NAV",
        description=(
            "Minimum Mahalanobis distance under the stored EWMA stress covariance subject to the loss on "
            "the full revaluation (linear closed form, root-find along it, SLSQP). POSTing `factor_moves` "
            "as `shocks` to /scenarios/custom reproduces `achieved_loss`."
        ),
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(ReverseStressQuery, request)
        payload = reverse_stress_compute(
            portfolio=portfolio,
            loss_percent=query["loss_percent"],
            propagation=query["propagation"],
            as_of=query.get("as_of_date"),
        )
        return Response(ReverseStressSerializer(payload).data)


class BacktestView(APIView):
    @extend_schema(
        operation_id="analytics_risk_backtest",
        parameters=[BacktestQuery],
        responses={200: BacktestSerializer, **ERRORS},
        summary="VaR backtest: stored forecasts vs realized P&L, Kupiec, Christoffersen, Basel traffic light",
        description=(
            "The one-day VaR the batch stored at each close (days before the portfolio's first run are "
            "backfilled with the batch's functions on that day's positions and data) against the next "
            "day's P&L from the NAV snapshots, flows excluded (NAV_t - NAV_t-1 - flow_t). 422 when a tested "
            "day has no stored forecast (`details.how_to_fix` names the backfill command). The traffic "
            "light is read on the last 250 tested days."
        ),
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(BacktestQuery, request)
        payload = var_backtest_compute(
            portfolio=portfolio,
            method=query["method"],
            confidence=query["confidence"],
            days=query["days"],
            as_of=query.get("as_of_date"),
        )
        return Response(BacktestSerializer(payload).data)
