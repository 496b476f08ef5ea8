from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Async work of any kind (batch runs, imports, reports, syncs), shared by every app."""

    name = "sigmasight.jobs"
    label = "jobs"
    default_auto_field = "django.db.models.BigAutoField"
