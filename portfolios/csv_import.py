"""CSV import of positions: decoding, file checks and the per-row validation report.

Pure: no ORM, settings, clock or network. ``today`` and the limits are arguments; whether a ticker
exists is decided by the caller (security master, provider) and fed back with
:func:`add_unknown_symbol_errors`. The position rules themselves (sign, prices, dates, OCC symbols,
position type, multiplier) are :func:`portfolios.validation.position_clean`'s, never repeated here.

The file format (documented for users in the README and in ``GET /portfolio/templates``):

- A header row is required; column names are case-insensitive (surrounding blanks ignored, inner
  blanks or hyphens read as ``_``: ``Entry Price`` = ``entry_price``). Required: ``ticker,
  quantity, entry_price, entry_date``; optional: ``tags`` (comma-separated names, quote the cell:
  ``"Core,Tech"``), ``strategy`` (strategy tag names, comma-separated too), ``exit_date``,
  ``exit_price``. Any other column is ignored with a warning. The delimiter is ``,`` (``;`` or a tab
  are detected from the header, as written by European spreadsheets).
- ``ticker``: a stock/ETF/fund symbol, or an OCC option symbol, padded (``AAPL  251219C00150000``)
  or not (``AAPL251219C00150000``). ``quantity``: signed (negative = short), contracts for options.
  ``entry_price``/``exit_price``: per share, > 0. Dates: ``YYYY-MM-DD``, not in the future.
  Numbers may use ``,`` thousands separators (``1,250.50``, quoted).
- A row whose ticker is ``CASH`` sets the portfolio's cash balance to its ``quantity`` (USD, at
  most 2 decimals; ``entry_price`` blank or 1) and is not a position. At most one.
- Encoding: UTF-8 with or without a BOM (UTF-16 with a BOM too). A file that is not valid UTF-8 is
  read as Windows-1252/Latin-1 (what Excel writes for "CSV (Comma delimited)") and a warning says
  so: tickers and numbers are ASCII either way, only accented tag names could be misread.
- Limits: ``max_bytes`` and ``max_rows`` data rows (settings ``CSV_UPLOAD_MAX_BYTES`` = 10 MB,
  ``CSV_UPLOAD_MAX_ROWS`` = 10,000); beyond them the file is refused (HTTP 413).
- Rows are numbered like a spreadsheet: the header's row is 1 when it is the first line. Blank rows
  are skipped (but counted in the numbering).
- Every problem of a row is reported as ``{row, field, message}`` (``field`` is the CSV column).
  Besides the position rules: unparsable numbers and dates, too many decimals, duplicate rows (same
  ticker and entry_date: a re-import updates by that key, so it must be unique), and text cells
  that a spreadsheet would run as a formula: starting with ``=`` or ``@``, or with ``+``/``-``
  followed by something other than a digit (``-100`` is a number, ``-cmd`` is not).

File-level problems (empty, binary, no header, missing columns, header only, too large) raise
:class:`CsvFileError`; row-level ones are collected in :class:`ParseResult`.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from portfolios.validation import PositionInvalid, position_clean, tag_name_clean

REQUIRED_COLUMNS: tuple[str, ...] = ("ticker", "quantity", "entry_price", "entry_date")
OPTIONAL_COLUMNS: tuple[str, ...] = ("tags", "strategy", "exit_date", "exit_price")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CASH_TICKER = "CASH"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 10_000
#: Decimal places the position columns store (Position: max_digits=20, decimal_places=6).
MAX_DECIMALS = 6
MAX_INTEGER_DIGITS = 14
CASH_DECIMALS = 2

_DELIMITERS = (",", ";", "\t")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
_BINARY_SIGNATURES: dict[bytes, str] = {
    b"PK\x03\x04": "an Excel workbook (.xlsx) or a zip archive",
    b"\xd0\xcf\x11\xe0": "an Excel 97-2003 workbook (.xls)",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"\x1f\x8b": "a gzip archive",
}
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SAVE_AS_CSV = "Save the sheet as 'CSV UTF-8 (comma delimited)' and upload that file."
#: The position_clean fields and the CSV column each one comes from.
_COLUMN_OF_FIELD = {
    "symbol": "ticker",
    "underlying_symbol": "ticker",
    "option_type": "ticker",
    "strike_price": "ticker",
    "expiration_date": "ticker",
    "quantity": "quantity",
    "entry_price": "entry_price",
    "entry_date": "entry_date",
    "exit_price": "exit_price",
    "exit_date": "exit_date",
}


# Results -------------------------------------------------------------------------------------------


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


# Entry points --------------------------------------------------------------------------------------


def parse_csv(
    data: bytes,
    *,
    today: dt.date,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_rows: int = DEFAULT_MAX_ROWS,
) -> ParseResult:
    """Reads and validates a positions CSV (see the module docstring). Raises :class:`CsvFileError`
    for a file that cannot be read at all; row problems are in the result."""
    return parse_positions(read_csv(data, max_bytes=max_bytes, max_rows=max_rows), today=today)


def read_csv(
    data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_rows: int = DEFAULT_MAX_ROWS
) -> CsvTable:
    """Decodes the bytes, finds the header and the columns, and splits the data rows.

    Raises :class:`CsvFileError` for an empty, binary, too large or headerless file, missing
    required columns, or a header without data rows.
    """
    if len(data) > max_bytes:
        raise CsvFileError(
            "too_large",
            f"The file is {len(data):,} bytes; the limit is {_size(max_bytes)} ({max_bytes:,} bytes). "
            "Split it into several files.",
            limit=max_bytes,
        )
    text, encoding, warnings = decode(data)
    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    header: list[str] | None = None
    header_row = 0
    rows: list[tuple[int, list[str]]] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if not any(cell.strip() for cell in cells):
                continue
            if header is None:
                header, header_row = cells, number
                continue
            rows.append((number, cells))
            if len(rows) > max_rows:
                raise CsvFileError(
                    "too_many_rows",
                    f"The file has more than {max_rows:,} data rows; the limit is {max_rows:,} rows. "
                    "Split it into several files.",
                    limit=max_rows,
                )
    except csv.Error as exc:
        raise CsvFileError("malformed", f"The CSV is malformed near line {reader.line_num}: {exc}.") from None
    if header is None:
        raise CsvFileError("empty", "The file is empty: it has no header row and no data.")
    columns, header_warnings = _columns(header, header_row)
    if not rows:
        raise CsvFileError(
            "no_rows", "The file has a header row but no data rows: add one row per position (and CASH)."
        )
    for number, cells in rows:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header) :]):
            header_warnings.append(
                RowIssue(
                    number,
                    None,
                    f"The row has {len(cells) - len(header)} more cell(s) than the header; ignored.",
                )
            )
    return CsvTable(
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        rows=rows,
        warnings=warnings + header_warnings,
    )


def parse_positions(table: CsvTable, *, today: dt.date) -> ParseResult:
    """Validates every data row of ``table`` against the position rules (as of ``today``)."""
    result = ParseResult(
        rows_total=len(table.rows),
        warnings=list(table.warnings),
        encoding=table.encoding,
        columns=[c for c in COLUMNS if c in table.columns],
    )
    seen: dict[tuple[str, dt.date], int] = {}
    for number, cells in table.rows:
        values = {name: _cell(cells, index) for name, index in table.columns.items()}
        errors: list[RowIssue] = []
        formula_columns = _formula_cells(number, values, errors)
        usable = {name: value for name, value in values.items() if name not in formula_columns}
        if values.get("ticker", "").upper() == CASH_TICKER:
            _cash_row(number, usable, formula_columns, result, errors, today)
            result.errors.extend(errors)
            continue
        parsed = _position_row(number, usable, formula_columns, errors, today)
        if parsed is not None:
            first = seen.setdefault(parsed.key, number)
            if first != number:
                errors.append(
                    RowIssue(
                        number,
                        "ticker",
                        f"Duplicate of row {first}: the same ticker and entry_date. A lot is identified by "
                        "ticker + entry_date (a re-import updates it): merge the rows or fix the date.",
                    )
                )
        if errors:
            result.errors.extend(errors)
        elif parsed is not None:
            result.rows.append(parsed)
            _expiry_warning(parsed, today, result.warnings)
    return result


def add_unknown_symbol_errors(result: ParseResult, unknown: Mapping[str, str]) -> None:
    """Turns the rows whose :attr:`ParsedRow.lookup_symbol` is in ``unknown`` (symbol -> reason)
    into ``ticker`` errors and drops them from the valid rows."""
    if not unknown:
        return
    kept: list[ParsedRow] = []
    for parsed in result.rows:
        reason = unknown.get(parsed.lookup_symbol)
        if reason is None:
            kept.append(parsed)
            continue
        what = f"underlying {parsed.lookup_symbol!r} of the option" if parsed.is_option else "ticker"
        result.errors.append(
            RowIssue(
                parsed.row,
                "ticker",
                f"Unknown {what} {parsed.lookup_symbol!r}: neither the security master nor the market-data "
                f"provider knows it ({reason}). Check the spelling.",
            )
        )
    result.rows = kept
    result.errors.sort(key=lambda e: (e.row or 0, COLUMNS.index(e.field) if e.field in COLUMNS else 99))


def is_formula(text: str) -> bool:
    """True for text a spreadsheet would evaluate: starting (after blanks) with ``=`` or ``@``, or
    with ``+``/``-`` followed by something other than a digit or ``.digit`` (``-100`` and ``-.5`` are
    numbers, a lone ``-`` is just a dash)."""
    stripped = text.lstrip()
    if not stripped:
        return False
    if stripped[0] in "=@":
        return True
    if stripped[0] in "+-" and len(stripped) > 1:
        rest = stripped[1:]
        return not (rest[0].isdigit() or (rest[0] == "." and rest[1:2].isdigit()))
    return False


# Decoding ------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str, list[RowIssue]]:
    """``(text, encoding, warnings)``: UTF-8 (BOM optional), UTF-16 with a BOM, else Windows-1252 /
    Latin-1 with a warning. Raises :class:`CsvFileError` for empty or binary content."""
    if not data.strip():
        raise CsvFileError("empty", "The file is empty.")
    for signature, kind in _BINARY_SIGNATURES.items():
        if data.startswith(signature):
            raise CsvFileError("binary", f"This is {kind}, not a CSV text file. {_SAVE_AS_CSV}")
    warnings: list[RowIssue] = []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text, encoding = _strict_decode(data, "utf-16", "UTF-16"), "utf-16"
    elif data.startswith(codecs.BOM_UTF8):
        text, encoding = _strict_decode(data[len(codecs.BOM_UTF8) :], "utf-8", "UTF-8"), "utf-8-sig"
    else:
        if b"\x00" in data:
            raise CsvFileError(
                "binary", f"The file contains binary data (NUL bytes), not CSV text. {_SAVE_AS_CSV}"
            )
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "windows-1252"
            except UnicodeDecodeError:
                text, encoding = data.decode("latin-1"), "latin-1"
            warnings.append(
                RowIssue(
                    None,
                    None,
                    f"The file is not UTF-8; it was read as {'Windows-1252' if encoding == 'windows-1252' else 'Latin-1'} "
                    "(Latin-1). Check accented tag or strategy names, or save it as 'CSV UTF-8'.",
                )
            )
    _reject_binary_text(text)
    if not text.strip():
        raise CsvFileError("empty", "The file is empty.")
    return text, encoding, warnings


def _strict_decode(data: bytes, codec: str, label: str) -> str:
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise CsvFileError(
            "encoding",
            f"The file starts with a {label} byte-order mark but is not valid {label} (byte {exc.start}).",
        ) from None


def _reject_binary_text(text: str) -> None:
    """Binary garbage decoded as Latin-1 is full of control characters; CSV text has none."""
    controls = len(_CONTROL_CHARS.findall(text))
    if "\x00" in text or controls > max(2, len(text) // 100):
        raise CsvFileError("binary", f"The file looks like binary data, not CSV text. {_SAVE_AS_CSV}")


# Header --------------------------------------------------------------------------------------------


def normalize_column(name: str) -> str:
    """``" Entry Price "`` -> ``entry_price``: case, blanks and hyphens do not matter."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())


