"""Factor endpoints: /analytics/factors/{id}/exposures, /factors/definitions, /factors/correlations.

Thin views: validate the query, one selector call, respond. Conventions of the numbers: DESIGN.md
"Factor model"; storage and portfolio-level statistics: :mod:`analytics.services.factors`.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.selectors.access import owned_portfolio
from analytics.selectors.factors import (
    FACTOR_WINDOW,
    factor_correlation_get,
    factor_definitions_list,
    factor_exposures_get,
)
from sigmasight.api.params import StrictQuerySerializer, parse_query
from sigmasight.api.schema import errors

EXPOSURE_VIEWS = ("portfolio", "positions")
MIN_CORRELATION_LOOKBACK, MAX_CORRELATION_LOOKBACK = 60, 1260


# GET /analytics/factors/{id}/exposures ---------------------------------------------------------


class FactorExposuresQuery(StrictQuerySerializer):
    view = serializers.ChoiceField(choices=list(EXPOSURE_VIEWS), default="portfolio")
    as_of_date = serializers.DateField(required=False)


class FactorExposureItemSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="Factor name as in data/factor_model.csv (Market, Value, ...).")
    etf_symbol = serializers.CharField(
        allow_null=True, help_text="The factor's one ETF proxy (DGS10 for rates)."
    )
    beta = serializers.FloatField(
        allow_null=True,
        help_text=(
            "Portfolio beta = exposure_dollar / NAV: the NAV-weighted sum of the holdings' betas "
            "(options through their underlying and delta). Dimensionless."
        ),
    )
    exposure_dollar = serializers.FloatField(
        allow_null=True,
        help_text="USD: sum of (delta-adjusted exposure x beta) over the positions with a beta.",
    )
    t_stat = serializers.FloatField(
        allow_null=True,
        help_text=(
            "t-statistic of this factor in the OLS of the portfolio's hypothetical daily P&L (today's "
            "delta-adjusted exposures x the past 252 daily returns) on the factor regressors; when every "
            "covered symbol has the same dates that regression's beta equals exposure_dollar."
        ),
    )
    p_value = serializers.FloatField(
        allow_null=True, help_text="Two-sided p-value of t_stat (Student t, n - k - 1)."
    )


class CapmSerializer(serializers.Serializer):
    benchmark = serializers.CharField()
    beta = serializers.FloatField(allow_null=True, help_text="NAV-weighted univariate beta vs SPY.")
    exposure_dollar = serializers.FloatField(allow_null=True, help_text="USD.")
    t_stat = serializers.FloatField(allow_null=True)
    p_value = serializers.FloatField(allow_null=True)
    r_squared = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()


class PositionFactorSerializer(serializers.Serializer):
    position_id = serializers.UUIDField()
    symbol = serializers.CharField(help_text="The position's symbol (OCC symbol for options).")
    risk_symbol = serializers.CharField(
        help_text="The symbol whose regression applies (the underlying for options)."
    )
    delta_adjusted_exposure = serializers.FloatField(allow_null=True, help_text="USD, signed, of as_of_date.")
    betas = serializers.DictField(
        child=serializers.FloatField(allow_null=True), help_text="Factor name -> beta."
    )
    t_stats = serializers.DictField(child=serializers.FloatField(allow_null=True))
    p_values = serializers.DictField(child=serializers.FloatField(allow_null=True))
    r_squared = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField(help_text="Daily returns used (minimum 60).")
    capm_beta = serializers.FloatField(allow_null=True, help_text="Univariate beta vs SPY.")
    macro_betas = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="Interest Rate (per 1.00 decimal change of DGS10), Oil, International; fitted on style residuals.",
    )
    quality_flag = serializers.CharField(
        help_text="ok, insufficient_history, singular_design or not_computed."
    )


class FactorExposuresSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.ChoiceField(choices=list(EXPOSURE_VIEWS))
    factors = FactorExposureItemSerializer(many=True, help_text="The 7 model factors in display order.")
    r_squared = serializers.FloatField(allow_null=True, help_text="R^2 of the portfolio P&L regression.")
    observations = serializers.IntegerField(help_text="Days in the portfolio P&L regression.")
    window_days = serializers.IntegerField(help_text="Regression window in daily returns (252).")
    coverage = serializers.FloatField(
        allow_null=True, help_text="Share of sum |delta-adjusted exposure| with betas (fraction)."
    )
    capm = CapmSerializer(allow_null=True)
    macro_sensitivities = FactorExposureItemSerializer(
        many=True, help_text="Interest Rate, Oil, International."
    )
    positions = PositionFactorSerializer(many=True, required=False, help_text="Only with view=positions.")
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()


class FactorExposuresView(APIView):
    @extend_schema(
        operation_id="analytics_factors_exposures",
        summary="Portfolio factor exposures (stored by the batch)",
        description=(
            "Per factor: `exposure_dollar` = sum of (delta-adjusted exposure x beta) in USD, options through "
            "their underlying's betas; `beta` = exposure_dollar / NAV (the NAV-weighted beta). Symbol betas "
            "come from one multivariate OLS with intercept over the 252 daily returns ending at as_of_date "
            "(Market = SPY return, styles = ETF return - SPY return), minimum 60 days. `t_stat`, `p_value`, "
            "`r_squared`, `observations` are those of the same regression run on the portfolio's "
            "hypothetical daily P&L (today's exposures x past returns). `view=positions` adds each position's "
            "symbol regression."
        ),
        parameters=[
            OpenApiParameter(
                "view", str, enum=list(EXPOSURE_VIEWS), description="portfolio (default) or positions."
            ),
            OpenApiParameter("as_of_date", str, description="YYYY-MM-DD; default the latest stored result."),
        ],
        responses={200: FactorExposuresSerializer, **errors(400, 404, 422)},
    )
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(FactorExposuresQuery, request)
        portfolio = owned_portfolio(request.user, id)
        return Response(
            factor_exposures_get(portfolio=portfolio, view=query["view"], as_of_date=query.get("as_of_date"))
        )


# GET /analytics/factors/definitions ------------------------------------------------------------


class FactorDefinitionsQuery(StrictQuerySerializer):
    pass


class FactorDefinitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    etf_symbol = serializers.CharField()
    description = serializers.CharField()
    calculation_method = serializers.CharField()
    display_order = serializers.IntegerField()
    kind = serializers.CharField(help_text="market, style (the 7 model factors) or macro.")


class FactorDefinitionsView(APIView):
    @extend_schema(
        operation_id="analytics_factors_definitions",
        summary="Factor definitions",
        description=(
            "The factor model (data/factor_model.csv): the 7 market and style factors with their one ETF "
            "proxy, then the macro series used for sensitivities and stress tests (`kind` says which). "
            "Static reference data: no batch needed, no prices involved."
        ),
        responses={200: FactorDefinitionSerializer(many=True), **errors(400)},
    )
    def get(self, request: Request) -> Response:
        parse_query(FactorDefinitionsQuery, request)
        return Response(factor_definitions_list())


# GET /analytics/factors/correlations -----------------------------------------------------------


class FactorCorrelationsQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(
        min_value=MIN_CORRELATION_LOOKBACK, max_value=MAX_CORRELATION_LOOKBACK, default=FACTOR_WINDOW
    )


class FactorCorrelationWarningSerializer(serializers.Serializer):
    factor_1 = serializers.CharField()
    factor_2 = serializers.CharField()
    correlation = serializers.FloatField(allow_null=True)
    message = serializers.CharField()


class FactorCorrelationsSerializer(serializers.Serializer):
    factors = serializers.ListField(child=serializers.CharField())
    matrix = serializers.ListField(
        child=serializers.ListField(child=serializers.FloatField(allow_null=True)),
        help_text="Pearson correlation of the regressors, rows and columns in `factors` order.",
    )
    condition_number = serializers.FloatField(
        allow_null=True, help_text="2-norm condition number of the matrix."
    )
    warnings = FactorCorrelationWarningSerializer(many=True, help_text="Pairs with |rho| > 0.8.")
    observations = serializers.IntegerField(help_text="Days where every regressor has a return.")
    lookback_days = serializers.IntegerField()
    source = serializers.ChoiceField(
        choices=["batch", "on_request"], help_text="batch (252 days) or computed on request."
    )
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()


class FactorCorrelationsView(APIView):
    @extend_schema(
        operation_id="analytics_factors_correlations",
        summary="Factor correlation matrix",
        description=(
            "Correlation of the 7 factor regressors (Market = SPY return, styles = ETF - SPY spreads) over "
            "the last `lookback_days` daily returns ending at the batch's as_of_date. 252 days is the stored "
            "batch result; other windows (60 to 1260) are computed on request from stored prices."
        ),
        parameters=[
            OpenApiParameter("lookback_days", int, description="Daily returns, 60 to 1260 (default 252).")
        ],
        responses={200: FactorCorrelationsSerializer, **errors(400, 422)},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(FactorCorrelationsQuery, request)
        return Response(factor_correlation_get(lookback_days=query["lookback_days"]))
