"""Staff console for alerts: rules (editable), alerts raised and evaluations (read-only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from unfold.admin import ModelAdmin

from analytics.admin.base import ReadOnlyAdmin
from analytics.alerts.models import Alert, AlertEvaluation, AlertRule


@admin.register(AlertRule)
class AlertRuleAdmin(ModelAdmin):
    list_display = ["name", "owner", "portfolio", "metric", "operator", "threshold", "priority", "is_active"]
    list_filter = ["metric", "priority", "is_active"]
    search_fields = ["name", "owner__email", "portfolio__name"]
    list_select_related = ["owner", "portfolio"]
    raw_id_fields = ["owner", "portfolio"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    """Raised by the evaluation after each batch run; staff may delete, never edit."""

    list_display = [
        "message",
        "portfolio",
        "kind",
        "priority",
        "value",
        "as_of_date",
        "triggered_at",
        "resolved_at",
    ]
    list_filter = ["kind", "priority", "metric", "as_of_date"]
    search_fields = ["message", "portfolio__name", "rule__name"]
    list_select_related = ["portfolio"]
    date_hierarchy = "triggered_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AlertEvaluation)
class AlertEvaluationAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "alerts_raised", "alerts_resolved", "evaluated_at"]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]