def _detect_delimiter(text: str) -> str:
    """The delimiter that splits the header into the most known column names (``,`` on ties)."""
    first = next((line for line in io.StringIO(text) if line.strip()), "")
    best, best_score = ",", -1
    for delimiter in _DELIMITERS:
        cells = next(csv.reader([first], delimiter=delimiter), [])
        score = sum(1 for c in cells if normalize_column(c) in COLUMNS)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _columns(header: list[str], row: int) -> tuple[dict[str, int], list[RowIssue]]:
    columns: dict[str, int] = {}
    warnings: list[RowIssue] = []
    for index, raw in enumerate(header):
        name = normalize_column(raw)
        if not name:
            warnings.append(RowIssue(row, None, f"Column {index + 1} has no name; it was ignored."))
        elif name in columns:
            raise CsvFileError(
                "header",
                f"The column {name!r} appears twice in the header (columns {columns[name] + 1} and {index + 1}).",
            )
        elif name in COLUMNS:
            columns[name] = index
        else:
            warnings.append(
                RowIssue(row, raw.strip(), f"Column {raw.strip()!r} is not used and was ignored.")
            )
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        found = ", ".join(repr(c.strip()) for c in header if c.strip()) or "none"
        raise CsvFileError(
            "header",
            f"Missing required column(s): {', '.join(missing)}. The first row must be a header with "
            f"{', '.join(REQUIRED_COLUMNS)} (any order, any case; optional: {', '.join(OPTIONAL_COLUMNS)}). "
            f"Found: {found}.",
        )
    return columns, warnings


