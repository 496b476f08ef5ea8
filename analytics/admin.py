"""Staff console for the batch: runs with their steps and errors (read-only), results, and the
"run batch for selected portfolios" action added to the portfolio admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from analytics import models
from analytics.batch.dispatch import batch_run_enqueue
from marketdata.providers.registry import market_as_of
from portfolios.models import Portfolio


class ReadOnlyAdmin(admin.ModelAdmin):
    """Computed data: viewable and searchable, never edited by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class BatchStepInline(admin.TabularInline):
    model = models.BatchStep
    fields = ["engine", "portfolio", "status", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.BatchRun)
class BatchRunAdmin(ReadOnlyAdmin):
    list_display = ["as_of_date", "status", "trigger", "created_at", "started_at", "finished_at"]
    list_filter = ["status", "trigger", "as_of_date"]
    search_fields = ["id", "error"]
    date_hierarchy = "created_at"
    inlines = [BatchStepInline]


@admin.register(models.BatchStep)
class BatchStepAdmin(ReadOnlyAdmin):
    list_display = ["engine", "portfolio", "status", "duration_ms", "run"]
    list_filter = ["engine", "status"]
    search_fields = ["error", "portfolio__name"]
    list_select_related = ["portfolio", "run"]


@admin.register(models.PortfolioAggregate)
class PortfolioAggregateAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "nav", "gross_exposure", "net_exposure", "position_count"]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]
    list_select_related = ["portfolio"]


@admin.register(models.PositionValuation)
class PositionValuationAdmin(ReadOnlyAdmin):
    list_display = ["position", "as_of_date", "price", "market_value", "unrealized_pnl", "price_source"]
    list_filter = ["as_of_date", "price_source"]
    search_fields = ["position__symbol", "portfolio__name"]
    list_select_related = ["position"]


@admin.register(models.PositionGreeks)
class PositionGreeksAdmin(ReadOnlyAdmin):
    list_display = ["position", "as_of_date", "delta", "gamma", "theta", "vega", "delta_dollars"]
    list_filter = ["as_of_date", "volatility_source"]
    search_fields = ["position__symbol"]
    list_select_related = ["position"]


@admin.register(models.SymbolFactorExposure)
class SymbolFactorExposureAdmin(ReadOnlyAdmin):
    list_display = ["symbol", "as_of_date", "r_squared", "observations", "quality_flag"]
    list_filter = ["as_of_date", "quality_flag"]
    search_fields = ["symbol"]


@admin.register(models.PortfolioFactorExposure)
class PortfolioFactorExposureAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "factor", "exposure_dollar", "exposure"]
    list_filter = ["as_of_date", "factor"]
    search_fields = ["portfolio__name"]


@admin.register(models.FactorCorrelation)
class FactorCorrelationAdmin(ReadOnlyAdmin):
    list_display = ["as_of_date", "lookback_days", "condition_number"]


@admin.register(models.CorrelationResult)
class CorrelationResultAdmin(ReadOnlyAdmin):
    list_display = ["portfolio", "as_of_date", "average_correlation", "effective_number_of_bets"]
    list_filter = ["as_of_date"]
    search_fields = ["portfolio__name"]


@admin.action(description="Run batch for selected portfolios")
def run_batch_for_portfolios(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> None:
    ids = [str(pk) for pk in queryset.values_list("id", flat=True)]
    run = batch_run_enqueue(
        as_of=market_as_of(), portfolio_ids=ids, triggered_by=request.user, trigger="admin"
    )
    modeladmin.message_user(
        request,
        f"Batch {run.id} queued for {len(ids)} portfolio(s) as of {run.as_of_date}.",
        messages.SUCCESS,
    )


# The portfolio admin lives in portfolios/ (which never imports analytics): attach the action here.
_portfolio_admin = admin.site._registry.get(Portfolio)
if _portfolio_admin is not None:
    _portfolio_admin.actions = [*(_portfolio_admin.actions or []), run_batch_for_portfolios]

import analytics.admin_alerts  # noqa: E402,F401
import analytics.admin_performance  # noqa: E402,F401
import analytics.admin_risk  # noqa: E402,F401
