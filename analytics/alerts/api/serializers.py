"""Serializers of the /management/alerts endpoints: the alert list's query, alerts, and alert rules
(read, and the POST/PATCH body). Units of values and thresholds: ``METRIC_UNITS``."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.alerts.models import (
    METRIC_UNITS,
    Alert,
    AlertKind,
    AlertMetric,
    AlertOperator,
    AlertPriority,
    AlertRule,
)
from analytics.alerts.services import threshold_errors
from analytics.api.common import PortfolioScopedQuery


class AlertListQuery(PortfolioScopedQuery):
    priority = serializers.ChoiceField(choices=AlertPriority.choices, required=False)
    status = serializers.ChoiceField(
        choices=[("open", "open"), ("resolved", "resolved")], required=False, help_text="Default: both."
    )
    kind = serializers.ChoiceField(choices=AlertKind.choices, required=False)


class AlertSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField()
    rule_id = serializers.UUIDField(allow_null=True, help_text="Null for built-in (expiration) alerts.")
    rule_name = serializers.SerializerMethodField()
    position_id = serializers.UUIDField(allow_null=True, help_text="The option of an expiration alert.")
    symbol = serializers.SerializerMethodField()
    is_resolved = serializers.SerializerMethodField()
    value = serializers.FloatField(help_text="The metric's value that breached (unit: `unit`).")
    unit = serializers.SerializerMethodField()

    class Meta:
        model = Alert
        fields = [
            "id",
            "portfolio_id",
            "rule_id",
            "rule_name",
            "kind",
            "priority",
            "metric",
            "operator",
            "value",
            "threshold",
            "unit",
            "message",
            "position_id",
            "symbol",
            "as_of_date",
            "triggered_at",
            "is_resolved",
            "resolved_at",
            "resolved_as_of_date",
            "resolved_value",
            "resolution",
        ]

    def get_rule_name(self, alert: Alert) -> str | None:
        return alert.rule.name if alert.rule_id else None

    def get_symbol(self, alert: Alert) -> str | None:
        return alert.position.symbol if alert.position_id else None

    def get_is_resolved(self, alert: Alert) -> bool:
        return alert.resolved_at is not None

    def get_unit(self, alert: Alert) -> str:
        return METRIC_UNITS.get(alert.metric, "")


class NumberField(serializers.FloatField):
    """A JSON number (not a string, not a boolean)."""

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise serializers.ValidationError("Expected a number.")
        return super().to_internal_value(data)


_THRESHOLD_HELP = "In the metric's unit: " + "; ".join(f"{m}: {u}" for m, u in METRIC_UNITS.items()) + "."


class AlertRuleInputSerializer(serializers.Serializer):
    """Body of POST (all required but priority and is_active) and PATCH (any subset)."""

    name = serializers.CharField(max_length=120)
    portfolio_id = serializers.UUIDField(help_text="One of your portfolios (another user's id answers 404).")
    metric = serializers.ChoiceField(choices=AlertMetric.choices)
    operator = serializers.ChoiceField(
        choices=AlertOperator.choices,
        help_text="gt: alert when value > threshold; lt: when value < threshold.",
    )
    threshold = NumberField(help_text=_THRESHOLD_HELP)
    priority = serializers.ChoiceField(choices=AlertPriority.choices, default=AlertPriority.MEDIUM)
    is_active = serializers.BooleanField(default=True)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        rule: AlertRule | None = self.context.get("rule")
        metric = attrs.get("metric", rule.metric if rule else None)
        threshold = attrs.get("threshold", rule.threshold if rule else None)
        if metric is not None and threshold is not None:
            problems = threshold_errors(metric=metric, threshold=threshold)
            if problems:
                raise serializers.ValidationError({"threshold": problems})
        return attrs


class AlertRuleSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField()
    unit = serializers.SerializerMethodField()
    open_alert_count = serializers.IntegerField(help_text="Alerts of this rule not resolved yet.")

    class Meta:
        model = AlertRule
        fields = [
            "id",
            "name",
            "portfolio_id",
            "metric",
            "operator",
            "threshold",
            "unit",
            "priority",
            "is_active",
            "open_alert_count",
            "created_at",
            "updated_at",
        ]

    def get_unit(self, rule: AlertRule) -> str:
        return METRIC_UNITS.get(rule.metric, "")