# Rows ----------------------------------------------------------------------------------------------


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip() if index < len(cells) else ""


def _formula_cells(number: int, values: Mapping[str, str], errors: list[RowIssue]) -> set[str]:
    """Columns holding a spreadsheet formula (the whole cell, or one of its comma-separated tags)."""
    found: set[str] = set()
    for name, value in values.items():
        pieces = [value] + (value.split(",") if name in ("tags", "strategy") else [])
        bad = next((p.strip() for p in pieces if is_formula(p)), None)
        if bad is not None:
            found.add(name)
            errors.append(
                RowIssue(
                    number,
                    name,
                    f"{_clip(bad)!r} looks like a spreadsheet formula (starts with {bad[0]!r}); formulas are "
                    "not accepted: type the value itself.",
                )
            )
    return found


def _position_row(
    number: int, values: Mapping[str, str], skip: set[str], errors: list[RowIssue], today: dt.date
) -> ParsedRow | None:
    bad: set[str] = set(skip)
    data: dict[str, Any] = {"symbol": values.get("ticker", "")}
    for name in ("quantity", "entry_price", "exit_price"):
        data[name] = _number(number, name, values.get(name, ""), errors, bad, MAX_DECIMALS)
    for name in ("entry_date", "exit_date"):
        data[name] = _date(number, name, values.get(name, ""), errors, bad)
    tags = _names(number, "tags", values.get("tags", ""), errors, bad)
    strategies = _names(number, "strategy", values.get("strategy", ""), errors, bad)
    try:
        fields = position_clean(data, today=today)
    except PositionInvalid as exc:
        reported: set[tuple[str, str]] = set()
        for name, messages in exc.errors.items():
            column = _COLUMN_OF_FIELD.get(name, name)
            if column in bad:
                continue  # already reported as unparsable: "required" would only repeat it
            for message in messages:
                if (column, message) not in reported:
                    reported.add((column, message))
                    errors.append(RowIssue(number, column, _column_message(name, column, message)))
        return None
    if bad or errors:
        return None
    return ParsedRow(row=number, fields=fields, tags=tags, strategies=strategies)


