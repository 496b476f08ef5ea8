"""JSON rendering: timestamps as UTC ``...T..:..:..mmmZ``, decimals as numbers, NaN/inf as null.

The renderer writes with orjson (issue 15: a 1,000-position response is ~10x faster to encode than
with the standard library), with the same output as ``json.dumps(..., separators=(",", ":"),
ensure_ascii=False)`` through :class:`APIJSONEncoder` up to the spelling of some floats (orjson
writes ``1e-05`` as ``0.00001``: the same number). Anything orjson refuses (an integer beyond 64
bits, a lone surrogate) falls back to the standard library path.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
import math
from typing import Any

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder


def format_timestamp(value: dt.datetime) -> str:
    """UTC ISO 8601 with milliseconds and ``Z``: ``2026-11-24T16:05:00.123Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class APIJSONEncoder(JSONEncoder):
    def default(self, obj: Any) -> Any:
        if isinstance(obj, dt.datetime):
            return format_timestamp(obj)
        if isinstance(obj, decimal.Decimal):
            return float(obj) if obj.is_finite() else None
        if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
            value = obj.item()
            return None if isinstance(value, float) and not math.isfinite(value) else value
        return super().default(obj)


def _finite(obj: Any) -> Any:
    """Replaces non-finite floats with None, recursively (slow path, used only when needed)."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_finite(v) for v in obj]
    return obj


_ENCODER = APIJSONEncoder()
#: datetimes go to ``default`` (our millisecond ``Z`` format, dates as ISO dates); non-string keys
#: are written as strings as the standard library does.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS


def _orjson_default(obj: Any) -> Any:
    return _ENCODER.default(obj)


class JSONRenderer(renderers.JSONRenderer):
    encoder_class = APIJSONEncoder
    strict = True

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        if data is None:
            return b""
        try:
            return orjson.dumps(data, default=_orjson_default, option=_ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, ValueError):
            pass
        try:
            return json.dumps(
                data, cls=self.encoder_class, allow_nan=False, ensure_ascii=False, separators=(",", ":")
            ).encode()
        except ValueError:
            return json.dumps(
                _finite(data),
                cls=self.encoder_class,
                allow_nan=False,
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode()
