"""Serializers of GET /analytics/correlation/{id}/matrix: the query (window and pairwise overlap)
and the response shape. Conventions: DESIGN.md "Correlations".
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.selectors.correlations import CORRELATION_MIN_OVERLAP, CORRELATION_WINDOW
from analytics.selectors.staleness import STALE_HELP
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import optional
from sigmasight.api.params import StrictQuerySerializer

MIN_LOOKBACK, MAX_LOOKBACK = 30, 504
MIN_OVERLAP = 10


class CorrelationMatrixQuery(StrictQuerySerializer):
    lookback_days = serializers.IntegerField(
        min_value=MIN_LOOKBACK, max_value=MAX_LOOKBACK, default=CORRELATION_WINDOW
    )
    min_overlap = serializers.IntegerField(
        min_value=MIN_OVERLAP, max_value=MAX_LOOKBACK, default=CORRELATION_MIN_OVERLAP
    )
    as_of_date = PolicyDateField(required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if attrs["min_overlap"] > attrs["lookback_days"]:
            raise serializers.ValidationError(
                {"min_overlap": [f"Must be at most lookback_days ({attrs['lookback_days']})."]}
            )
        return attrs


class CorrelationClusterSerializer(serializers.Serializer):
    name = serializers.CharField(
        help_text="'<label> cluster': the most common regular tag, else sector, else symbols."
    )
    symbols = serializers.ListField(child=serializers.CharField())
    exposure = serializers.FloatField(allow_null=True, help_text="USD, signed sum of the members' exposure.")
    average_correlation = serializers.FloatField(allow_null=True, help_text="Plain mean of the pairwise rho.")
    portfolio_percentage = serializers.FloatField(
        allow_null=True,
        help_text="gross_exposure / percentage_base x 100 (percent).",
    )
    gross_exposure = optional(
        serializers.FloatField,
        allow_null=True,
        help_text="USD, sum of the members' |delta-adjusted exposure| (results stored before it have none).",
    )
    exposure = serializers.FloatField(
        allow_null=True, help_text="USD, signed (net) sum of the members' exposure; not a percentage base."
    )


class CorrelationExcludedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    reason = serializers.CharField(
        help_text=(
            "missing_exposure, below_min_exposure (< $10,000), below_min_gross_percent (< 1% of gross), "
            "no_price_history, insufficient_history (< min_overlap returns)."
        )
    )
    symbol = serializers.CharField()
    exposure = serializers.FloatField(allow_null=True, help_text="USD, signed delta-adjusted exposure.")


class CorrelationMatrixSerializer(serializers.Serializer):
    symbols = serializers.ListField(
        child=serializers.CharField(), help_text="One per underlying, largest |exposure| first."
    )
    matrix = serializers.DictField(
        child=serializers.DictField(child=serializers.FloatField(allow_null=True)),
        help_text="{A: {B: rho}}: Pearson of daily log returns, null below min_overlap common days.",
    )
    average_correlation = serializers.FloatField(
        allow_null=True, help_text="sum_{i!=j} w_i w_j rho_ij / sum_{i!=j} w_i w_j, w_i = |e_i| / sum |e|."
    )
    effective_number_of_bets = serializers.FloatField(allow_null=True, help_text="1 / sum_ij w_i w_j rho_ij.")
    clusters = CorrelationClusterSerializer(many=True, help_text="Connected components of |rho| >= 0.7.")
    percentage_base = serializers.CharField(
        help_text="The base of every cluster's portfolio_percentage (its gross_exposure over this base x 100)."
    )
    excluded = CorrelationExcludedSerializer(many=True)
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    source = serializers.ChoiceField(
        choices=["batch", "on_request"], help_text="batch (90/30) or computed on request."
    )
    portfolio_id = serializers.UUIDField()
    lookback_days = serializers.IntegerField()
    min_overlap = serializers.IntegerField()
    as_of_date = serializers.DateField()
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()
