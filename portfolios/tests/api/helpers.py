"""Assertions shared by the /management API tests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sigmasight.tests.envelope import assert_error as assert_envelope

API = "/api/v1/management"


def assert_error(response: Any, status: int, code: str, fields: Iterable[str] = ()) -> dict[str, Any]:
    """The API.md envelope with ``code``; ``fields`` must each be named in ``details``."""
    error = assert_envelope(response, status, code)
    for field in fields:
        assert field in error["details"], error
        assert error["details"][field] and all(isinstance(m, str) for m in error["details"][field])
    return error


def assert_not_found(response: Any, *leaks: str) -> None:
    """A 404 envelope that shows nothing of the object (none of ``leaks`` in the body)."""
    assert_error(response, 404, "NOT_FOUND")
    for leak in leaks:
        assert leak not in response.content.decode()


def count_queries(client: Any, url: str) -> tuple[int, Any]:
    """(number of SQL queries, response) of one GET."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries), response
