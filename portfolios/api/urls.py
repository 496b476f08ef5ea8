"""URL patterns (see API.md)."""

urlpatterns: list = []
