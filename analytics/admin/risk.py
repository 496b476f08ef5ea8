"""Staff console for engine 7: the stress-scenario library (editable) and its results (read-only)."""

from __future__ import annotations

from django.contrib import admin
from unfold.admin import ModelAdmin

from analytics.admin.base import ReadOnlyAdmin
from analytics.models import RiskMetrics, StressScenario, StressTestResult


@admin.register(StressScenario)
class StressScenarioAdmin(ModelAdmin):
    """Library scenarios are edited here; shocks are validated (known variables, ranges) on save."""

    list_display = ["id", "name", "category", "is_active", "is_builtin", "owner", "display_order"]
    list_filter = ["category", "is_active", "is_builtin"]
    list_editable = ["is_active", "display_order"]
    search_fields = ["id", "name", "description"]
    ordering = ["display_order", "id"]
    raw_id_fields = ["owner"]
    readonly_fields = ["created_at", "updated_at"]
    fields = [
        "id",
        "name",
        "category",
        "description",
        "shocks",
        "window",
        "source",
        "is_builtin",
        "owner",
        "is_active",
        "display_order",
        "created_at",
        "updated_at",
    ]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        # The id keys stored results: fixed once created.
        return [*self.readonly_fields, "id"] if obj is not None else self.readonly_fields


@admin.register(StressTestResult)
class StressTestResultAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "scenario", "dollar_impact", "percentage_impact", "severity"]
    list_filter = ["as_of_date", "severity", "scenario__category"]
    search_fields = ["portfolio__name", "scenario__id", "scenario__name"]
    list_select_related = ["portfolio", "scenario"]


@admin.register(RiskMetrics)
class RiskMetricsAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "view", "calculated_at"]
    list_filter = ["as_of_date", "view"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]
    exclude = ["stress_inputs"]
