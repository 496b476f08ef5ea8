"""/api/v1/modeling/sessions/{id}/export (included by sigmasight/urls.py before the modeling routes)."""

from exports.api.modeling_views import SessionTradesExportView
from sigmasight.api.routing import route

urlpatterns = [
    route("sessions/<uuid:id>/export", SessionTradesExportView.as_view(), name="modeling-session-export")
]
