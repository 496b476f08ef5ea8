"""Staff console for engine 8: daily snapshots, performance summaries and the stored VaR forecasts
(read-only)."""

from __future__ import annotations

from django.contrib import admin

from analytics.admin.base import ReadOnlyAdmin
from analytics.models import PerformanceSummary, PortfolioSnapshot, VarForecast


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


@admin.register(VarForecast)
class VarForecastAdmin(ReadOnlyAdmin):
    """The stored one-day VaR forecasts the /backtest endpoint reads (batch rows and backfills)."""

    list_display = [
        "portfolio",
        "date",
        "method",
        "confidence",
        "var_usd",
        "nav_usd",
        "origin",
        "inputs_as_of",
    ]
    list_filter = ["method", "confidence", "source", "date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]
    date_hierarchy = "date"

    @admin.display(description="VaR (USD)", ordering="value")
    def var_usd(self, obj: VarForecast) -> str:
        return f"{obj.value:,.2f}" if obj.value is not None else "-"

    @admin.display(description="NAV (USD)", ordering="nav")
    def nav_usd(self, obj: VarForecast) -> str:
        return f"{obj.nav:,.2f}" if obj.nav is not None else "-"

    @admin.display(description="source", ordering="source")
    def origin(self, obj: VarForecast) -> str:
        """The short code (batch / backfill): the choice's long label is in the filter."""
        return str(obj.source)
