"""Admin of the exports app: the export history here; reports and schedules in
:mod:`exports.admin_reports`."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from analytics.admin.portfolio import PortfolioConsoleAdmin
from exports import admin_reports  # noqa: F401 - registers the report and schedule admins
from exports.models import ExportRecord, ReportFormat, ReportTemplate
from exports.reports.services import report_generate
from portfolios.models import Portfolio

# --- Export history (helper "exportfiles") ---------------------------------------------------------


@admin.register(ExportRecord)
class ExportRecordAdmin(ModelAdmin):
    """The export history, read-only (written by the downloads): filter by kind, format and date,
    search by filename, owner or portfolio."""

    list_display = ("created_at", "owner", "kind", "format", "filename", "size_bytes", "portfolio")
    list_filter = ("kind", "format", ("created_at", admin.DateFieldListFilter))
    search_fields = ("=id", "filename", "owner__email", "portfolio__name")
    date_hierarchy = "created_at"
    list_select_related = ("owner", "portfolio")
    readonly_fields = [field.name for field in ExportRecord._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- end of export history --------------------------------------------------------------------------


# --- "Generate the full PDF risk report" on the console's portfolio admin ----------------------------


@admin.action(description="Generate the full PDF risk report")
def generate_full_report(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Portfolio]) -> None:
    """Queues the full PDF report of each selected portfolio, owned by the portfolio's owner (who
    downloads it from the API; staff from the report's admin page)."""
    for portfolio in queryset.select_related("owner"):
        report = report_generate(
            user=portfolio.owner, portfolio=portfolio, template=ReportTemplate.FULL, format=ReportFormat.PDF
        )
        url = reverse("admin:exports_report_change", args=[report.pk])
        modeladmin.message_user(
            request,
            format_html('Report of {} queued: <a href="{}">{}</a>', portfolio.name, url, report.pk),
            messages.SUCCESS,
        )


# exports extends the portfolio admin of analytics (nothing imports exports, so the action lives here)
PortfolioConsoleAdmin.actions = [*PortfolioConsoleAdmin.actions, generate_full_report]
