"""The /api/v1/management/alerts endpoints (routed by ``analytics.api.management_urls``)."""
