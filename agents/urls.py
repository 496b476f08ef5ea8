"""``/mcp`` (included by the root urls by name: nothing imports the agents app)."""

from django.urls import re_path

from agents.http import MCPView

urlpatterns = [re_path(r"^mcp/?$", MCPView.as_view(), name="mcp")]
