import pytest


@pytest.mark.django_db
def test_health_reports_database_ok(api_client):
    response = api_client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["status"] in {"ok", "degraded"}
    assert "X-Request-ID" in response.headers
