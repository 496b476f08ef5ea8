"""/api/v1/management/ routes that read analytics results: strategies, alerts (see API.md)."""

urlpatterns: list = []
