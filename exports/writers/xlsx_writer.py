"""Sheets of typed columns -> XLSX bytes (openpyxl, write-only mode: fast for big books).

Every sheet has a bold header row, frozen, then one row per record. Numbers are stored as numbers
(never text) with a number format per column kind; dates as dates; text through
:func:`sigmasight.api.csv_safety.csv_safe`, so a cell starting with ``= + - @``, a tab or a CR is
shown as typed instead of run as a formula. Column widths follow the header and the values.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from exports.writers.csv_writer import LIST_SEPARATOR
from sigmasight.api.csv_safety import csv_safe

__all__ = ["NUMBER_FORMATS", "Column", "Sheet", "xlsx_bytes"]

#: Number format of each column kind. ``percent`` cells hold fractions (0.12 shows as 12.00 %).
NUMBER_FORMATS: dict[str, str] = {
    "money": "#,##0.00",
    "price": "#,##0.00##",
    "quantity": "#,##0.######",
    "integer": "0",
    "percent": "0.00%",
    "greek": "0.0000",
    "ratio": "0.0000",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}
_WHOLE_QUANTITY = "#,##0"
_NUMERIC_WIDTH = 14
_MAX_WIDTH = 60


@dataclass(frozen=True)
class Column:
    """One column: ``key`` of the record, ``header`` text, ``kind`` (a key of
    :data:`NUMBER_FORMATS` or ``text``) and ``scale`` applied to numbers before writing (0.01 turns
    an API ``*_percent`` value, in percent, into the fraction a ``percent`` cell holds).
    ``kind_key``: a record key whose value, when present, overrides ``kind`` for that row (a
    key/value table mixing money, counts and dates in one column)."""

    key: str
    header: str
    kind: str = "text"
    scale: float = 1.0
    kind_key: str | None = None

    def kind_of(self, record: Mapping[str, Any]) -> str:
        if self.kind_key is not None:
            return str(record.get(self.kind_key) or self.kind)
        return self.kind


@dataclass(frozen=True)
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Sequence[Mapping[str, Any]]


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The workbook of ``sheets`` in order (at least one).

    Each numeric column writes through one styled cell per number format, reused row after row (a
    write-only sheet serializes a row as it is appended), which keeps big books fast.
    """
    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title)
        ws.freeze_panes = "A2"
        kinds = [[column.kind_of(record) for column in sheet.columns] for record in sheet.rows]
        values = [
            [_value(record.get(column.key), column) for column in sheet.columns] for record in sheet.rows
        ]
        for i, width in enumerate(_widths(sheet.columns, values), start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=csv_safe(column.header))
            cell.font = bold
            header.append(cell)
        ws.append(header)
        styled: dict[tuple[int, str], WriteOnlyCell] = {}
        for row_kinds, row_values in zip(kinds, values, strict=True):
            ws.append(
                [
                    _cell(ws, styled, i, kind, value)
                    for i, (kind, value) in enumerate(zip(row_kinds, row_values, strict=True))
                ]
            )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _cell(ws: Any, styled: dict[tuple[int, str], WriteOnlyCell], column: int, kind: str, value: Any) -> Any:
    """A plain value (text, empty), or the column's reused cell carrying the number format of
    ``kind`` (one per column and format: a row is serialized only once all its cells are set)."""
    if value is None or isinstance(value, str) or kind not in NUMBER_FORMATS:
        return value
    number_format = _format(kind, value)
    cell = styled.get((column, number_format))
    if cell is None:
        cell = styled[column, number_format] = WriteOnlyCell(ws)
        cell.number_format = number_format
    cell.value = value
    return cell


def _widths(columns: Sequence[Column], values: Sequence[Sequence[Any]]) -> list[int]:
    """Column widths in characters: the header, the longest text value (at most 60), numbers 14."""
    widths = [max(len(c.header) + 2, 8 if c.kind == "text" else _NUMERIC_WIDTH) for c in columns]
    for row in values:
        for i, value in enumerate(row):
            if isinstance(value, str) and len(value) + 2 > widths[i]:
                widths[i] = min(len(value) + 2, _MAX_WIDTH)
    return widths


def _value(value: Any, column: Column) -> Any:
    """The cell value: numbers scaled (non-finite -> empty), aware datetimes as naive UTC (Excel has
    no time zones), lists joined with ``;``, other values as text through ``csv_safe``."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value) * column.scale if column.scale != 1.0 else value
        return number if math.isfinite(number) else None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (list, tuple)):
        value = LIST_SEPARATOR.join(str(v) for v in value)
    return csv_safe(str(value))


def _format(kind: str, value: Any) -> str:
    if kind == "quantity" and isinstance(value, (int, float)) and float(value).is_integer():
        return _WHOLE_QUANTITY
    return NUMBER_FORMATS[kind]
