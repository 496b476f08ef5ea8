"""CSV price import (pure parser) and the ``csv`` provider that serves the imported bars.

File format: UTF-8 (a BOM is accepted), comma-separated, a header row naming the columns in any order,
case-insensitive. Required: ``symbol,date,close``; optional: ``open,high,low,adjusted_close,volume``.
Missing or empty ``open``/``high``/``low`` default to ``close``; ``adjusted_close`` defaults to
``close``; ``volume`` to empty (unknown). Prices are USD per share, volume in shares.

Rows are numbered as in a spreadsheet: the header is row 1, the first data row is row 2 (a blank line
still counts as a row, and is skipped; a quoted cell spanning lines stays one row). Every problem is reported, not just the first, as
``{"row", "field", "message"}``; file-level problems use ``row`` None (encoding) or 1 (header) and
``field`` ``"file"``/``"header"``. ``ParsedPrices.bars`` holds only the rows that passed, so an
all-or-nothing import checks ``errors`` first.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import pandas as pd

from marketdata.providers.base import (
    BAR_COLUMNS,
    HistoryResult,
    MarketDataProvider,
    ProfilesResult,
    ProviderError,
    QuotesResult,
    empty_bars,
)

SOURCE = "csv"
REQUIRED_COLUMNS: tuple[str, ...] = ("symbol", "date", "close")
OPTIONAL_COLUMNS: tuple[str, ...] = ("open", "high", "low", "adjusted_close", "volume")
ALLOWED_COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class RowError(TypedDict):
    """One problem: ``row`` as in a spreadsheet (header = 1; None for the whole file)."""

    row: int | None
    field: str
    message: str


@dataclass(frozen=True)
class ParsedPrices:
    """Bars in :data:`BAR_COLUMNS` (source ``csv``) for the valid rows, and every error found."""

    bars: pd.DataFrame
    errors: list[RowError]

    @property
    def ok(self) -> bool:
        """True when the whole file is valid."""
        return not self.errors


def _error(row: int | None, field: str, message: str) -> RowError:
    return {"row": row, "field": field, "message": message}


def _decode(data: bytes) -> tuple[str | None, RowError | None]:
    """UTF-8 text without a BOM, or the error explaining why the bytes are not UTF-8."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, _error(
            None, "file", "file is not UTF-8 (looks like UTF-16); save it as 'CSV UTF-8' and retry"
        )
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        byte = data[exc.start]
        return None, _error(
            None,
            "file",
            f"file is not UTF-8 (looks like Latin-1 / Windows-1252: byte 0x{byte:02X} at offset "
            f"{exc.start}); save it as 'CSV UTF-8' and upload it again",
        )


def _header(cells: list[str]) -> tuple[dict[str, int], list[RowError]]:
    """Column name -> position, and the header's errors (missing, unknown, duplicate columns)."""
    names = [c.strip().lower() for c in cells]
    errors: list[RowError] = []
    positions: dict[str, int] = {}
    duplicates: list[str] = []
    for i, name in enumerate(names):
        if name in positions:
            duplicates.append(name)
        else:
            positions[name] = i
    unknown = [n or "(blank)" for n in positions if n not in ALLOWED_COLUMNS]
    missing = [n for n in REQUIRED_COLUMNS if n not in positions]
    if missing:
        errors.append(_error(1, "header", f"missing required columns: {', '.join(missing)}"))
    if unknown:
        errors.append(
            _error(
                1,
                "header",
                f"unknown columns: {', '.join(unknown)} (allowed: {', '.join(ALLOWED_COLUMNS)})",
            )
        )
    if duplicates:
        errors.append(_error(1, "header", f"duplicate columns: {', '.join(dict.fromkeys(duplicates))}"))
    return {n: i for n, i in positions.items() if n in ALLOWED_COLUMNS}, errors


def _price(text: str, field: str, row: int, errors: list[RowError]) -> float | None:
    try:
        value = float(text)
    except ValueError:
        errors.append(_error(row, field, f"{field} is not a number: {text!r}"))
        return None
    if not math.isfinite(value):
        errors.append(_error(row, field, f"{field} is not a finite number: {text!r}"))
        return None
    if value <= 0:
        errors.append(_error(row, field, f"{field} must be positive, got {text}"))
        return None
    return value


def _volume(text: str, row: int, errors: list[RowError]) -> int | None:
    try:
        value = float(text)
    except ValueError:
        errors.append(_error(row, "volume", f"volume is not a number: {text!r}"))
        return None
    if not math.isfinite(value) or value != int(value):
        errors.append(_error(row, "volume", f"volume must be a whole number, got {text}"))
        return None
    if value < 0:
        errors.append(_error(row, "volume", f"volume must not be negative, got {text}"))
        return None
    return int(value)


def _iso_date(text: str) -> dt.date | None:
    """A strict YYYY-MM-DD date (``fromisoformat`` alone also takes ``20240102`` and week dates)."""
    if not _ISO_DATE.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _date(text: str, row: int, errors: list[RowError]) -> dt.date | None:
    day = _iso_date(text)
    if day is None:
        errors.append(_error(row, "date", f"expected a date as YYYY-MM-DD, got {text!r}"))
    return day


