"""/api/v1/portfolio/ onboarding routes (see API.md "Onboarding")."""

urlpatterns: list = []
