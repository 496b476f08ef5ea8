"""/system URLs of the foundation: jobs and the agent-UI sync commands (``/system/ui/*``).

Included by ``sigmasight/urls.py`` under ``system/`` before the analytics /system URLs (batch).
"""

from sigmasight.api.routing import OptionalSlashRouter, route
from sigmasight.system.api.jobs import JobViewSet
from sigmasight.system.api.ui import UICommandCreateView, UICommandPollView
from sigmasight.system.models import UICommandAction

router = OptionalSlashRouter()
router.register("jobs", JobViewSet, basename="job")

urlpatterns = [
    *router.urls,
    *(
        route(
            f"ui/{action.value}",
            UICommandCreateView.as_view(command_action=action.value),
            name=f"ui-{action.value}",
        )
        for action in UICommandAction
    ),
    route("ui/commands", UICommandPollView.as_view(), name="ui-commands"),
]
