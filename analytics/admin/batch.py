"""Staff console for the batch: runs with readable counts and durations, a per-engine timing chart
and per-portfolio errors (read-only); actions to re-run a run's failed steps and the "run batch for
selected portfolios" action of the portfolio console (``analytics.admin.portfolio``).

Figures come from :mod:`analytics.selectors.console`; the actions call the batch's dispatch.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from unfold.admin import TabularInline
from unfold.decorators import action, display

from analytics import models
from analytics.admin.base import ReadOnlyAdmin
from analytics.admin.charts import engine_timing_chart
from analytics.batch.dispatch import batch_run_enqueue
from analytics.selectors.console import (
    batch_rerun_scope,
    batch_run_console,
    counts_label,
    duration_label,
    run_duration_label,
)
from marketdata.providers.registry import market_as_of


class BatchStepInline(TabularInline):
    """A run's steps; ``portfolio_name`` stays when the portfolio was deleted since."""

    model = models.BatchStep
    fields = ["engine", "portfolio_name", "status", "duration", "counts_text", "error"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False
    per_page = 50
    tab = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description="duration")
    def duration(self, obj: models.BatchStep) -> str:
        return duration_label(obj.duration_ms)

    @display(description="counts")
    def counts_text(self, obj: models.BatchStep) -> str:
        return counts_label(obj.counts)


@admin.register(models.BatchRun)
class BatchRunAdmin(ReadOnlyAdmin):
    list_display = ["as_of_date", "status_label", "trigger", "created_at", "run_duration", "counts_text"]
    list_filter = ["status", "trigger", "as_of_date"]
    search_fields = ["id", "error"]
    date_hierarchy = "created_at"
    exclude = ["counts", "engines", "portfolio_ids"]
    readonly_fields = ["counts_text", "engines_text", "portfolios_text"]
    inlines = [BatchStepInline]
    actions = ["rerun_failed_steps"]
    change_form_template = "console/batchrun_change_form.html"

    @display(
        description="status",
        ordering="status",
        label={"succeeded": "success", "failed": "danger", "partial": "warning", "running": "info"},
    )
    def status_label(self, obj: models.BatchRun) -> str:
        return obj.status

    @display(description="duration")
    def run_duration(self, obj: models.BatchRun) -> str:
        return run_duration_label(obj)

    @display(description="counts")
    def counts_text(self, obj: models.BatchRun) -> str:
        return counts_label(obj.counts)

    @display(description="engines")
    def engines_text(self, obj: models.BatchRun) -> str:
        return ", ".join(obj.engines)

    @display(description="portfolios")
    def portfolios_text(self, obj: models.BatchRun) -> str:
        return "all" if obj.portfolio_ids is None else f"{len(obj.portfolio_ids)} selected"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        run = self.get_object(request, object_id)
        extra: dict[str, Any] = dict(extra_context or {})
        if run is not None:
            summary = batch_run_console(run)
            extra["console_run"] = summary
            extra["engines_chart"] = engine_timing_chart(summary["engines"])
        return super().change_view(request, object_id, form_url, extra)

    @action(description="Re-run failed steps")
    def rerun_failed_steps(self, request: HttpRequest, queryset: QuerySet[models.BatchRun]) -> Any:
        queued = []
        for run in queryset:
            scope = batch_rerun_scope(run)
            if scope is None:
                continue
            queued.append(
                batch_run_enqueue(
                    as_of=scope["as_of"],
                    engines=scope["engines"],
                    portfolio_ids=scope["portfolio_ids"],
                    triggered_by=request.user,
                    trigger="admin",
                )
            )
        if not queued:
            self.message_user(request, "No failed step in the selected runs.", messages.WARNING)
            return None
        self.message_user(
            request, f"Re-running the failed steps: {len(queued)} run(s) queued.", messages.SUCCESS
        )
        if len(queued) == 1:
            return HttpResponseRedirect(reverse("admin:analytics_batchrun_change", args=[queued[0].pk]))
        return None


@admin.register(models.BatchStep)
class BatchStepAdmin(ReadOnlyAdmin):
    list_display = ["engine", "portfolio_name", "status", "duration", "counts_text", "run"]
    list_filter = ["engine", "status"]
    search_fields = ["error", "portfolio_name"]
    list_select_related = ["run"]
    exclude = ["counts", "duration_ms"]
    readonly_fields = ["duration", "counts_text"]

    @display(description="duration", ordering="duration_ms")
    def duration(self, obj: models.BatchStep) -> str:
        return duration_label(obj.duration_ms)

    @display(description="counts")
    def counts_text(self, obj: models.BatchStep) -> str:
        return counts_label(obj.counts)


@admin.action(description="Run batch for selected portfolios")
def run_batch_for_portfolios(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet) -> Any:
    """Queues one run over the selected portfolios and opens its page (its steps as they run)."""
    ids = [str(pk) for pk in queryset.values_list("id", flat=True)]
    run = batch_run_enqueue(
        as_of=market_as_of(), portfolio_ids=ids, triggered_by=request.user, trigger="admin"
    )
    modeladmin.message_user(
        request,
        f"Batch {run.id} queued for {len(ids)} portfolio(s) as of {run.as_of_date}.",
        messages.SUCCESS,
    )
    return HttpResponseRedirect(reverse("admin:analytics_batchrun_change", args=[run.pk]))
