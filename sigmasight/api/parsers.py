"""JSON request bodies with a nesting limit (docs/api-conventions.md "Request limits").

Python's JSON decoder recurses once per nested array or object, so a body nested ~1,000 levels deep
raised ``RecursionError`` (a 500) on every endpoint, anonymous /auth/login included. Every JSON body
is scanned first: nesting deeper than :data:`MAX_JSON_DEPTH` is a 400 ``VALIDATION_ERROR`` before the
decoder runs. No endpoint of the API takes more than a few levels (a position list inside a body).
"""

from __future__ import annotations

import codecs
import re
from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.settings import api_settings
from rest_framework.utils import json

#: Deepest nesting of arrays/objects accepted in a JSON body.
MAX_JSON_DEPTH = 64
#: A JSON string (skipped: brackets inside strings do not nest) or one bracket.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_OPENING = frozenset("[{")
_CLOSING = frozenset("]}")


def json_depth(text: str, limit: int = MAX_JSON_DEPTH) -> int:
    """The nesting depth of the JSON text ``text`` (0 for a scalar), counted without decoding it.

    Stops counting as soon as ``limit`` is exceeded (returns ``limit + 1``). Unbalanced or otherwise
    malformed text is left to the decoder, which reports it.
    """
    depth = deepest = 0
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in _OPENING:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif token in _CLOSING:
            depth -= 1
    return deepest


def depth_error_message(limit: int = MAX_JSON_DEPTH) -> str:
    return f"JSON parse error - nested deeper than {limit} levels."


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies nested deeper than :data:`MAX_JSON_DEPTH` (400)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = parsers.get_encoding(parser_context or {})  # refuses bytes-to-bytes codecs (bz2...)
        try:
            text = codecs.getreader(encoding)(stream).read()
        except (ValueError, LookupError) as exc:  # undecodable bytes, unknown charset
            raise ParseError(f"JSON parse error - {exc}") from exc
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(depth_error_message())
        try:
            parse_constant = json.strict_constant if api_settings.STRICT_JSON else None
            return json.loads(text, parse_constant=parse_constant)
        except ValueError as exc:
            raise ParseError(f"JSON parse error - {exc}") from exc
