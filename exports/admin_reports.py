"""Admin of generated reports (a download link: staff get the stored file from an admin view,
the API's download is owner-only) and of report schedules (a link to their django-celery-beat
periodic task, and the next run)."""

from __future__ import annotations

from django.contrib import admin
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html
from unfold.admin import ModelAdmin

from exports.models import Report, ReportSchedule, ReportStatus
from exports.reports.schedules import next_run_at
from exports.reports.services import content_type_of


@admin.register(Report)
class ReportAdmin(ModelAdmin):
    list_display = (
        "created_at",
        "owner",
        "portfolio_name",
        "template",
        "format",
        "status",
        "as_of_date",
        "size_bytes",
        "download",
    )
    list_filter = ("status", "template", "format")
    search_fields = ("portfolio_name", "owner__email", "id")
    readonly_fields = [f.name for f in Report._meta.fields] + ["download"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="File")
    def download(self, report: Report) -> str:
        if report.status != ReportStatus.SUCCEEDED or not report.file:
            return "-"
        url = reverse("admin:exports_report_download", args=[report.pk])
        return format_html('<a href="{}">download</a>', url)

    def get_urls(self) -> list[URLPattern]:
        extra = [
            path(
                "<uuid:report_id>/download/",
                self.admin_site.admin_view(self.download_view),
                name="exports_report_download",
            )
        ]
        return extra + super().get_urls()

    def download_view(self, request: HttpRequest, report_id: str) -> HttpResponse:
        report = get_object_or_404(Report, pk=report_id, status=ReportStatus.SUCCEEDED)
        if not self.has_view_permission(request, report):
            return HttpResponse(status=403)
        name = report.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            report.file.open("rb"), as_attachment=True, filename=name, content_type=content_type_of(report)
        )


@admin.register(ReportSchedule)
class ReportScheduleAdmin(ModelAdmin):
    list_display = (
        "portfolio_name",
        "owner",
        "template",
        "format",
        "frequency",
        "time",
        "enabled",
        "next_run",
        "task",
    )
    list_filter = ("enabled", "frequency", "template", "format")
    search_fields = ("portfolio_name", "owner__email", "id")
    readonly_fields = ("periodic_task", "task", "next_run", "created_at")

    @admin.display(description="Next run (UTC)")
    def next_run(self, schedule: ReportSchedule) -> str:
        at = next_run_at(schedule)
        return at.strftime("%Y-%m-%d %H:%M") if at else "-"

    @admin.display(description="Periodic task")
    def task(self, schedule: ReportSchedule) -> str:
        if schedule.periodic_task_id is None:
            return "-"
        url = reverse("admin:django_celery_beat_periodictask_change", args=[schedule.periodic_task_id])
        return format_html('<a href="{}">{}</a>', url, schedule.periodic_task)
