"""GET /analytics/portfolio/{id}/overview: NAV, P&L and exposures stored by batch engine 3."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.common import AsOfQuery, errors_responses
from analytics.api.serializers.overview import PortfolioOverviewSerializer
from analytics.selectors.access import owned_portfolio
from analytics.selectors.portfolio_data import portfolio_overview
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get


class PortfolioOverviewView(APIView):
    @extend_schema(
        operation_id="analytics_portfolio_overview",
        summary="Portfolio NAV, P&L and exposures (stored by the batch)",
        description=(
            "From the portfolio aggregate of `as_of_date` (default: the latest run); 422 INSUFFICIENT_DATA "
            "before the batch ran. Exposures are sums of the positions' market values (long, short <= 0, "
            "gross, net) and delta-adjusted exposures; percentages of NAV. Positions without a price are "
            "left out and counted in `missing_price_count`."
        ),
        parameters=[
            OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            OpenApiParameter(
                "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest run."
            ),
        ],
        responses={200: PortfolioOverviewSerializer, **errors_responses(400, 404, 422)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(AsOfQuery, request)
        portfolio = owned_portfolio(request.user, id)
        overview = portfolio_overview(portfolio=portfolio, as_of=query.get("as_of_date"))
        return Response(PortfolioOverviewSerializer(overview).data)
