"""Reading and validating an uploaded file against the settings' limits, the position rules and the
known tickers (security master, then provider); the 400/413 errors of onboarding and the import."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from marketdata.providers.base import ProviderError
from marketdata.providers.registry import get_provider
from marketdata.selectors import securities
from portfolios.csv_import.reading import read_csv
from portfolios.csv_import.results import CsvFileError, CsvTable, ParseResult
from portfolios.csv_import.rows import add_unknown_symbol_errors, parse_positions
from sigmasight.api.exceptions import ApplicationError, PayloadTooLarge


def csv_table_read(*, data: bytes) -> CsvTable:
    """The file split into rows, within the settings' limits; 413 beyond them, 400 when unreadable
    (``details.file`` says why)."""
    try:
        return read_csv(data, max_bytes=settings.CSV_UPLOAD_MAX_BYTES, max_rows=settings.CSV_UPLOAD_MAX_ROWS)
    except CsvFileError as exc:
        details: dict[str, Any] = {"file": [exc.message]}
        if exc.too_large:
            raise PayloadTooLarge(exc.message, details=details) from None
        raise ApplicationError(exc.message, details=details) from None


def csv_validate(*, table: CsvTable, today: dt.date | None = None) -> ParseResult:
    """Every row checked: the position rules, then each ticker (an option's underlying) against the
    security master and, for the rest, the provider. Unknown tickers become row errors."""
    result = parse_positions(table, today=today or timezone.localdate())
    add_unknown_symbol_errors(result, symbols_unknown(symbols=result.lookup_symbols()))
    return result


def symbols_unknown(*, symbols: Iterable[str]) -> dict[str, str]:
    """The symbols neither in the security master nor known to the provider -> the reason.

    One query, then one provider ``profile`` call for the symbols the master lacks. When the
    provider cannot be asked, those symbols are reported as not verifiable (an error: nothing
    unverified is imported).
    """
    wanted = sorted(set(symbols))
    if not wanted:
        return {}
    known = securities(symbols=wanted)
    rest = [s for s in wanted if s not in known]
    if not rest:
        return {}
    try:
        found = get_provider().profile(rest)
    except (ProviderError, ImproperlyConfigured, OSError) as exc:
        return {s: f"the market-data provider could not be asked: {exc}" for s in rest}
    return {s: found.missing.get(s, "unknown symbol") for s in rest if s not in found.profiles}


def target_check(*, portfolio_name: str | None, portfolio_id: uuid.UUID | None) -> None:
    """400 unless exactly one target is given: a name (new portfolio) or a portfolio id (re-import)."""
    has_name = bool(portfolio_name and portfolio_name.strip())
    if has_name == (portfolio_id is not None):
        message = "Give either portfolio_id (re-import into that portfolio) or a name for a new portfolio, not both."
        if not has_name:
            message = "Give portfolio_id (re-import into that portfolio) or a name for a new portfolio."
        raise ApplicationError(message, details={"portfolio_id": [message]})


def rows_invalid_error(errors: list[dict[str, Any]], rows_total: int) -> ApplicationError:
    """The 400 for a file with invalid rows: ``details.rows`` lists every ``{row, field, message}``."""
    invalid = len({e["row"] for e in errors if e.get("row") is not None})
    return ApplicationError(
        f"{invalid} of {rows_total} rows are invalid; nothing was imported. Fix the file and upload it again.",
        details={"rows": list(errors)},
    )
