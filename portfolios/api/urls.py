"""/api/v1/management/: portfolios, positions and tags (API.md "/management"); slash optional."""

from portfolios.api import import_views, views
from sigmasight.api.routing import OptionalSlashRouter, route

router = OptionalSlashRouter()
router.register("portfolios", views.PortfolioViewSet, basename="management-portfolio")
router.register("positions", views.PositionViewSet, basename="management-position")
router.register("tags", views.TagViewSet, basename="management-tag")

urlpatterns = [
    # before the router: "upload" must not be read as a portfolio id
    route(
        "portfolios/upload",
        import_views.ManagementUploadView.as_view(),
        name="management-portfolio-upload",
    ),
    *router.urls,
]
