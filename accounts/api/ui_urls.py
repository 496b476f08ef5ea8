"""/system/ui/* (included by ``sigmasight/jobs/urls.py`` under /system/)."""

from accounts.api import ui
from accounts.models import UICommandAction
from sigmasight.api.routing import route

urlpatterns = [
    *(
        route(
            action.value,
            ui.UICommandCreateView.as_view(command_action=action.value),
            name=f"ui-{action.value}",
        )
        for action in UICommandAction
    ),
    route("commands", ui.UICommandPollView.as_view(), name="ui-commands"),
]
