"""Serializers of /analytics/risk/{id}/scenarios, /scenarios/custom, /var, /contributions and
/overview (engine 7): the query and body inputs, and the response shapes (schema) of the payloads
of :mod:`analytics.selectors.risk`.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rest_framework import serializers

from analytics.api.common import AsOfQuery
from analytics.api.serializers.conventions import ConventionsSerializer
from analytics.models import RiskView, shock_errors
from analytics.selectors.risk_keys import CONFIDENCE_KEYS, HORIZONS, VAR_METHODS
from analytics.selectors.staleness import STALE_HELP
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import optional, rows

SCENARIO_ID = re.compile(r"^[-a-zA-Z0-9_]+$")


CONFIDENCES = tuple(CONFIDENCE_KEYS)


# --- input serializers ------------------------------------------------------------------------


class ViewQuery(AsOfQuery):
    view = serializers.ChoiceField(choices=RiskView.values, default=RiskView.PORTFOLIO)


PROPAGATIONS = ("conditional", "isolated")


class ScenariosQuery(ViewQuery):
    scenarios = serializers.CharField(
        required=False, help_text="Comma-separated scenario ids (default: every scenario of the library)."
    )
    propagation = serializers.ChoiceField(
        choices=PROPAGATIONS,
        default="conditional",
        help_text="conditional (default, stored by the batch): unshocked factors move by their "
        "conditional expectation; isolated (computed now): only the shocked factors move.",
    )

    def validate_scenarios(self, value: str) -> list[str]:
        ids = [part.strip() for part in value.split(",")]
        if not ids or any(not part for part in ids):
            raise serializers.ValidationError("Expected comma-separated scenario ids.")
        bad = [part for part in ids if not SCENARIO_ID.match(part)]
        if bad:
            raise serializers.ValidationError(f"Invalid scenario id(s): {', '.join(bad)}.")
        return list(dict.fromkeys(ids))


class VaRQuery(ViewQuery):
    method = serializers.ChoiceField(choices=VAR_METHODS, default="historical")
    confidence = serializers.FloatField(default=0.95, help_text="0.95, 0.975 or 0.99")
    horizon_days = serializers.IntegerField(default=1, help_text="1 or 10")

    def validate_confidence(self, value: float) -> float:
        match = [c for c in CONFIDENCES if math.isclose(value, c, abs_tol=1e-9)]
        if not match:
            raise serializers.ValidationError(f"Must be one of {', '.join(str(c) for c in CONFIDENCES)}.")
        return match[0]

    def validate_horizon_days(self, value: int) -> int:
        if value not in HORIZONS:
            raise serializers.ValidationError(f"Must be one of {', '.join(str(h) for h in HORIZONS)}.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        if (
            attrs.get("method") == "monte_carlo"
            and attrs.get("view", RiskView.PORTFOLIO) != RiskView.PORTFOLIO
        ):
            raise serializers.ValidationError(
                {"view": ["Monte Carlo VaR is computed for the portfolio view only."]}
            )
        return attrs


class CustomScenarioInput(serializers.Serializer):
    """A scenario computed now on the inputs of the last batch (not saved)."""

    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")
    shocks = serializers.JSONField(
        help_text='Moves of stress variables, e.g. {"Market": -0.2, "Interest Rate": 0.005}: Market, '
        "Value, Growth, Momentum, Quality, Size, Low Volatility (fractions; styles vs SPY), Interest Rate "
        "(decimal change of the 10-year yield), Oil, International (fractions), Volatility (relative "
        "change of the VIX)."
    )
    view = serializers.ChoiceField(choices=RiskView.values, default=RiskView.PORTFOLIO)
    as_of_date = PolicyDateField(required=False)
    propagation = serializers.ChoiceField(choices=PROPAGATIONS, default="conditional")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        unknown = (
            sorted(set(self.initial_data) - set(self.fields)) if isinstance(self.initial_data, dict) else []
        )
        errors: dict[str, list[str]] = {name: ["Unknown field."] for name in unknown}
        errors.update(shock_errors(attrs.get("shocks")))
        if errors:
            raise serializers.ValidationError(errors)
        attrs["shocks"] = {k: float(v) for k, v in attrs["shocks"].items()}
        return attrs


# --- output serializers (schema) --------------------------------------------------------------


class ImpactSerializer(serializers.Serializer):
    dollar_impact = serializers.FloatField(help_text="USD, signed (gain > 0)")
    percentage_impact = serializers.FloatField(allow_null=True, help_text="Percent of NAV")
    new_portfolio_value = serializers.FloatField()


class PositionImpactSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    side = serializers.CharField(help_text="long | short | flat (sign of delta-adjusted exposure)")
    dollar_impact = serializers.FloatField(allow_null=True)
    percentage_impact = serializers.FloatField(allow_null=True)
    underlying_return = serializers.FloatField(allow_null=True)


class UnmodeledSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    reason = serializers.CharField()


class ScenarioResultSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    description = serializers.CharField()
    window = serializers.CharField(allow_null=True)
    source = serializers.CharField(allow_null=True)
    shocks = serializers.DictField(child=serializers.FloatField())
    impact = ImpactSerializer()
    severity = serializers.ChoiceField(
        choices=["positive", "mild", "moderate", "severe", "extreme"], allow_null=True
    )
    by_position = rows(PositionImpactSerializer)
    factor_moves = serializers.DictField(
        child=serializers.FloatField(allow_null=True),
        help_text="All 11 stress variables: the shocked values and the moves used for the others "
        "(fractions; Interest Rate a decimal change; Volatility a relative VIX change, > -1).",
    )
    unmodeled = UnmodeledSerializer(many=True)


class ScenariosSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.CharField()
    propagation = serializers.ChoiceField(choices=PROPAGATIONS)
    portfolio_value = serializers.FloatField()
    calculation_date = serializers.DateField()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    scenarios = rows(ScenarioResultSerializer)
    conventions = ConventionsSerializer()


class ComponentSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    component_var = serializers.FloatField(allow_null=True)
    component_es = serializers.FloatField(allow_null=True)


class VaRSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.CharField()
    method = serializers.CharField()
    confidence = serializers.FloatField()
    horizon_days = serializers.IntegerField()
    var = serializers.FloatField(allow_null=True, help_text="Positive USD loss")
    expected_shortfall = serializers.FloatField(allow_null=True)
    var_percent = serializers.FloatField(allow_null=True, help_text="Percent of NAV")
    expected_shortfall_percent = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField()
    scenarios = serializers.IntegerField()
    portfolio_value = serializers.FloatField(allow_null=True)
    seed = optional(
        serializers.IntegerField,
        allow_null=True,
        help_text="monte_carlo only: the seed of numpy.random.default_rng that drew the paths (YYYYMMDD).",
    )
    paths = optional(
        serializers.IntegerField,
        allow_null=True,
        help_text="monte_carlo only: the number of simulated paths.",
    )
    component_method = serializers.CharField()
    by_position = rows(ComponentSerializer)
    excluded = UnmodeledSerializer(many=True)
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


class PositionContributionSerializer(serializers.Serializer):
    position_id = serializers.CharField()
    symbol = serializers.CharField()
    weight = serializers.FloatField(allow_null=True)
    mctr = serializers.FloatField(allow_null=True)
    ctr = serializers.FloatField(allow_null=True)
    ctr_percent = serializers.FloatField(allow_null=True)


class FactorContributionSerializer(serializers.Serializer):
    factor = serializers.CharField()
    exposure = serializers.FloatField(allow_null=True)
    ctr = serializers.FloatField(allow_null=True)
    ctr_percent = serializers.FloatField(allow_null=True)
    contribution_to_factor_risk = serializers.FloatField(allow_null=True)


class SpecificSerializer(serializers.Serializer):
    ctr = serializers.FloatField(allow_null=True)
    ctr_percent = serializers.FloatField(allow_null=True)


class ContributionsSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.CharField()
    total_risk = serializers.FloatField(allow_null=True, help_text="Annualized volatility, fraction of NAV")
    factor_risk = serializers.FloatField(allow_null=True)
    specific_risk = serializers.FloatField(allow_null=True)
    model_total_risk = serializers.FloatField(allow_null=True)
    observations = serializers.IntegerField(allow_null=True)
    by_position = rows(PositionContributionSerializer)
    by_factor = FactorContributionSerializer(many=True)
    specific = SpecificSerializer()
    unmodeled = serializers.ListField(child=serializers.CharField())
    excluded = UnmodeledSerializer(many=True)
    units = serializers.DictField(child=serializers.CharField())
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()


class MetricValueSerializer(serializers.Serializer):
    value = serializers.FloatField(allow_null=True)


class BetaMetricSerializer(MetricValueSerializer):
    value = serializers.FloatField(allow_null=True, help_text="NAV-weighted beta vs the benchmark.")
    benchmark = serializers.CharField()
    coverage = serializers.FloatField(
        allow_null=True, help_text="Share of the exposure with a beta (fraction)."
    )


class VaRMetricSerializer(MetricValueSerializer):
    value = serializers.FloatField(allow_null=True, help_text="Positive USD loss.")
    method = serializers.CharField()
    percent = serializers.FloatField(allow_null=True, help_text="Percent of NAV.")


class SourcedMetricSerializer(MetricValueSerializer):
    source = optional(serializers.CharField, help_text="Where the value comes from (when there is one).")
    note = optional(serializers.CharField, help_text="Why the value is null.")


class DrawdownMetricSerializer(MetricValueSerializer):
    value = serializers.FloatField(allow_null=True, help_text="Negative fraction.")
    peak_date = optional(serializers.DateField, allow_null=True, help_text="Peak before the trough.")
    trough_date = optional(serializers.DateField, allow_null=True, help_text="The trough.")
    as_of_date = optional(serializers.DateField, help_text="Date of the performance snapshot used.")
    note = optional(serializers.CharField, help_text="Why the value is null (no snapshot yet).")


class OverviewMetricsSerializer(serializers.Serializer):
    beta = BetaMetricSerializer()
    annualized_volatility = MetricValueSerializer()
    var_1d_95 = VaRMetricSerializer()
    expected_shortfall_1d_975 = VaRMetricSerializer()
    average_correlation = SourcedMetricSerializer()
    max_drawdown = DrawdownMetricSerializer()


class OverviewSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    view = serializers.CharField()
    portfolio_value = serializers.FloatField(allow_null=True)
    metrics = OverviewMetricsSerializer()
    as_of_date = serializers.DateField()
    calculated_at = serializers.DateTimeField()
    stale = serializers.BooleanField(help_text=STALE_HELP)
    data_source = serializers.CharField()
    conventions = ConventionsSerializer()
