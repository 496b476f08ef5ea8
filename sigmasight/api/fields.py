"""Serializer fields shared by the API's inputs."""

from __future__ import annotations

import math
from typing import Any

from rest_framework import serializers


def _unstorable(value: Any, path: str) -> str | None:
    """Where ``value`` holds what a PostgreSQL ``jsonb`` column refuses: a NUL character in a key or
    a string (``\\u0000``), or a number that is not finite (no JSON spelling); None when it is fine."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, float):
        return None if math.isfinite(value) else path
    if isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in str(key):
                return path
            found = _unstorable(item, f"{path}.{key}")
            if found:
                return found
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _unstorable(item, f"{path}[{i}]")
            if found:
                return found
    return None


class StorableJSONObjectField(serializers.DictField):
    """A free-form JSON object stored as it is (a ``JSONField``): one with a NUL character or a
    non-finite number anywhere is a 400 naming where, instead of a database error (a 500)."""

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        value = super().to_internal_value(data)
        where = _unstorable(value, self.field_name or "value")
        if where:
            raise serializers.ValidationError(
                f"Cannot store {where}: no NUL characters (\\u0000) and only finite numbers."
            )
        return value
