"""Assertions on the API.md error envelope, shared by API tests of every app."""

from __future__ import annotations

import re
from typing import Any

TIMESTAMP_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def assert_error(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Asserts ``response`` is a ``status`` error in the envelope (with ``code`` when given).

    Returns the ``error`` object for further checks.
    """
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details", "request_id"}, error
    assert isinstance(error["message"], str) and error["message"], error
    assert isinstance(error["details"], dict), error
    assert error["request_id"] == response["X-Request-ID"], (error["request_id"], response["X-Request-ID"])
    if code is not None:
        assert error["code"] == code, error
    return error


def assert_timestamp(value: Any) -> None:
    """Asserts a UTC timestamp with milliseconds and ``Z`` (``2026-11-24T16:05:00.123Z``)."""
    assert isinstance(value, str) and TIMESTAMP_RE.match(value), value
