"""/api/v1/data/ routes of the portfolio-scoped data endpoints (API.md "/data")."""

from analytics.api import data_views as views
from sigmasight.api.routing import route

urlpatterns = [
    route("portfolios", views.PortfolioListDataView.as_view(), name="data-portfolios"),
    route(
        "portfolio/<uuid:id>/complete", views.PortfolioCompleteView.as_view(), name="data-portfolio-complete"
    ),
    route(
        "portfolio/<uuid:id>/data-quality",
        views.PortfolioDataQualityView.as_view(),
        name="data-portfolio-quality",
    ),
    route("positions/details", views.PositionDetailsView.as_view(), name="data-positions-details"),
    route("positions/top/<uuid:portfolio_id>", views.TopPositionsView.as_view(), name="data-positions-top"),
    route(
        "prices/historical/<uuid:portfolio_id>",
        views.HistoricalPricesView.as_view(),
        name="data-prices-historical",
    ),
]
