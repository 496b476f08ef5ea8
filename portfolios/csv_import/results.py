"""What reading a positions CSV produces: the decoded table, the parsed rows, the report and its issues.

Parsed rows are stored as JSON (:meth:`ParsedRow.to_json`: Decimals as strings, dates ISO) so that
``complete`` writes exactly what was validated and previewed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class RowIssue:
    """One problem (error or warning): the spreadsheet row (None for the whole file), the CSV
    column (None when not about one column) and a sentence saying what to fix."""

    row: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


class CsvFileError(ValueError):
    """The file as a whole cannot be read. ``code``: ``empty``, ``binary``, ``encoding``,
    ``malformed``, ``header``, ``no_rows``, ``too_large`` or ``too_many_rows``; ``limit`` is the
    limit exceeded (bytes or rows) for the last two."""

    def __init__(self, code: str, message: str, *, limit: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.limit = limit

    @property
    def too_large(self) -> bool:
        """True for the size and row-count limits (HTTP 413), False for unreadable files (400)."""
        return self.code in ("too_large", "too_many_rows")


@dataclass(frozen=True)
class CsvTable:
    """A decoded CSV: the used columns (canonical name -> cell index) and the non-blank data rows
    as ``(spreadsheet row number, cells)``."""

    encoding: str
    delimiter: str
    columns: dict[str, int]
    rows: list[tuple[int, list[str]]]
    warnings: list[RowIssue] = field(default_factory=list)


@dataclass
class ParsedRow:
    """A valid position row: ``fields`` are :func:`position_clean`'s model values (Decimals and
    dates; ``symbol`` normalized, options under their padded OCC symbol), plus tag names."""

    row: int
    fields: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    strategies: list[str] = field(default_factory=list)

    @property
    def symbol(self) -> str:
        return str(self.fields["symbol"])

    @property
    def key(self) -> tuple[str, dt.date]:
        """What identifies a lot within a portfolio: a re-import updates the lot with this key."""
        return self.symbol, self.fields["entry_date"]

    @property
    def is_option(self) -> bool:
        return bool(self.fields.get("option_type"))

    @property
    def lookup_symbol(self) -> str:
        """The symbol that must be known to the security master or provider: the underlying for
        an option (its contract is checked by the OCC rules), the symbol itself otherwise."""
        return str(self.fields["underlying_symbol"]) if self.is_option else self.symbol

    def to_json(self) -> dict[str, Any]:
        """JSON-safe form (Decimals as strings: exact; dates ISO) for storage."""
        return {
            "row": self.row,
            "fields": {name: _to_json(value) for name, value in self.fields.items()},
            "tags": list(self.tags),
            "strategies": list(self.strategies),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ParsedRow:
        fields = {name: _from_json(name, value) for name, value in data["fields"].items()}
        return cls(
            row=int(data["row"]), fields=fields, tags=list(data["tags"]), strategies=list(data["strategies"])
        )


@dataclass
class ParseResult:
    """The validation report of a file: valid rows, the cash row, errors and warnings."""

    rows_total: int
    rows: list[ParsedRow] = field(default_factory=list)
    cash_balance: Decimal | None = None
    cash_row: int | None = None
    errors: list[RowIssue] = field(default_factory=list)
    warnings: list[RowIssue] = field(default_factory=list)
    encoding: str = "utf-8"
    columns: list[str] = field(default_factory=list)

    @property
    def rows_invalid(self) -> int:
        """Distinct rows with at least one error (file-level errors have no row)."""
        return len({e.row for e in self.errors if e.row is not None})

    @property
    def rows_valid(self) -> int:
        return self.rows_total - self.rows_invalid

    @property
    def ok(self) -> bool:
        return not self.errors

    def lookup_symbols(self) -> dict[str, list[int]]:
        """Symbol to check -> rows using it (stocks: the symbol; options: the underlying)."""
        out: dict[str, list[int]] = {}
        for parsed in self.rows:
            out.setdefault(parsed.lookup_symbol, []).append(parsed.row)
        return out


def issues_as_dicts(issues: Iterable[RowIssue]) -> list[dict[str, Any]]:
    return [issue.as_dict() for issue in issues]


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)  # TextChoices members (position_type) become their plain value
    return value


_DECIMAL_FIELDS = frozenset({"quantity", "entry_price", "exit_price", "strike_price"})
_DATE_FIELDS = frozenset({"entry_date", "exit_date", "expiration_date"})


def _from_json(name: str, value: Any) -> Any:
    if value is None:
        return None
    if name in _DECIMAL_FIELDS:
        return Decimal(value)
    if name in _DATE_FIELDS:
        return dt.date.fromisoformat(value)
    return value
