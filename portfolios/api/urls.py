"""/api/v1/management/: portfolios, positions and tags (API.md "/management"); slash optional."""

from portfolios.api import views
from sigmasight.api.routing import OptionalSlashRouter

router = OptionalSlashRouter()
router.register("portfolios", views.PortfolioViewSet, basename="management-portfolio")
router.register("positions", views.PositionViewSet, basename="management-position")
router.register("tags", views.TagViewSet, basename="management-tag")

urlpatterns = [*router.urls]
