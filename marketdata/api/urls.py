"""/api/v1/data/ routes owned by market data (portfolio-scoped /data routes live in analytics)."""

from marketdata.api import views
from sigmasight.api.routing import route

urlpatterns = [
    route("prices/quotes", views.QuotesView.as_view(), name="data-quotes"),
    route("macro", views.MacroView.as_view(), name="data-macro"),
    route("factors/etf-prices", views.FactorETFPricesView.as_view(), name="data-factor-etf-prices"),
]
