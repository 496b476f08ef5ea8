"""GET /analytics/correlation/{id}/matrix: the portfolio's correlation analysis.

Thin view: validate the query, one selector call, respond. Conventions: DESIGN.md "Correlations";
storage: :mod:`analytics.services.correlations`.
"""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.correlations import CorrelationMatrixQuery, CorrelationMatrixSerializer
from analytics.selectors.access import owned_portfolio
from analytics.selectors.correlations import correlation_matrix_get
from sigmasight.api.params import parse_query
from sigmasight.api.response_cache import cached_get
from sigmasight.api.schema import errors


class CorrelationMatrixView(APIView):
    @extend_schema(
        operation_id="analytics_correlation_matrix",
        summary="Portfolio correlation matrix, concentration and clusters",
        description=(
            "One row per underlying (a stock and its options add up by delta-adjusted exposure). Pearson "
            "correlation of daily log returns over `lookback_days` (30 to 504) with a pairwise minimum of "
            "`min_overlap` common days (10 to lookback_days). Rows under $10,000 |exposure| or 1% of gross "
            "are excluded with their reason. The defaults (90, 30) are the stored batch result; other "
            "windows are computed on request from stored prices and the same date's exposures."
        ),
        parameters=[
            OpenApiParameter("lookback_days", int, description="Daily returns, 30 to 504 (default 90)."),
            OpenApiParameter(
                "min_overlap", int, description="Common days per pair, 10 to lookback_days (default 30)."
            ),
            OpenApiParameter(
                "as_of_date", OpenApiTypes.DATE, description="YYYY-MM-DD; default the latest stored result."
            ),
        ],
        responses={200: CorrelationMatrixSerializer, **errors(400, 404, 422)},
    )
    @cached_get(portfolio="id")
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(CorrelationMatrixQuery, request)
        portfolio = owned_portfolio(request.user, id)
        matrix = correlation_matrix_get(
            portfolio=portfolio,
            lookback_days=query["lookback_days"],
            min_overlap=query["min_overlap"],
            as_of_date=query.get("as_of_date"),
        )
        return Response(CorrelationMatrixSerializer(matrix).data)
