"""The ``conventions`` object every /analytics response carries (built by
``analytics.selectors.conventions``)."""

from __future__ import annotations

from rest_framework import serializers

__all__ = ["ConventionsSerializer"]


class ConventionsSerializer(serializers.Serializer):
    """How the response's numbers were made: free text a user or an agent can check them with."""

    units = serializers.CharField(help_text="Units and bases of the numbers (USD, fractions, percent of ...)")
    window = serializers.CharField(allow_null=True, help_text="Data window behind them; null: none")
    method = serializers.CharField(help_text="How they are computed")
    annualization = serializers.CharField(allow_null=True, help_text="null: not annualized")
    reference = serializers.CharField(help_text="The DESIGN.md section and engine module with the formulas")