def _parse_row(cells: dict[str, str], row: int, errors: list[RowError]) -> dict[str, object] | None:
    """One bar from a row's cells (column -> stripped text), or None after recording its errors."""
    before = len(errors)
    symbol = cells.get("symbol", "").upper()
    if not symbol:
        errors.append(_error(row, "symbol", "symbol is empty"))
    day = _date(cells.get("date", ""), row, errors)
    close: float | None = None
    if cells.get("close"):
        close = _price(cells["close"], "close", row, errors)
    else:
        errors.append(_error(row, "close", "close is empty"))
    prices: dict[str, float | None] = {}
    for field in ("open", "high", "low", "adjusted_close"):
        text = cells.get(field, "")
        prices[field] = _price(text, field, row, errors) if text else close
    volume = _volume(cells["volume"], row, errors) if cells.get("volume") else None
    high, low, open_ = prices["high"], prices["low"], prices["open"]
    if high is not None and low is not None:
        if high < low:
            errors.append(_error(row, "high", f"high {high:g} is below low {low:g}"))
        else:
            for field, value in (("open", open_), ("close", close)):
                if value is not None and not (low <= value <= high):
                    errors.append(
                        _error(row, field, f"{field} {value:g} is outside [low {low:g}, high {high:g}]")
                    )
    if len(errors) > before:
        return None
    return {
        "symbol": symbol,
        "date": day,
        "open": open_,
        "high": high,
        "low": low,
        "close": close,
        "adjusted_close": prices["adjusted_close"],
        "volume": volume,
        "source": SOURCE,
    }


def parse_price_csv(data: bytes) -> ParsedPrices:
    """Parse and validate a price file; see the module docstring for the format and numbering."""
    text, problem = _decode(data)
    if text is None:
        return ParsedPrices(bars=empty_bars(), errors=[problem] if problem else [])
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or not any(c.strip() for c in header):
        return ParsedPrices(bars=empty_bars(), errors=[_error(1, "header", "file is empty or has no header")])
    columns, errors = _header(header)
    if any(c not in columns for c in REQUIRED_COLUMNS):
        return ParsedPrices(bars=empty_bars(), errors=errors)
    rows: list[dict[str, object]] = []
    first_seen: dict[tuple[str, dt.date], int] = {}
    # one record is one spreadsheet row (a blank line too: csv yields [] for it)
    for row, record in enumerate(reader, start=2):
        if not any(c.strip() for c in record):
            continue
        if len(record) > len(header):
            errors.append(
                _error(row, "", f"row has {len(record)} values but the header has {len(header)} columns")
            )
            continue
        cells = {name: record[i].strip() if i < len(record) else "" for name, i in columns.items()}
        bar = _parse_row(cells, row, errors)
        symbol, day = cells.get("symbol", "").upper(), _iso_date(cells.get("date", ""))
        if symbol and day is not None:
            if (symbol, day) in first_seen:
                first = first_seen[(symbol, day)]
                errors.append(_error(row, "date", f"duplicate of row {first} ({symbol} {day})"))
                continue
            first_seen[(symbol, day)] = row
        if bar is not None:
            rows.append(bar)
    return ParsedPrices(bars=_frame(rows), errors=errors)


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    if not rows:
        return empty_bars()
    bars = pd.DataFrame.from_records(rows, columns=list(BAR_COLUMNS))
    bars["volume"] = bars["volume"].astype("Int64")
    return bars.sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)


class CSVProvider(MarketDataProvider):
    """Serves bars imported from CSV files (a frame in :data:`BAR_COLUMNS`).

    Only ``history`` is offered: ``quotes`` and ``profile`` list every symbol in ``missing`` (a price
    file carries neither quotes nor security master data) and ``series`` raises
    :class:`ProviderError`. The bars keep the ``source`` they were imported with.
    """

    name = SOURCE

    def __init__(self, frame: pd.DataFrame) -> None:
        absent = [c for c in BAR_COLUMNS if c not in frame.columns]
        if absent:
            raise ValueError(f"CSVProvider frame lacks columns: {', '.join(absent)}")
        self._bars = frame.loc[:, list(BAR_COLUMNS)].reset_index(drop=True)

    @classmethod
    def empty(cls) -> CSVProvider:
        """A provider holding no bars yet (every symbol is missing until a file is imported)."""
        return cls(empty_bars())

    def history(self, symbols: Sequence[str], start: dt.date, end: dt.date) -> HistoryResult:
        """The imported bars of ``symbols`` dated in [start, end]; USD per share."""
        wanted = list(dict.fromkeys(symbols))
        bars = self._bars
        in_range = [start <= d <= end for d in bars["date"]]
        mask = bars["symbol"].isin(wanted).to_numpy() & pd.Series(in_range, dtype=bool).to_numpy()
        found = bars.loc[mask].sort_values(["symbol", "date"], kind="stable").reset_index(drop=True)
        known = set(bars["symbol"])
        present = set(found["symbol"])
        missing = {
            s: (
                "not in the imported prices"
                if s not in known
                else f"no imported bars between {start} and {end}"
            )
            for s in wanted
            if s not in present
        }
        return HistoryResult(bars=found if len(found) else empty_bars(), missing=missing)

    def quotes(self, symbols: Sequence[str]) -> QuotesResult:
        """No quotes in a price file: every symbol is missing."""
        return QuotesResult(quotes=[], missing={s: "the CSV import has no quotes" for s in symbols})

    def profile(self, symbols: Sequence[str]) -> ProfilesResult:
        """No security master in a price file: every symbol is missing."""
        return ProfilesResult(
            profiles={}, missing={s: "the CSV import has no security master data" for s in symbols}
        )

    def series(self, series_id: str, start: dt.date, end: dt.date) -> pd.Series:
        """Not offered: a price file has no macro series."""
        raise ProviderError(f"csv provides price bars only, not macro series ({series_id})")
