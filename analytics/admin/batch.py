"""Staff console for the batch: runs with their steps and errors (read-only), and the
"run batch for selected portfolios" action added to the portfolio admin."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from analytics import models
from analytics.admin.base import ReadOnlyAdmin
from analytics.batch.dispatch import batch_run_enqueue
from marketdata.providers.registry import market_as_of
from portfolios.models import Portfolio


class BatchStepInline(admin.TabularInline):
    """A run's steps; ``portfolio_name`` stays when the portfolio was deleted since."""

    model = models.BatchStep
    fields = ["engine", "portfolio_name", "status", "duration_ms", "error"]
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
    list_display = ["engine", "portfolio_name", "status", "duration_ms", "run"]
    list_filter = ["engine", "status"]
    search_fields = ["error", "portfolio_name"]
    list_select_related = ["run"]


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
