from django.apps import AppConfig


class PortfoliosConfig(AppConfig):
    name = "portfolios"
    default_auto_field = "django.db.models.BigAutoField"
