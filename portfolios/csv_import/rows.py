"""The per-row validation report of a positions CSV: numbers, dates, tag names, formulas, the CASH
row, duplicates, then the position rules (:func:`portfolios.validation.position_clean`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from portfolios.csv_import.columns import (
    CASH_DECIMALS,
    CASH_TICKER,
    COLUMNS,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_ROWS,
    MAX_DECIMALS,
    MAX_INTEGER_DIGITS,
)
from portfolios.csv_import.reading import read_csv
from portfolios.csv_import.results import CsvTable, ParsedRow, ParseResult, RowIssue
from portfolios.validation import PositionInvalid, position_clean, tag_name_clean

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")
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


def _clip(text: str, width: int = 40) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
