"""A lost database answers 503 ``SERVICE_UNAVAILABLE`` in the envelope, and the next request works.

Before: a connection killed mid-request answered 500 ``INTERNAL_ERROR`` (issue 14, finding 6), and
the dead connection stayed in place for the thread's next request.
"""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from django.db import InterfaceError, OperationalError, connection

from sigmasight.tests.envelope import assert_error

pytestmark = [
    # A killed connection takes any test transaction with it, hence real commits; serialized_rollback:
    # the flush after each test restores the migrations' reference data (factor definitions...).
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_terminate_backend is PostgreSQL's"),
]
PORTFOLIOS = "/api/v1/management/portfolios"


@pytest.fixture
def error_urls(settings: Any) -> None:
    settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"


@pytest.mark.parametrize("path", ["/api/v1/test/kill-db-drf", "/api/v1/test/kill-db-django"])
def test_a_connection_killed_mid_request_is_a_503_then_the_next_request_works(
    error_urls, auth_client, path
) -> None:
    assert auth_client.get(PORTFOLIOS).status_code == 200
    auth_client.raise_request_exception = False

    response = auth_client.get(path, HTTP_X_REQUEST_ID="db-gone-1")

    error = assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
    assert error["request_id"] == "db-gone-1"
    assert "database" in error["message"]
    assert "terminat" not in response.content.decode()  # the driver's message stays in the log
    assert auth_client.get(PORTFOLIOS).status_code == 200  # a fresh connection, no restart needed


def _failing(exc: Exception):  # type: ignore[no-untyped-def]
    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        raise exc

    return wrapper


@pytest.mark.parametrize(
    "exc",
    [
        OperationalError("server closed the connection unexpectedly"),
        InterfaceError("connection already closed"),
    ],
    ids=["operational", "interface"],
)
def test_a_cursor_that_raises_is_a_503_on_a_real_endpoint(auth_client, exc) -> None:
    with connection.execute_wrapper(_failing(exc)):
        response = auth_client.get(PORTFOLIOS)
    assert_error(response, 503, "SERVICE_UNAVAILABLE")
    assert response["Retry-After"] == "5"
    assert auth_client.get(PORTFOLIOS).status_code == 200


def test_anonymous_login_during_an_outage_is_a_503(api_client) -> None:
    with connection.execute_wrapper(_failing(OperationalError("could not connect to server"))):
        response = api_client.post(
            "/api/v1/auth/login", {"email": "a@b.co", "password": "whatever-1"}, format="json"
        )
    assert_error(response, 503, "SERVICE_UNAVAILABLE")


def test_a_connection_killed_between_requests_is_replaced(auth_client) -> None:
    """Killed from outside (a database restart): at most the request that finds it dead fails, with
    a 503; the one after works."""
    assert auth_client.get(PORTFOLIOS).status_code == 200
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    dsn = {k: v for k, v in params.items() if k in ("host", "port", "user", "password")}
    with psycopg.connect(dbname="postgres", autocommit=True, **dsn) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    statuses = [auth_client.get(PORTFOLIOS).status_code for _ in range(2)]
    assert statuses in ([503, 200], [200, 200]), statuses
