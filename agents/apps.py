from django.apps import AppConfig


class AgentsConfig(AppConfig):
    """The MCP server over the risk engine (tools, /mcp, ``manage.py mcp_server``). Nothing imports it."""

    name = "agents"
    default_auto_field = "django.db.models.BigAutoField"
