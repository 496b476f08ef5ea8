"""Factor endpoints: /analytics/factors/{id}/exposures, /factors/definitions, /factors/correlations.

Thin views: validate the query, one selector call, respond. Conventions of the numbers: DESIGN.md
"Factor model"; storage and portfolio-level statistics: :mod:`analytics.services.factors`.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.factors import (
    EXPOSURE_VIEWS,
    FactorCorrelationsQuery,
    FactorCorrelationsSerializer,
    FactorDefinitionSerializer,
    FactorDefinitionsQuery,
    FactorExposuresQuery,
    FactorExposuresSerializer,
)
from analytics.selectors.access import owned_portfolio
from analytics.selectors.factors import factor_correlation_get, factor_definitions_list, factor_exposures_get
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors

# GET /analytics/factors/{id}/exposures ---------------------------------------------------------


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
            OpenApiParameter(
                "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest stored result."
            ),
        ],
        responses={200: FactorExposuresSerializer, **errors(400, 404, 422)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(FactorExposuresQuery, request)
        portfolio = owned_portfolio(request.user, id)
        exposures = factor_exposures_get(
            portfolio=portfolio, view=query["view"], as_of_date=query.get("as_of_date")
        )
        return Response(FactorExposuresSerializer(exposures).data)


# GET /analytics/factors/definitions ------------------------------------------------------------


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
    @cached_get()
    def get(self, request: Request) -> Response:
        parse_query(FactorDefinitionsQuery, request)
        return Response(FactorDefinitionSerializer(factor_definitions_list(), many=True).data)


# GET /analytics/factors/correlations -----------------------------------------------------------


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
    @cached_get()
    def get(self, request: Request) -> Response:
        query = parse_query(FactorCorrelationsQuery, request)
        correlations = factor_correlation_get(lookback_days=query["lookback_days"])
        return Response(FactorCorrelationsSerializer(correlations).data)
