"""URL patterns (see API.md)."""

urlpatterns: list = []

# Greeks (batch engine 4)
from analytics.api.greeks_views import GreeksCalculateView, PortfolioGreeksView  # noqa: E402
from sigmasight.api.routing import route  # noqa: E402

urlpatterns += [
    route("risk/greeks/calculate", GreeksCalculateView.as_view(), name="analytics-greeks-calculate"),
    route("risk/<uuid:id>/greeks", PortfolioGreeksView.as_view(), name="analytics-risk-greeks"),
]
