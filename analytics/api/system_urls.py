"""/api/v1/system/batch/* (staff only)."""

from analytics.api import system_views as views
from sigmasight.api.routing import route

urlpatterns = [
    route("batch/status", views.BatchStatusView.as_view(), name="batch-status"),
    route("batch/history", views.BatchHistoryView.as_view(), name="batch-history"),
    route("batch/<slug:trigger>", views.BatchTriggerView.as_view(), name="batch-trigger"),
]
