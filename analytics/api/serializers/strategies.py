"""Serializers of GET /management/strategies: strategy tags with their positions' exposures, P&L
and Greeks (USD; Greeks as in DESIGN.md "Greeks", stocks at delta 1 per share)."""

from __future__ import annotations

from rest_framework import serializers


class StrategyGreeksSerializer(serializers.Serializer):
    delta = serializers.FloatField(
        allow_null=True, help_text="Shares of the underlying (stocks: 1 per share)."
    )
    delta_dollars = serializers.FloatField(
        allow_null=True, help_text="USD: options delta x S x multiplier x quantity; stocks market value."
    )
    gamma = serializers.FloatField(allow_null=True, help_text="Shares per USD 1 move of the underlying.")
    gamma_dollars = serializers.FloatField(
        allow_null=True, help_text="USD change of delta_dollars per 1% move."
    )
    theta = serializers.FloatField(allow_null=True, help_text="USD per calendar day.")
    vega = serializers.FloatField(allow_null=True, help_text="USD per 1 vol point.")
    rho = serializers.FloatField(allow_null=True, help_text="USD per 1 rate point.")


class StrategySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    color = serializers.CharField(allow_blank=True)
    position_count = serializers.IntegerField(
        help_text="Open positions carrying the tag (in portfolio_id when given)."
    )
    valued_position_count = serializers.IntegerField(
        help_text="Positions with a stored market value on the latest batch date (the figures cover these)."
    )
    net_exposure = serializers.FloatField(allow_null=True, help_text="USD, sum of market values.")
    gross_exposure = serializers.FloatField(allow_null=True, help_text="USD, sum of |market value|.")
    pnl = serializers.FloatField(allow_null=True, help_text="USD, sum of unrealized P&L.")
    greeks = StrategyGreeksSerializer(allow_null=True, help_text="Null when no Greeks are stored yet.")
    as_of_date = serializers.DateField(
        allow_null=True, help_text="Batch date of the figures (null: none yet)."
    )
    note = serializers.CharField(
        allow_null=True, help_text="Why figures are null or cover only some positions; null when complete."
    )
