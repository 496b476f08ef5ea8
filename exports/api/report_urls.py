"""URL patterns of /export/reports (API.md "/export"), included under ``export/reports/``."""

from exports.api.report_views import (
    ReportDetailView,
    ReportDownloadView,
    ReportGenerateView,
    ReportScheduleCreateView,
    ReportScheduleDetailView,
    ReportScheduleListView,
    ReportTemplatesView,
)
from sigmasight.api.routing import route

urlpatterns = [
    route("generate", ReportGenerateView.as_view(), name="export-reports-generate"),
    route("templates", ReportTemplatesView.as_view(), name="export-reports-templates"),
    route("schedule", ReportScheduleCreateView.as_view(), name="export-reports-schedule"),
    route("schedules", ReportScheduleListView.as_view(), name="export-reports-schedules"),
    route("schedules/<uuid:id>", ReportScheduleDetailView.as_view(), name="export-reports-schedule-detail"),
    route("<uuid:id>", ReportDetailView.as_view(), name="export-reports-detail"),
    route("<uuid:id>/download", ReportDownloadView.as_view(), name="export-reports-download"),
]
