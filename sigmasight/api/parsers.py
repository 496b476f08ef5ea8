"""JSON request bodies with a nesting limit (docs/api-conventions.md "Request limits").

Python's JSON decoder recurses once per nested array or object, so a body nested ~1,000 levels deep
raised ``RecursionError`` (a 500) on every endpoint, anonymous /auth/login included. Here the
decoder's ``RecursionError`` and any nesting deeper than :data:`MAX_JSON_DEPTH` are a 400
``VALIDATION_ERROR``. No endpoint of the API takes more than a few levels (a position list inside a
body). Counting on the decoded value, level by level, costs about a quarter of the decoding (a
165 KB body of 1,000 positions); a scan of the text cost four times the decoding.
"""

from __future__ import annotations

import codecs
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

#: Deepest nesting of arrays/objects accepted in a JSON body.
MAX_JSON_DEPTH = 64
DEPTH_MESSAGE = f"JSON parse error - nested deeper than {MAX_JSON_DEPTH} levels."


def json_depth(value: Any, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of a decoded JSON value (0 for a scalar, 1 for ``[]`` or ``{"a": 1}``).

    Level by level (no recursion of its own; the decoder yields only exact ``dict``/``list``
    containers); stops as soon as ``limit`` is exceeded (returns ``limit + 1``).
    """
    level = [value] if type(value) in (dict, list) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return depth
        deeper = []
        for item in level:
            for child in item.values() if type(item) is dict else item:
                kind = type(child)
                if kind is dict or kind is list:
                    deeper.append(child)
        level = deeper
    return depth


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than :data:`MAX_JSON_DEPTH` (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        # DRF's charset rule (refuses bytes-to-bytes codecs such as bz2); not in its type stubs yet
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
        try:
            text = codecs.getreader(encoding)(stream).read()
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError as exc:  # the decoder's own stack: thousands of levels
            raise ParseError(DEPTH_MESSAGE) from exc
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(DEPTH_MESSAGE)
        return data
