"""GET /analytics/portfolio/{id}/overview: NAV, P&L and exposures stored by batch engine 3."""

from __future__ import annotations

import uuid

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.common import AsOfQuery
from analytics.api.data_views import errors_responses
from analytics.selectors.access import owned_portfolio
from analytics.selectors.portfolio_data import portfolio_overview
from sigmasight.api.params import parse_query


class ExposureValueSerializer(serializers.Serializer):
    value = serializers.FloatField(help_text="USD (short values are negative).")
    percentage = serializers.FloatField(allow_null=True, help_text="value / NAV x 100; null when NAV <= 0.")


class ExposureSetSerializer(serializers.Serializer):
    long = ExposureValueSerializer()
    short = ExposureValueSerializer()
    gross = ExposureValueSerializer()
    net = ExposureValueSerializer()


class PortfolioOverviewSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    total_value = serializers.FloatField(help_text="NAV = net exposure + cash (USD).")
    cash_balance = serializers.FloatField(help_text="Cash used by the run (USD).")
    total_pnl = serializers.FloatField(
        allow_null=True, help_text="Unrealized P&L of the priced positions (null when none is priced)."
    )
    total_pnl_percent = serializers.FloatField(
        allow_null=True, help_text="total_pnl / sum |cost basis| x 100."
    )
    daily_pnl = serializers.FloatField(allow_null=True, help_text="Against each position's previous close.")
    cost_basis = serializers.FloatField(help_text="Sum of signed cost bases (USD).")
    exposures = ExposureSetSerializer(
        help_text="By market value: long = sum of positive MVs, short of negative."
    )
    delta_adjusted = ExposureSetSerializer(help_text="Stocks MV; options delta x S x multiplier x quantity.")
    position_count = serializers.IntegerField()
    priced_position_count = serializers.IntegerField()
    missing_price_count = serializers.IntegerField(help_text="Positions left out of the sums (no price).")
    long_count = serializers.IntegerField(allow_null=True, help_text="Positive delta-adjusted exposure.")
    short_count = serializers.IntegerField(allow_null=True, help_text="Negative delta-adjusted exposure.")
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    data_source = serializers.CharField()


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
    def get(self, request: Request, id: uuid.UUID) -> Response:  # noqa: A002 - the URL's name
        query = parse_query(AsOfQuery, request)
        portfolio = owned_portfolio(request.user, id)
        return Response(portfolio_overview(portfolio=portfolio, as_of=query.get("as_of_date")))