def _cash_row(
    number: int,
    values: Mapping[str, str],
    skip: set[str],
    result: ParseResult,
    errors: list[RowIssue],
    today: dt.date,
) -> None:
    """The CASH row: ``quantity`` is the cash balance (USD); entry_price blank or 1; no exit.
    Columns in ``skip`` were already reported (formulas)."""
    bad: set[str] = set(skip)
    if result.cash_row is not None:
        errors.append(
            RowIssue(number, "ticker", f"Only one CASH row is allowed (the first is row {result.cash_row}).")
        )
        return
    raw = values.get("quantity", "")
    balance = _number(number, "quantity", raw, errors, bad, CASH_DECIMALS)
    if not raw and "quantity" not in bad:
        errors.append(RowIssue(number, "quantity", "The CASH row needs the cash balance (USD) in quantity."))
    price = _number(number, "entry_price", values.get("entry_price", ""), errors, bad, MAX_DECIMALS)
    if price is not None and price != 1:
        errors.append(RowIssue(number, "entry_price", "The CASH row's entry_price must be 1 (or blank)."))
    entry = _date(number, "entry_date", values.get("entry_date", ""), errors, bad)
    if entry is not None and entry > today:
        errors.append(
            RowIssue(number, "entry_date", f"Must not be in the future (today is {today.isoformat()}).")
        )
    for name in ("exit_date", "exit_price"):
        if values.get(name):
            errors.append(
                RowIssue(number, name, "The CASH row has no exit: leave exit_date and exit_price blank.")
            )
    if any(values.get(name) for name in ("tags", "strategy")):
        result.warnings.append(RowIssue(number, "tags", "Tags on the CASH row are ignored."))
    if not errors and balance is not None:
        result.cash_balance, result.cash_row = balance, number


