"""URL patterns of /api/v1/export/ (API.md "/export")."""

from exports.api.file_views import ExportHistoryView, PortfolioExportView, TradesExportView
from sigmasight.api.routing import route

urlpatterns = [
    # --- File exports: portfolios, trade lists, history (helper "exportfiles") ---------------------
    route("portfolio/<uuid:id>", PortfolioExportView.as_view(), name="export-portfolio"),
    route("trades", TradesExportView.as_view(), name="export-trades"),
    route("history", ExportHistoryView.as_view(), name="export-history"),
    # --- end of file exports ------------------------------------------------------------------------
]
