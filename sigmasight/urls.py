"""Root URLs: /health, the OpenAPI schema and docs, /admin, /mcp, and /api/v1/ (each app's api/urls.py)."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sigmasight.api.health import HealthView
from sigmasight.api.views import api_not_found

api_v1 = [
    path("auth/", include("accounts.api.urls")),
    path("auth/", include("portfolios.api.signup_urls")),
    path("management/", include("analytics.api.management_urls")),
    path("management/", include("portfolios.api.urls")),
    path("portfolio/", include("portfolios.api.onboarding_urls")),
    path("data/", include("marketdata.api.urls")),
    path("data/", include("analytics.api.data_urls")),
    path("analytics/", include("analytics.api.urls")),
    path("system/", include("sigmasight.system.api.urls")),
    path("system/", include("analytics.api.system_urls")),
    path("export/reports/", include("exports.api.report_urls")),
    path("export/", include("exports.api.urls")),
    path("modeling/", include("exports.api.modeling_urls")),
    path("modeling/", include("analytics.modeling.api.urls")),
]

urlpatterns = [
    re_path(r"^health/?$", HealthView.as_view(), name="health"),
    re_path(r"^api/schema/?$", SpectacularAPIView.as_view(), name="schema"),
    re_path(r"^api/docs/?$", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    re_path(r"^api/redoc/?$", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("admin/", admin.site.urls),
    path("", include("agents.urls")),  # /mcp: the MCP endpoint (outside /api/v1)
    path("api/v1/", include(api_v1)),
    re_path(r"^api/.*$", api_not_found),
]

# Django's own error answers (bad Host header, middleware exceptions, unmatched URLs): the JSON
# envelope, except under /admin (sigmasight/api/views.py).
handler400 = "sigmasight.api.views.bad_request"
handler403 = "sigmasight.api.views.permission_denied"
handler404 = "sigmasight.api.views.page_not_found"
handler500 = "sigmasight.api.views.server_error"