def _number(
    number: int,
    column: str,
    text: str,
    errors: list[RowIssue],
    bad: set[str],
    decimals: int,
) -> Decimal | None:
    """A Decimal from ``1234.5``, ``-100``, ``1,250.50``; None for a blank cell."""
    if not text:
        return None
    cleaned = text.replace(",", "") if _THOUSANDS.match(text) else text
    if not _NUMBER.match(cleaned):
        errors.append(RowIssue(number, column, f"{_clip(text)!r} is not a number."))
        bad.add(column)
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the regex only lets decimals through
        errors.append(RowIssue(number, column, f"{_clip(text)!r} is not a number."))
        bad.add(column)
        return None
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > decimals:
        errors.append(RowIssue(number, column, f"{text} has more than {decimals} decimal places."))
        bad.add(column)
        return None
    if abs(value) >= Decimal(10) ** MAX_INTEGER_DIGITS:
        errors.append(RowIssue(number, column, f"{text} is too large."))
        bad.add(column)
        return None
    return value


def _date(number: int, column: str, text: str, errors: list[RowIssue], bad: set[str]) -> dt.date | None:
    if not text:
        return None
    if not _DATE.match(text):
        errors.append(
            RowIssue(number, column, f"{_clip(text)!r} is not a date: use YYYY-MM-DD (e.g. 2025-03-14).")
        )
        bad.add(column)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.append(RowIssue(number, column, f"{text} is not a valid calendar date."))
        bad.add(column)
        return None


def _names(number: int, column: str, text: str, errors: list[RowIssue], bad: set[str]) -> list[str]:
    """Comma-separated tag names, trimmed, without duplicates (order kept)."""
    if column in bad or not text:
        return []
    names: list[str] = []
    for piece in text.split(","):
        if not piece.strip():
            continue
        try:
            name = tag_name_clean(piece)
        except ValueError as exc:
            errors.append(RowIssue(number, column, f"{_clip(piece.strip())!r}: {exc}"))
            bad.add(column)
            continue
        if name not in names:
            names.append(name)
    return names


def _column_message(name: str, column: str, message: str) -> str:
    """position_clean's message, naming the OCC part when the field is one (e.g. the strike)."""
    if column == "ticker" and name not in ("symbol", "ticker"):
        return f"{name.replace('_', ' ')}: {message}"
    return message


def _expiry_warning(parsed: ParsedRow, today: dt.date, warnings: list[RowIssue]) -> None:
    expiry = parsed.fields.get("expiration_date")
    if expiry is not None and expiry < today and parsed.fields.get("exit_date") is None:
        warnings.append(
            RowIssue(
                parsed.row,
                "ticker",
                f"The option expired on {expiry.isoformat()} and has no exit: give exit_date and exit_price "
                "to record how it closed.",
            )
        )


# Helpers -------------------------------------------------------------------------------------------


def issues_as_dicts(issues: Iterable[RowIssue]) -> list[dict[str, Any]]:
    return [issue.as_dict() for issue in issues]


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _size(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    return f"{mb:g} MB" if n_bytes >= 1024 * 1024 else f"{n_bytes:,} bytes"


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
