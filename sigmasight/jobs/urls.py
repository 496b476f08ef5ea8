"""/system URLs of the foundation: jobs and the agent-UI sync commands.

Included by ``sigmasight/urls.py`` under ``system/`` before the analytics /system URLs (batch).
"""

from django.urls import include, path

from sigmasight.api.routing import OptionalSlashRouter
from sigmasight.jobs.api import JobViewSet

router = OptionalSlashRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    *router.urls,
    path("ui/", include("accounts.api.ui_urls")),
]
