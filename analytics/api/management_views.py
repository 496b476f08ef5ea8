"""/management endpoints that read analytics results: strategies, alerts and alert rules (API.md).

Thin views: validate the query or body, one selector or service call, serialize. Lists are
paginated (``limit``/``offset``); unknown query parameters and bad values are a 400 naming them;
another user's portfolio or rule answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.api.common import PortfolioScopedQuery
from analytics.api.serializers.strategies import StrategySerializer
from analytics.models_alerts import (
    METRIC_UNITS,
    Alert,
    AlertKind,
    AlertMetric,
    AlertOperator,
    AlertPriority,
    AlertRule,
)
from analytics.selectors.access import owned_portfolio
from analytics.selectors.alerts import alert_list, alert_rule_list
from analytics.selectors.strategies import strategy_figures, strategy_list
from analytics.services.alerts import (
    alert_rule_create,
    alert_rule_delete,
    alert_rule_update,
    threshold_errors,
)
from sigmasight.api.params import parse_query
from sigmasight.api.schema import errors

UUID_REGEX = "[0-9a-fA-F-]{36}"


def _portfolio(request: Request, query: dict[str, Any]) -> Any:
    return owned_portfolio(request.user, query["portfolio_id"]) if query.get("portfolio_id") else None


# Strategies --------------------------------------------------------------------------------------


_STRATEGY_EXAMPLE = {
    "count": 1,
    "next": None,
    "previous": None,
    "results": [
        {
            "id": "5b7d9e21-8c3f-4a6b-9e0d-1f2a3b4c5d6e",
            "name": "AAPL bull call spread",
            "description": "Long 150C / short 170C",
            "color": "#2E86DE",
            "position_count": 2,
            "valued_position_count": 2,
            "net_exposure": 1840.0,
            "gross_exposure": 3960.0,
            "pnl": 240.0,
            "greeks": {
                "delta": 61.2,
                "delta_dollars": 11628.0,
                "gamma": 0.8,
                "gamma_dollars": 288.8,
                "theta": -6.4,
                "vega": 21.7,
                "rho": 9.3,
            },
            "as_of_date": "2025-01-06",
            "note": None,
        }
    ],
}


@extend_schema_view(
    get=extend_schema(
        operation_id="management_strategies_list",
        summary="Your strategy tags with their positions' exposures, P&L and Greeks",
        description=(
            "Strategy tags (`tag_type=strategy`), by name. Figures are sums over the tag's open positions "
            "(restricted to `portfolio_id` when given; then only strategies with a position in it are "
            "listed) from the latest batch results of each position's portfolio: net/gross exposure and "
            "unrealized P&L from the stored valuations (USD), Greeks from the stored option Greeks with "
            "stocks at delta 1 per share (delta = shares, delta_dollars = market value). A strategy without "
            "valued positions has null figures and a `note`; `note` also says when figures are partial."
        ),
        parameters=[PortfolioScopedQuery],
        responses={200: StrategySerializer(many=True), **errors(400, 404)},
        examples=[OpenApiExample("A bull call spread", value=_STRATEGY_EXAMPLE, response_only=True)],
    )
)
class StrategyListView(generics.ListAPIView):
    serializer_class = StrategySerializer
    filter_backends: list[Any] = []

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = parse_query(PortfolioScopedQuery, request)
        portfolio = owned_portfolio(request.user, query.get("portfolio_id"))
        page = self.paginate_queryset(strategy_list(user=request.user, portfolio=portfolio))
        tags = list(page or [])
        figures = strategy_figures(tags=tags, today=timezone.localdate(), portfolio=portfolio)
        rows = [
            {"id": t.pk, "name": t.name, "description": t.description, "color": t.color, **figures[str(t.pk)]}
            for t in tags
        ]
        return self.get_paginated_response(StrategySerializer(rows, many=True).data)


# Alerts ------------------------------------------------------------------------------------------


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


@extend_schema_view(
    get=extend_schema(
        operation_id="management_alerts_list",
        summary="Your alerts (unresolved first)",
        description=(
            "Alerts raised by your rules after each batch run (`kind=rule`) and built-in expiration-risk "
            "alerts for options expiring within 7 calendar days (`kind=expiration`). Unresolved first, then "
            "the most recently triggered. `value` is the metric's value that breached; `resolved_at` is set "
            "by the first batch run where it no longer breaches (or the option was closed or expired)."
        ),
        parameters=[AlertListQuery],
        responses={200: AlertSerializer(many=True), **errors(400, 404)},
    )
)
class AlertListView(generics.ListAPIView):
    serializer_class = AlertSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Alert]:
        if getattr(self, "swagger_fake_view", False):
            return Alert.objects.none()
        query = parse_query(AlertListQuery, self.request)
        return alert_list(
            user=self.request.user,
            portfolio=_portfolio(self.request, query),
            priority=query.get("priority"),
            status=query.get("status"),
            kind=query.get("kind"),
        )


# Alert rules ---------------------------------------------------------------------------------------


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


_RULE_EXAMPLE = {
    "name": "Gross above 1.5M",
    "portfolio_id": "9a0e7c55-2d44-4c8e-b0f1-6c2d3e4f5a61",
    "metric": "gross_exposure",
    "operator": "gt",
    "threshold": 1500000,
    "priority": "high",
}


@extend_schema_view(
    list=extend_schema(
        summary="Your alert rules",
        parameters=[PortfolioScopedQuery],
        responses={200: AlertRuleSerializer(many=True), **errors(400, 404)},
    ),
    create=extend_schema(
        summary="Create an alert rule (evaluated after every batch run)",
        request=AlertRuleInputSerializer,
        responses={201: AlertRuleSerializer, **errors(400, 404)},
        examples=[OpenApiExample("Gross exposure cap", value=_RULE_EXAMPLE, request_only=True)],
    ),
    retrieve=extend_schema(summary="Get an alert rule", responses={200: AlertRuleSerializer, **errors(404)}),
    partial_update=extend_schema(
        summary="Update an alert rule (changing its condition resolves its open alert)",
        request=AlertRuleInputSerializer,
        responses={200: AlertRuleSerializer, **errors(400, 404)},
    ),
    destroy=extend_schema(
        summary="Delete an alert rule and its alerts", responses={204: None, **errors(404)}
    ),
)
class AlertRuleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Alert rules ``{id, name, portfolio_id, metric, operator, threshold, priority, is_active, ...}``."""

    serializer_class = AlertRuleSerializer
    lookup_value_regex = UUID_REGEX
    filter_backends: list[Any] = []
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[AlertRule]:
        if getattr(self, "swagger_fake_view", False):
            return AlertRule.objects.none()
        return alert_rule_list(user=self.request.user)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        query = parse_query(PortfolioScopedQuery, request)
        rules = alert_rule_list(user=request.user, portfolio=_portfolio(request, query))
        page = self.paginate_queryset(rules)
        return self.get_paginated_response(AlertRuleSerializer(page, many=True).data)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = AlertRuleInputSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        portfolio = owned_portfolio(request.user, data.pop("portfolio_id"))
        rule = alert_rule_create(owner=request.user, portfolio=portfolio, **data)
        return Response(
            AlertRuleSerializer(self.get_queryset().get(pk=rule.pk)).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        rule = self.get_object()
        body = AlertRuleInputSerializer(data=request.data, partial=True, context={"rule": rule})
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        if "portfolio_id" in data:
            data["portfolio"] = owned_portfolio(request.user, data.pop("portfolio_id"))
        alert_rule_update(rule=rule, data=data)
        return Response(AlertRuleSerializer(self.get_queryset().get(pk=rule.pk)).data)

    def perform_destroy(self, instance: AlertRule) -> None:
        alert_rule_delete(rule=instance)
