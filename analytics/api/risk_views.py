"""/analytics/risk/{id}/scenarios, /scenarios/custom, /var, /contributions and /overview.

Thin views: validate the query (unknown or bad parameters are a 400 naming them), one selector
(or, for a custom scenario, one service) call, the API.md shape. Results come from engine 7 of
the batch; before it has run for the portfolio they answer 422 INSUFFICIENT_DATA.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.risk import (
    ContributionsSerializer,
    CustomScenarioInput,
    OverviewSerializer,
    ScenariosQuery,
    ScenariosSerializer,
    VaRQuery,
    VaRSerializer,
    ViewQuery,
)
from analytics.selectors import risk as selectors
from analytics.selectors.access import owned_portfolio
from analytics.services.stress import stress_scenarios_on_request
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors

ERRORS = errors(400, 404, 422)


class RiskScenariosView(APIView):
    @extend_schema(
        operation_id="analytics_risk_scenarios",
        parameters=[ScenariosQuery],
        responses={200: ScenariosSerializer, **ERRORS},
        summary="Stress-test results of the scenario library",
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(ScenariosQuery, request)
        if query["propagation"] == "isolated":
            scenarios = stress_scenarios_on_request(
                portfolio=portfolio,
                user=request.user,
                scenario_ids=query.get("scenarios"),
                view=query["view"],
                as_of=query.get("as_of_date"),
                propagation="isolated",
            )
        else:
            scenarios = selectors.risk_scenarios_get(
                portfolio=portfolio,
                user=request.user,
                scenario_ids=query.get("scenarios"),
                view=query["view"],
                as_of=query.get("as_of_date"),
            )
        return Response(ScenariosSerializer(scenarios).data)


class RiskCustomScenarioView(APIView):
    @extend_schema(
        operation_id="analytics_risk_scenarios_custom",
        request=CustomScenarioInput,
        responses={200: ScenariosSerializer, **ERRORS},
        summary="Compute one custom scenario now (on the last batch's inputs)",
        examples=[
            OpenApiExample(
                "Market -20%, rates +50bp",
                value={"name": "Bear steepener", "shocks": {"Market": -0.2, "Interest Rate": 0.005}},
                request_only=True,
            )
        ],
    )
    def post(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        data = CustomScenarioInput(data=request.data)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        scenarios = stress_scenarios_on_request(
            portfolio=portfolio,
            user=request.user,
            view=body["view"],
            as_of=body.get("as_of_date"),
            propagation=body["propagation"],
            custom=body,
        )
        return Response(ScenariosSerializer(scenarios).data)


class RiskVaRView(APIView):
    @extend_schema(
        operation_id="analytics_risk_var",
        parameters=[VaRQuery],
        responses={200: VaRSerializer, **ERRORS},
        summary="Value at Risk and expected shortfall with component VaR by position",
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(VaRQuery, request)
        var = selectors.risk_var_get(
            portfolio=portfolio,
            method=query["method"],
            confidence=query["confidence"],
            horizon_days=query["horizon_days"],
            view=query["view"],
            as_of=query.get("as_of_date"),
        )
        return Response(VaRSerializer(var).data)


class RiskContributionsView(APIView):
    @extend_schema(
        operation_id="analytics_risk_contributions",
        parameters=[ViewQuery],
        responses={200: ContributionsSerializer, **ERRORS},
        summary="Risk contributions (MCTR, CTR) by position and by factor",
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(ViewQuery, request)
        contributions = selectors.risk_contributions_get(
            portfolio=portfolio, view=query["view"], as_of=query.get("as_of_date")
        )
        return Response(ContributionsSerializer(contributions).data)


class RiskOverviewView(APIView):
    @extend_schema(
        operation_id="analytics_risk_overview",
        parameters=[ViewQuery],
        responses={200: OverviewSerializer, **ERRORS},
        summary="Risk overview: beta vs SPY, volatility, VaR, ES, average correlation, max drawdown",
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:
        portfolio = owned_portfolio(request.user, id)
        query = parse_query(ViewQuery, request)
        overview = selectors.risk_overview_get(
            portfolio=portfolio, view=query["view"], as_of=query.get("as_of_date")
        )
        return Response(OverviewSerializer(overview).data)
