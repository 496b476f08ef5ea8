"""Payload -> JSON bytes with the API's own encoding (UTC ``...Z`` timestamps, ISO dates, UUIDs as
text, non-finite numbers as null), so a JSON export reads like the API's responses."""

from __future__ import annotations

from typing import Any

from sigmasight.api.renderers import JSONRenderer

__all__ = ["json_bytes"]


def json_bytes(payload: Any) -> bytes:
    return JSONRenderer().render(payload)
