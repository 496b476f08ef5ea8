"""/api/v1/management/ routes that read analytics results: strategies, alerts (see API.md)."""

from analytics.api.management_views import AlertListView, AlertRuleViewSet, StrategyListView
from sigmasight.api.routing import OptionalSlashRouter, route

router = OptionalSlashRouter()
router.register("alerts/rules", AlertRuleViewSet, basename="management-alert-rule")

urlpatterns: list = [
    route("strategies", StrategyListView.as_view(), name="management-strategies"),
    route("alerts", AlertListView.as_view(), name="management-alerts"),
    *router.urls,
]
