"""/api/v1/portfolio/ onboarding routes (see API.md "Onboarding"); trailing slash optional."""

from portfolios.api import onboarding_views as views
from sigmasight.api.routing import route

urlpatterns = [
    route("upload", views.UploadView.as_view(), name="onboarding-upload"),
    route("upload/<uuid:id>/status", views.UploadStatusView.as_view(), name="onboarding-upload-status"),
    route("upload/<uuid:id>/results", views.UploadResultsView.as_view(), name="onboarding-upload-results"),
    route("onboarding/<uuid:id>/preview", views.PreviewView.as_view(), name="onboarding-preview"),
    route("onboarding/<uuid:id>/validate", views.ValidateView.as_view(), name="onboarding-validate"),
    route("onboarding/<uuid:id>/retry", views.RetryView.as_view(), name="onboarding-retry"),
    route("onboarding/<uuid:id>/complete", views.CompleteView.as_view(), name="onboarding-complete"),
    route("templates", views.TemplateView.as_view(), name="onboarding-templates"),
]
