"""Staff console for engine 8: daily snapshots and performance summaries (read-only)."""

from __future__ import annotations

from django.contrib import admin

from analytics.admin.base import ReadOnlyAdmin
from analytics.models import PerformanceSummary, PortfolioSnapshot


@admin.register(PortfolioSnapshot)
class PortfolioSnapshotAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "date", "nav", "flow", "daily_return", "drawdown", "position_count"]
    list_filter = ["date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]
    date_hierarchy = "date"


@admin.register(PerformanceSummary)
class PerformanceSummaryAdmin(ReadOnlyAdmin):
    list_display = [
        "portfolio",
        "as_of_date",
        "total_return",
        "sharpe_ratio",
        "max_drawdown",
        "beta",
        "calculated_at",
    ]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]
