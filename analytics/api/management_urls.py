"""/api/v1/management/ routes that read analytics results: strategies, alerts (see API.md)."""

from analytics.alerts.api.urls import urlpatterns as alert_urlpatterns
from analytics.api.management_views import StrategyListView
from sigmasight.api.routing import route

urlpatterns: list = [
    route("strategies", StrategyListView.as_view(), name="management-strategies"),
    *alert_urlpatterns,
]
