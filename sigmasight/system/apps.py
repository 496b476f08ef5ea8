from django.apps import AppConfig


class SystemConfig(AppConfig):
    """The /system home: async work of any kind (batch runs, imports, reports, syncs) shared by every
    app, and the agent-UI commands.

    The label stays ``jobs`` (the app was ``sigmasight.system``) so its migrations and tables are kept.
    """

    name = "sigmasight.system"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sigmasight.api.response_cache import connect_signals

        connect_signals()
