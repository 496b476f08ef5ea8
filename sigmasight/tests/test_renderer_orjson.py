"""The orjson renderer writes what the standard-library renderer wrote (issue 15)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_lazy

from sigmasight.api import renderers
from sigmasight.api.renderers import JSONRenderer


def _stdlib(data: object) -> bytes:
    """The renderer before orjson: json.dumps through APIJSONEncoder, non-finite -> null."""
    kwargs = {
        "cls": renderers.APIJSONEncoder,
        "allow_nan": False,
        "ensure_ascii": False,
        "separators": (",", ":"),
    }
    try:
        return json.dumps(data, **kwargs).encode()
    except ValueError:
        return json.dumps(renderers._finite(data), **kwargs).encode()


PAYLOAD = {
    "id": uuid.UUID(int=7),
    "as_of_date": dt.date(2026, 11, 20),
    "calculated_at": dt.datetime(2026, 11, 24, 11, 5, 0, 123999, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    "money": Decimal("1234.50"),
    "unknown": Decimal("NaN"),
    "numpy": [np.float64(0.25), np.int64(3), np.bool_(True), np.float64("nan")],
    "floats": [0.1, -0.0, 2.675, 123456789.125, float("inf"), None],
    "text": "Zürich — 東京 \u2028",
    "nested": {"a": [{"b": (1, 2)}], 3: "int key", "lazy": gettext_lazy("Not found.")},
}


def test_same_document_as_the_standard_library() -> None:
    rendered = JSONRenderer().render(PAYLOAD)

    assert json.loads(rendered) == json.loads(_stdlib(PAYLOAD))
    assert json.loads(rendered)["calculated_at"] == "2026-11-24T16:05:00.123Z"
    assert json.loads(rendered)["numpy"] == [0.25, 3, True, None]


def test_same_bytes_for_ordinary_numbers() -> None:
    data = {"x": [1.5, 100.25, -3.0, 0.000123, 1e21, 12], "s": 'a"b\\c\n', "d": None, "t": True}

    assert JSONRenderer().render(data) == _stdlib(data)


def test_what_orjson_refuses_falls_back() -> None:
    data = {"big": 2**70, "x": 1.5}

    assert JSONRenderer().render(data) == _stdlib(data) == b'{"big":1180591620717411303424,"x":1.5}'
