"""/api/v1/management/alerts routes: the alert list and the alert-rule CRUD (API.md); slash optional."""

from analytics.alerts.api.views import AlertListView, AlertRuleViewSet
from sigmasight.api.routing import OptionalSlashRouter, route

router = OptionalSlashRouter()
router.register("alerts/rules", AlertRuleViewSet, basename="management-alert-rule")

urlpatterns: list = [
    route("alerts", AlertListView.as_view(), name="management-alerts"),
    *router.urls,
]
