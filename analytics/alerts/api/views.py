"""/management/alerts endpoints (API.md): your alerts, and your alert rules (CRUD).

Thin views: validate the query or body, one selector or service call, serialize. Lists are
paginated (``limit``/``offset``); unknown query parameters and bad values are a 400 naming them;
another user's portfolio or rule answers 404.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import generics, mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from analytics.alerts.api.serializers import (
    AlertListQuery,
    AlertRuleInputSerializer,
    AlertRuleSerializer,
    AlertSerializer,
)
from analytics.alerts.models import Alert, AlertRule
from analytics.alerts.selectors import alert_list, alert_rule_list
from analytics.alerts.services import alert_rule_create, alert_rule_delete, alert_rule_update
from analytics.api.common import PortfolioScopedQuery
from analytics.selectors.access import owned_portfolio
from sigmasight.api.params import parse_query
from sigmasight.api.schema import errors

UUID_REGEX = "[0-9a-fA-F-]{36}"


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
            portfolio=owned_portfolio(self.request.user, query.get("portfolio_id")),
            priority=query.get("priority"),
            status=query.get("status"),
            kind=query.get("kind"),
        )


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
        rules = alert_rule_list(
            user=request.user, portfolio=owned_portfolio(request.user, query.get("portfolio_id"))
        )
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
