"""Greeks endpoints: GET /analytics/risk/{id}/greeks and POST /analytics/risk/greeks/calculate.

Thin views: validate the query or body, one selector or service call, respond. Conventions of the
numbers: DESIGN.md "Greeks"; portfolio delta convention: :mod:`analytics.selectors.greeks`.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.greeks import (
    GreeksCalculateInput,
    GreeksCalculateSerializer,
    PortfolioGreeksQuery,
    PortfolioGreeksSerializer,
)
from analytics.selectors.access import owned_portfolio
from analytics.selectors.greeks import GREEKS_VIEWS, portfolio_greeks_get
from analytics.services.greeks import MAX_CALCULATE_POSITIONS, greeks_calculate
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors

# GET /analytics/risk/{id}/greeks ---------------------------------------------------------------


class PortfolioGreeksView(APIView):
    @extend_schema(
        operation_id="analytics_risk_greeks",
        summary="Portfolio Greeks (stored by the batch)",
        description=(
            "Sums of position Greeks from the last Greeks batch run. `delta` and `delta_dollars` include "
            "stocks (delta 1 per share: delta = signed shares, delta_dollars = market value), so "
            "delta_dollars is the book's delta-adjusted exposure; options contribute their "
            "Black-Scholes-Merton position Greeks (theta per calendar day, vega per 1 vol point, rho per "
            "1 rate point, all in USD). `view=longs|shorts` keeps positions whose delta_dollars is "
            "positive / negative. `after_expiry` (with include_after_expiry=true) is the book after the "
            "nearest expiration passes: options expiring on or before `expiry_date` removed, the rest "
            "aged to that date (same underlying price, sigma, rate and dividend yield). Positions with unknown Greeks are left out of the sums and listed in data_quality."
        ),
        parameters=[
            OpenApiParameter(
                "include_after_expiry", bool, description="Add the after-expiry book (default false)."
            ),
            OpenApiParameter(
                "view", str, enum=list(GREEKS_VIEWS), description="portfolio (default), longs, shorts."
            ),
            OpenApiParameter(
                "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest Greeks run."
            ),
        ],
        responses={200: PortfolioGreeksSerializer, **errors(400, 404, 422)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(PortfolioGreeksQuery, request)
        portfolio = owned_portfolio(request.user, id)
        greeks = portfolio_greeks_get(
            portfolio=portfolio,
            as_of_date=query.get("as_of_date"),
            view=query["view"],
            include_after_expiry=query["include_after_expiry"],
        )
        return Response(PortfolioGreeksSerializer(greeks).data)


# POST /analytics/risk/greeks/calculate ----------------------------------------------------------


class GreeksCalculateView(APIView):
    @extend_schema(
        operation_id="analytics_risk_greeks_calculate",
        summary="Greeks of explicit option positions, computed now",
        description=(
            "Black-Scholes-Merton with continuous dividend yield, no batch needed. An `occ_symbol` fills "
            "underlying, strike, expiration and type. Inputs not in the request come from stored data as "
            "of `as_of_date` (default: the latest stored bar date): the underlying's close, DGS3MO, the "
            "security's dividend yield (else 0) and the 60-day realized volatility floored at 5%. An input "
            "missing from both answers 422 naming the position index and field. Expired options "
            f"(expiration on or before the as-of date) get zero Greeks. At most {MAX_CALCULATE_POSITIONS} "
            "positions."
        ),
        request=GreeksCalculateInput,
        responses={200: GreeksCalculateSerializer, **errors(400, 422)},
        examples=[
            OpenApiExample(
                "Hull's example (20 weeks)",
                request_only=True,
                value={
                    "as_of_date": "2025-01-06",
                    "positions": [
                        {
                            "underlying_price": 49,
                            "strike": 50,
                            "expiration_date": "2025-05-26",
                            "option_type": "call",
                            "quantity": 10,
                            "volatility": 0.2,
                            "risk_free_rate": 0.05,
                        },
                        {"occ_symbol": "AAPL  250620C00200000", "quantity": -2},
                    ],
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body = GreeksCalculateInput(data=request.data)
        body.is_valid(raise_exception=True)
        result = greeks_calculate(
            positions=body.validated_data["positions"], as_of=body.validated_data.get("as_of_date")
        )
        return Response(GreeksCalculateSerializer(result).data)
