"""/api/v1/modeling routes (API.md); slash optional."""

from analytics.modeling.api.views import (
    SessionCalculateView,
    SessionDetailView,
    SessionImpactsView,
    SessionListCreateView,
    SessionSaveView,
    SessionTradeDetailView,
    SessionTradesView,
)
from sigmasight.api.routing import route

urlpatterns: list = [
    route("sessions", SessionListCreateView.as_view(), name="modeling-sessions"),
    route("sessions/<uuid:id>", SessionDetailView.as_view(), name="modeling-session"),
    route("sessions/<uuid:id>/trades", SessionTradesView.as_view(), name="modeling-trades"),
    route(
        "sessions/<uuid:id>/trades/<uuid:trade_id>", SessionTradeDetailView.as_view(), name="modeling-trade"
    ),
    route("sessions/<uuid:id>/calculate", SessionCalculateView.as_view(), name="modeling-calculate"),
    route("sessions/<uuid:id>/impacts", SessionImpactsView.as_view(), name="modeling-impacts"),
    route("sessions/<uuid:id>/save", SessionSaveView.as_view(), name="modeling-save"),
]
