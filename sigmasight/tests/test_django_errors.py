"""Django's own error answers, outside DRF, use the API envelope on the API's paths (/api/, /health,
/mcp); the staff console and other pages keep HTML.

Before: a bad Host header answered Django's HTML 400, an exception in a middleware the HTML "Server
Error (500)" page, and a CSRF failure a bare "Forbidden" (issue 14, finding 6).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db


@pytest.fixture
def error_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"


@pytest.mark.parametrize("path", ["/api/v1/auth/me", "/health", "/mcp", "/api/v1/nowhere"])
def test_a_bad_host_header_is_a_400_envelope(api_client, path) -> None:
    response = api_client.get(path, HTTP_HOST="evil.example", HTTP_X_REQUEST_ID="bad-host-1")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "Host" in error["message"]
    assert error["request_id"] == "bad-host-1"
    assert "evil.example" not in response.content.decode()


@pytest.mark.parametrize("path", ["/admin/login/", "/"])
def test_a_bad_host_header_elsewhere_stays_html(api_client, path) -> None:
    response = api_client.get(path, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("path", ["/api/v1/nowhere", "/api/nowhere", "/health/x", "/mcp/x"])
def test_unknown_api_paths_are_a_404_envelope(api_client, path) -> None:
    error = assert_error(api_client.get(path), 404, "NOT_FOUND")
    assert path in error["message"]


def test_unknown_console_paths_stay_html(admin_client) -> None:
    response = admin_client.get("/admin/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_a_csrf_failure_is_a_403_envelope_saying_so(error_urls) -> None:
    client = Client(enforce_csrf_checks=True)
    error = assert_error(client.post("/api/v1/test/form", {"a": "1"}), 403, "PERMISSION_DENIED")
    assert "CSRF" in error["message"]


@pytest.mark.parametrize("path", ["/admin/login/", "/test/form"])
def test_a_csrf_failure_elsewhere_stays_html(error_urls, path) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, {"username": "a", "password": "b"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def raising_middleware(settings: Any, error_urls: None) -> None:
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],  # the request id
        "sigmasight.tests.urls_errors.RaisingMiddleware",
        *settings.MIDDLEWARE[1:],
    ]


def test_an_exception_in_a_middleware_is_a_500_envelope(raising_middleware) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom-middleware/runtime", HTTP_X_REQUEST_ID="mw-1")
    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error["request_id"] == "mw-1"
    assert "hunter2" not in response.content.decode()


def test_a_database_error_in_a_middleware_is_a_503_envelope(raising_middleware) -> None:
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom-middleware/database")
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"


def test_a_form_body_over_the_limit_outside_drf_is_a_413(error_urls, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = Client().post("/api/v1/test/body-django", {"a": "x" * 4096})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_a_405_outside_drf_is_an_envelope(api_client) -> None:
    # the catch-all of /api/ and /health are reachable with any method; DRF answers its own 405s
    response = api_client.delete("/health")
    assert_error(response, 405, "METHOD_NOT_ALLOWED")
