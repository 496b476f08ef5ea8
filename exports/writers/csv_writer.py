"""Rows of dicts -> CSV bytes (UTF-8, one header row), every text cell through
:func:`sigmasight.api.csv_safety.csv_safe` (formula injection); numbers are written as numbers."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sigmasight.api.csv_safety import csv_safe

__all__ = ["LIST_SEPARATOR", "csv_bytes", "csv_cell"]

#: How a list value (tags) is joined in one cell.
LIST_SEPARATOR = ";"


def csv_cell(value: Any) -> Any:
    """One cell: None -> empty, dates ISO, lists joined with ``;``, text neutralized, numbers as is."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    elif isinstance(value, dt.date):
        return value.isoformat()
    elif isinstance(value, bool):
        return "true" if value else "false"
    return csv_safe(value) if isinstance(value, str) else value


def csv_bytes(*, columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A header row of ``columns``, then one line per row (missing keys empty), CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_cell(name) for name in columns])
    writer.writerows([csv_cell(row.get(name)) for name in columns] for row in rows)
    return out.getvalue().encode("utf-8")
