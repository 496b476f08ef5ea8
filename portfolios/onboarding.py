"""CSV onboarding (API.md "Onboarding") and the one-shot import (POST /management/portfolios/upload).

Workflow of an upload (:class:`~portfolios.models.OnboardingUpload`):

1. :func:`upload_create` reads the file at once (empty, binary, missing columns, too large: a 400
   or 413 and nothing stored), stores it with a Job, and queues ``portfolios.onboarding_process``.
2. :func:`upload_process` (the task) validates every row (:mod:`portfolios.csv_import`, then tickers
   against the security master and the provider): any invalid row -> ``failed`` with the report.
   Else it enriches: syncs the market data of the file's symbols and option underlyings
   (:func:`marketdata.services.market_data_sync`) and the upload becomes ``ready``. A sync failure
   is recorded per symbol (``enrichment``), never fatal: ``retry`` re-runs it.
3. :func:`upload_preview` and :func:`upload_readiness` read the stored prices (no writes).
4. :func:`upload_complete` writes the portfolio, tags, positions and cash in ONE transaction (a
   failure leaves nothing), then queues the first batch run for the portfolio.

Re-import (``portfolio_id``): a row updates the portfolio's lot with the same symbol and entry_date
(never a duplicate); other lots are left alone; a row with tags or a strategy replaces that lot's
tags (a row without leaves them); a CASH row replaces the cash balance.

The batch is queued by Celery task *name* (``analytics.batch_portfolios``): portfolios never
imports analytics. When that task is not installed the import still succeeds and ``batch_note``
says the batch was not queued.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from marketdata.models import PriceBar, Security
from marketdata.providers.base import ProviderError
from portfolios import selectors, services
from portfolios.csv_import import (
    CsvFileError,
    CsvTable,
    ParsedRow,
    ParseResult,
    RowIssue,
    add_unknown_symbol_errors,
    issues_as_dicts,
    parse_positions,
    read_csv,
)
from portfolios.models import OnboardingStatus, OnboardingUpload, Portfolio, Position
from portfolios.validation import PositionInvalid, position_clean
from sigmasight.api.exceptions import ApplicationError, Conflict, NotFound, PayloadTooLarge
from sigmasight.system.models import Job, JobStatus
from sigmasight.system.services import job_create, job_finish, job_progress, job_start

logger = logging.getLogger(__name__)

#: The analytics task that creates and runs a batch for some portfolios (kwargs: portfolio_ids,
#: trigger); it returns the batch's Job id.
BATCH_TASK_NAME = "analytics.batch_portfolios"
BATCH_TRIGGER = "onboarding"
#: A close older than this many calendar days before as_of counts as missing (the valuation
#: engine's rule: analytics.selectors.market_inputs.MAX_PRICE_AGE_DAYS).
PRICE_MAX_AGE_DAYS = 7
UPLOAD_JOB_TYPE = "portfolio_upload"
_PROCESSED = frozenset(
    {OnboardingStatus.ENRICHING, OnboardingStatus.READY, OnboardingStatus.FAILED, OnboardingStatus.COMPLETED}
)
_POSITION_WRITE_FIELDS = (
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "underlying_symbol",
    "option_type",
    "strike_price",
    "expiration_date",
)
_CENT = Decimal("0.01")


# Reading and validating a file ---------------------------------------------------------------------


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
    known = set(Security.objects.filter(symbol__in=wanted).values_list("symbol", flat=True))
    rest = [s for s in wanted if s not in known]
    if not rest:
        return {}
    try:
        from marketdata.providers.registry import get_provider

        found = get_provider().profile(rest)
    except (ProviderError, ImproperlyConfigured, OSError) as exc:
        return {s: f"the market-data provider could not be asked: {exc}" for s in rest}
    return {s: found.missing.get(s, "unknown symbol") for s in rest if s not in found.profiles}


# Uploads: create, process, read ---------------------------------------------------------------------


def upload_get(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """One of the user's uploads, else 404 (another user's upload is indistinguishable from none)."""
    upload = OnboardingUpload.objects.filter(owner=user, pk=upload_id).select_related("job").first()
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def upload_create(
    *,
    owner: Any,
    data: bytes,
    filename: str = "",
    portfolio_name: str | None = None,
    portfolio_id: uuid.UUID | None = None,
) -> OnboardingUpload:
    """Stores an upload for a new portfolio (``portfolio_name``) or a re-import into one of the
    owner's portfolios (``portfolio_id``) and queues its processing after commit.

    The file is read here so that an unreadable or too large file is refused at once (400/413)
    and nothing is stored.
    """
    _target_check(portfolio_name=portfolio_name, portfolio_id=portfolio_id)
    portfolio = selectors.portfolio_get(user=owner, portfolio_id=portfolio_id) if portfolio_id else None
    table = csv_table_read(data=data)
    with transaction.atomic():
        job = job_create(job_type=UPLOAD_JOB_TYPE, owner=owner, params={"filename": filename})
        upload = OnboardingUpload.objects.create(
            owner=owner,
            portfolio=portfolio,
            is_reimport=portfolio is not None,
            portfolio_name=portfolio.name if portfolio else (portfolio_name or "").strip(),
            filename=filename[:255],
            size_bytes=len(data),
            encoding=table.encoding,
            content=data,
            rows_total=len(table.rows),
            job=job,
        )
        _queue_processing(upload_id=upload.pk)
    return upload


def upload_retry(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """Re-runs what failed: the whole processing after a crash, else the market-data enrichment
    (the sync only fetches what is still missing). Queued with a new Job."""
    with transaction.atomic():
        upload = _locked(user=user, upload_id=upload_id)
        if upload.status == OnboardingStatus.COMPLETED:
            raise Conflict("The upload has been imported already; upload the file again to re-import it.")
        if upload.status in (
            OnboardingStatus.QUEUED,
            OnboardingStatus.VALIDATING,
            OnboardingStatus.ENRICHING,
        ):
            raise Conflict(f"The upload is still being processed ({upload.status}); poll its status.")
        if upload.status == OnboardingStatus.FAILED and upload.errors:
            raise _rows_invalid_error(upload.errors, upload.rows_total)
        steps = ["validate", "enrich"] if upload.status == OnboardingStatus.FAILED else ["enrich"]
        upload.job = job_create(job_type=UPLOAD_JOB_TYPE, owner=upload.owner, params={"retry": steps})
        upload.status = OnboardingStatus.QUEUED
        upload.progress_percent = 0.0
        upload.failure_message = ""
        upload.save(update_fields=["job", "status", "progress_percent", "failure_message", "updated_at"])
        _queue_processing(upload_id=upload.pk, steps=steps)
    return upload


def upload_process(*, upload_id: uuid.UUID | str, steps: Sequence[str] = ("validate", "enrich")) -> None:
    """The task body: validate (``validating``), then enrich (``enriching``), then ``ready``.

    Invalid rows end in ``failed`` with the report; an unexpected error ends in ``failed`` with
    ``failure_message`` (retry re-runs everything). The upload's Job mirrors the outcome.
    """
    upload = OnboardingUpload.objects.select_related("job").get(pk=upload_id)
    job = upload.job
    if job is not None and job.cancel_requested:
        upload.failure_message = "The processing was cancelled; POST retry to run it again."
        upload.save(update_fields=["failure_message", "updated_at"])
        _progress(upload, OnboardingStatus.FAILED, 100)
        return
    if job is not None:
        job_start(job=job)
    try:
        if "validate" in steps:
            _progress(upload, OnboardingStatus.VALIDATING, 5)
            try:
                table = read_csv(
                    bytes(upload.content),
                    max_bytes=settings.CSV_UPLOAD_MAX_BYTES,
                    max_rows=settings.CSV_UPLOAD_MAX_ROWS,
                )
            except CsvFileError as exc:  # read at upload already; only changed limits get here
                upload.failure_message = exc.message
                upload.save(update_fields=["failure_message", "updated_at"])
                _progress(upload, OnboardingStatus.FAILED, 100)
                _finish_job(job, JobStatus.FAILED, upload, error=exc.message)
                return
            result = csv_validate(table=table)
            _store_report(upload, result)
            if not result.ok:
                _progress(upload, OnboardingStatus.FAILED, 100)
                _finish_job(job, JobStatus.FAILED, upload, error=f"{upload.rows_invalid} row(s) are invalid.")
                return
        _progress(upload, OnboardingStatus.ENRICHING, 40)
        _enrich(upload)
        _progress(upload, OnboardingStatus.READY, 100)
        partial = upload.enrichment.get("status") != "succeeded"
        _finish_job(job, JobStatus.PARTIAL if partial else JobStatus.SUCCEEDED, upload)
    except Exception as exc:  # noqa: BLE001 - recorded on the upload; retry re-runs it
        logger.exception("Onboarding upload %s failed", upload_id)
        upload.failure_message = (
            f"Processing failed unexpectedly ({type(exc).__name__}); POST retry to run it again."
        )
        upload.save(update_fields=["failure_message", "updated_at"])
        _progress(upload, OnboardingStatus.FAILED, 100)
        _finish_job(job, JobStatus.FAILED, upload, error=upload.failure_message)


def upload_rows(upload: OnboardingUpload) -> list[ParsedRow]:
    """The stored valid rows."""
    return [ParsedRow.from_json(row) for row in upload.rows]


def upload_require_processed(upload: OnboardingUpload) -> None:
    """409 while the rows have not been validated yet (queued or validating)."""
    if upload.status not in _PROCESSED:
        raise Conflict(
            f"The upload is still being validated ({upload.status}); poll its status and ask again.",
            details={"status": [str(upload.status)]},
        )


# Preview and readiness -----------------------------------------------------------------------------


@dataclass
class PriceInfo:
    """The latest stored close on or before as_of (``source`` "close") or a provider quote
    ("quote"); ``bars`` is the number of stored daily bars up to as_of."""

    price: float | None = None
    price_date: dt.date | None = None
    source: str | None = None
    bars: int = 0


def upload_preview(*, upload: OnboardingUpload) -> dict[str, Any]:
    """Parsed positions with their types, option legs grouped by underlying and expiry, prices
    found and signed market values (USD, quantity x multiplier x price), and a summary."""
    from marketdata.providers.registry import market_as_of
    from marketdata.selectors import data_source

    upload_require_processed(upload)
    rows = upload_rows(upload)
    as_of = market_as_of()
    symbols = _symbols(rows)
    prices = _prices(symbols=symbols, as_of=as_of, quote_missing=True)
    positions = [_preview_position(row, prices) for row in rows]
    cash = float(upload.cash_balance) if upload.cash_balance is not None else None
    market_values = [p["market_value"] for p in positions if p["market_value"] is not None]
    long_value = sum(v for v in market_values if v > 0)
    short_value = sum(v for v in market_values if v < 0)
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "portfolio_id": upload.portfolio_id,
        "portfolio_name": upload.portfolio_name,
        "as_of_date": as_of,
        "data_source": data_source(symbols=symbols),
        "cash_balance": cash,
        "positions": positions,
        "option_legs": _option_legs(rows, prices),
        "summary": {
            "position_count": len(rows),
            "stock_count": sum(1 for r in rows if not r.is_option),
            "option_count": sum(1 for r in rows if r.is_option),
            "priced_count": sum(1 for p in positions if p["price"] is not None),
            "unpriced_count": sum(1 for p in positions if p["price"] is None),
            "long_value": _money(long_value),
            "short_value": _money(short_value),
            "gross_exposure": _money(long_value - short_value),
            "net_exposure": _money(long_value + short_value),
            "total_value": _money(long_value + short_value + (cash or 0.0)),
            "rows_invalid": upload.rows_invalid,
        },
    }


def upload_readiness(*, upload: OnboardingUpload) -> dict[str, Any]:
    """Whether the batch can run for these positions, check by check (reads only).

    Required checks: ``rows_valid`` (no invalid row), ``prices`` (every stock has a close within
    7 days of as_of; every option its own close or its underlying's, from which the batch prices
    it), ``history`` (every stock and option underlying has at least the factor model's minimum of
    daily bars), ``option_underlyings`` (every option's underlying has a recent close).
    ``market_data_sync`` (the enrichment had no failure) is informational: an option contract
    without bars of its own is normal.
    """
    from marketdata.providers.registry import market_as_of
    from marketdata.selectors import FACTOR_MODEL_META

    upload_require_processed(upload)
    minimum = int(FACTOR_MODEL_META["minimum_data_points"])
    rows = upload_rows(upload)
    as_of = market_as_of()
    prices = _prices(symbols=_symbols(rows), as_of=as_of, quote_missing=False)

    def fresh(symbol: str) -> bool:
        info = prices.get(symbol)
        return (
            info is not None
            and info.price_date is not None
            and (as_of - info.price_date).days <= PRICE_MAX_AGE_DAYS
        )

    risk_symbols = sorted({r.lookup_symbol for r in rows})
    unpriced = sorted(
        {r.symbol for r in rows if not fresh(r.symbol) and not (r.is_option and fresh(r.lookup_symbol))}
    )
    short_history = [
        {"symbol": s, "bars": prices[s].bars if s in prices else 0, "required": minimum}
        for s in risk_symbols
        if (prices[s].bars if s in prices else 0) < minimum
    ]
    underlyings = sorted({r.lookup_symbol for r in rows if r.is_option})
    bad_underlyings = [s for s in underlyings if not fresh(s)]
    failures = upload.enrichment.get("failures") or {}
    enrichment_status = upload.enrichment.get("status", "pending")
    checks = [
        _check(
            "rows_valid",
            upload.rows_invalid == 0 and upload.status != OnboardingStatus.FAILED,
            upload.failure_message or f"{upload.rows_valid} of {upload.rows_total} rows are valid.",
        ),
        _check(
            "prices",
            not unpriced,
            f"{len({r.symbol for r in rows}) - len(unpriced)} of {len({r.symbol for r in rows})} symbols have a "
            f"price within {PRICE_MAX_AGE_DAYS} days of {as_of.isoformat()}."
            + (f" Missing: {', '.join(unpriced)}." if unpriced else ""),
        ),
        _check(
            "history",
            not short_history,
            f"{len(risk_symbols) - len(short_history)} of {len(risk_symbols)} stocks/underlyings have at least "
            f"{minimum} daily bars (factor model minimum)."
            + (f" Short: {', '.join(h['symbol'] for h in short_history)}." if short_history else ""),
        ),
        _check(
            "option_underlyings",
            not bad_underlyings,
            f"{len(underlyings) - len(bad_underlyings)} of {len(underlyings)} option underlyings have prices."
            + (f" Missing: {', '.join(bad_underlyings)}." if bad_underlyings else ""),
        ),
        _check(
            "market_data_sync",
            enrichment_status == "succeeded",
            f"Market-data sync {enrichment_status}"
            + (f"; failed for {', '.join(sorted(failures))}." if failures else "."),
            required=False,
        ),
    ]
    ready = all(c["passed"] for c in checks if c["required"])
    return {
        "upload_id": upload.pk,
        "ready": ready,
        "as_of_date": as_of,
        "min_history_bars": minimum,
        "checks": checks,
        "missing": {
            "invalid_rows": upload.rows_invalid,
            "prices": unpriced,
            "history": short_history,
            "option_underlyings": bad_underlyings,
            "sync_failures": [{"symbol": s, "reason": r} for s, r in sorted(failures.items())],
        },
        "next_step": "POST complete to import the positions."
        if ready
        else "POST retry to sync market data again, or fix the file and upload it again.",
    }


# Complete and one-shot import -----------------------------------------------------------------------


def upload_complete(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """Writes the upload into its portfolio (created for a new one) in one transaction, then queues
    the first batch run. Only a ``ready`` upload can be completed (409 otherwise; 400 with the row
    report when its rows are invalid)."""
    with transaction.atomic():
        upload = _locked(user=user, upload_id=upload_id)
        if upload.status == OnboardingStatus.COMPLETED:
            raise Conflict(
                "The upload has been imported already.",
                details={"portfolio_id": [str(upload.portfolio_id)]},
            )
        if upload.status == OnboardingStatus.FAILED and upload.errors:
            raise _rows_invalid_error(upload.errors, upload.rows_total)
        if upload.status != OnboardingStatus.READY:
            message = (
                upload.failure_message
                if upload.status == OnboardingStatus.FAILED
                else f"The upload is not ready ({upload.status}); poll its status."
            )
            raise Conflict(message, details={"status": [str(upload.status)]})
        if upload.is_reimport and upload.portfolio_id is None:
            raise Conflict("The portfolio this upload re-imports into has been deleted.")
        outcome = _import_rows(
            owner=user,
            portfolio_id=upload.portfolio_id if upload.is_reimport else None,
            name=upload.portfolio_name,
            rows=upload_rows(upload),
            cash_balance=upload.cash_balance,
        )
        upload.portfolio = outcome.portfolio
        upload.status = OnboardingStatus.COMPLETED
        upload.positions_created = outcome.created
        upload.positions_updated = outcome.updated
        upload.completed_at = timezone.now()
        upload.save(
            update_fields=[
                "portfolio",
                "status",
                "positions_created",
                "positions_updated",
                "completed_at",
                "updated_at",
            ]
        )
    upload.batch_job_id, upload.batch_note = batch_queue(owner=user, portfolio_id=outcome.portfolio.pk)
    upload.save(update_fields=["batch_job_id", "batch_note", "updated_at"])
    return upload


@dataclass
class ImportOutcome:
    """What an import wrote, and the first batch run queued for the portfolio."""

    portfolio: Portfolio
    created: int
    updated: int
    warnings: list[RowIssue] = field(default_factory=list)
    batch_job_id: uuid.UUID | None = None
    batch_note: str = ""


def portfolio_import(
    *, owner: Any, data: bytes, portfolio_id: uuid.UUID | None = None, name: str | None = None
) -> ImportOutcome:
    """The one-shot CSV import: the same parser and rules as onboarding, in one request. Any
    invalid row -> 400 with ``details.rows`` and nothing written."""
    _target_check(portfolio_name=name, portfolio_id=portfolio_id)
    if portfolio_id is not None:
        selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)  # 404 before reading the file
    result = csv_validate(table=csv_table_read(data=data))
    if not result.ok:
        raise _rows_invalid_error(issues_as_dicts(result.errors), result.rows_total)
    outcome = _import_rows(
        owner=owner,
        portfolio_id=portfolio_id,
        name=name or "",
        rows=result.rows,
        cash_balance=result.cash_balance,
    )
    outcome.warnings = result.warnings
    outcome.batch_job_id, outcome.batch_note = batch_queue(owner=owner, portfolio_id=outcome.portfolio.pk)
    return outcome


@transaction.atomic
def _import_rows(
    *,
    owner: Any,
    portfolio_id: uuid.UUID | None,
    name: str,
    rows: list[ParsedRow],
    cash_balance: Decimal | None,
) -> ImportOutcome:
    """Creates or updates the lots keyed (symbol, entry_date), their tags and the cash, atomically.

    A constant number of queries whatever the number of rows (bulk writes)."""
    today = timezone.localdate()
    if portfolio_id is not None:
        selectors.portfolio_get(user=owner, portfolio_id=portfolio_id)
        portfolio = Portfolio.objects.select_for_update().get(pk=portfolio_id, owner=owner)
    else:
        portfolio = services.portfolio_create(owner=owner, name=name)
    values = {row.row: _clean(row, today) for row in rows}
    existing: dict[tuple[str, dt.date], Position] = {}
    for position in Position.objects.filter(
        portfolio=portfolio, symbol__in={row.symbol for row in rows}
    ).order_by("created_at", "id"):
        existing.setdefault((position.symbol, position.entry_date), position)

    tags = {
        tag.name: tag
        for tag in services.tags_get_or_create(
            owner=owner,
            names=[t for row in rows for t in row.tags],
            strategy=[s for row in rows for s in row.strategies],
        )
    }
    now = timezone.now()
    created: list[Position] = []
    updated: list[Position] = []
    for row in rows:
        fields = values[row.row]
        position = existing.get((fields["symbol"], fields["entry_date"]))
        if position is None:
            position = Position(portfolio=portfolio, **{f: fields[f] for f in _POSITION_WRITE_FIELDS})
            created.append(position)
        else:
            for name_ in _POSITION_WRITE_FIELDS:
                setattr(position, name_, fields[name_])
            position.updated_at = now
            updated.append(position)
    Position.objects.bulk_create(created)
    if updated:
        Position.objects.bulk_update(updated, [*_POSITION_WRITE_FIELDS, "updated_at"])

    links = []
    retagged = []
    for row, position in zip(rows, _in_row_order(rows, created, updated, values), strict=True):
        names = [*row.tags, *row.strategies]
        if not names:
            continue
        retagged.append(position.pk)
        links.extend(
            Position.tags.through(position_id=position.pk, tag_id=tags[n].pk) for n in dict.fromkeys(names)
        )
    if retagged:
        Position.tags.through.objects.filter(position_id__in=retagged).delete()
        Position.tags.through.objects.bulk_create(links, ignore_conflicts=True)
    if cash_balance is not None:
        portfolio.cash_balance = cash_balance
        portfolio.save(update_fields=["cash_balance", "updated_at"])
    return ImportOutcome(portfolio=portfolio, created=len(created), updated=len(updated))


def _in_row_order(
    rows: list[ParsedRow], created: list[Position], updated: list[Position], values: dict[int, dict[str, Any]]
) -> list[Position]:
    """The written position of each row (rows have unique keys: the parser rejects duplicates)."""
    by_key = {(p.symbol, p.entry_date): p for p in [*created, *updated]}
    return [by_key[(values[r.row]["symbol"], values[r.row]["entry_date"])] for r in rows]


def _clean(row: ParsedRow, today: dt.date) -> dict[str, Any]:
    """The row re-checked by the position rules at write time (a stored upload may be older than
    the rules or the date); a 400 with the row report otherwise, and the transaction rolls back."""
    data = {name: row.fields.get(name) for name in services.POSITION_FIELDS}
    try:
        return position_clean(data, today=today)
    except PositionInvalid as exc:
        issues = [
            {
                "row": row.row,
                "field": "ticker" if name in ("symbol", *_OCC_FIELDS) else name,
                "message": message,
            }
            for name, messages in exc.errors.items()
            for message in messages
        ]
        raise ApplicationError(
            f"Row {row.row} is no longer valid; nothing was imported.", details={"rows": issues}
        ) from None


_OCC_FIELDS = ("underlying_symbol", "option_type", "strike_price", "expiration_date")


def batch_queue(*, owner: Any, portfolio_id: uuid.UUID) -> tuple[uuid.UUID | None, str]:
    """Queues the first batch run for the portfolio through the analytics task found by name.

    Returns ``(batch job id, note)``; ``(None, "batch not queued: ...")`` when the task is not
    installed or fails: the import stands either way. The task runs in-process (``apply``): it only
    records the run and its Job and hands the run to Celery when the transaction commits (to the
    broker when one is configured, in-process in eager mode), so its Job id is known here. The Job
    belongs to ``owner`` so that they can poll it (``/system/jobs/{id}``).
    """
    task = _batch_task()
    if task is None:
        return None, f"batch not queued: the task {BATCH_TASK_NAME} is not installed"
    with transaction.atomic():
        savepoint = transaction.savepoint()
        outcome = task.apply(
            kwargs={"portfolio_ids": [str(portfolio_id)], "trigger": BATCH_TRIGGER, "owner_id": str(owner.pk)}
        )
        if outcome.failed():
            transaction.savepoint_rollback(savepoint)
            logger.warning(
                "The first batch for portfolio %s was not queued: %r", portfolio_id, outcome.result
            )
            return None, f"batch not queued: {type(outcome.result).__name__}"
    return uuid.UUID(str(outcome.result)), "queued"


def _batch_task() -> Any:
    """The registered analytics batch task, or None (tasks modules are imported on first use)."""
    from celery import current_app

    if BATCH_TASK_NAME not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks.get(BATCH_TASK_NAME)


# Helpers --------------------------------------------------------------------------------------------


def _target_check(*, portfolio_name: str | None, portfolio_id: uuid.UUID | None) -> None:
    has_name = bool(portfolio_name and portfolio_name.strip())
    if has_name == (portfolio_id is not None):
        message = "Give either portfolio_id (re-import into that portfolio) or a name for a new portfolio, not both."
        if not has_name:
            message = "Give portfolio_id (re-import into that portfolio) or a name for a new portfolio."
        raise ApplicationError(message, details={"portfolio_id": [message]})


def _locked(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    upload = OnboardingUpload.objects.select_for_update().filter(owner=user, pk=upload_id).first()
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def _rows_invalid_error(errors: list[dict[str, Any]], rows_total: int) -> ApplicationError:
    invalid = len({e["row"] for e in errors if e.get("row") is not None})
    return ApplicationError(
        f"{invalid} of {rows_total} rows are invalid; nothing was imported. Fix the file and upload it again.",
        details={"rows": list(errors)},
    )


def _queue_processing(*, upload_id: uuid.UUID, steps: Sequence[str] | None = None) -> None:
    from portfolios.tasks import onboarding_process_task

    kwargs: dict[str, Any] = {"upload_id": str(upload_id)}
    if steps is not None:
        kwargs["steps"] = list(steps)
    transaction.on_commit(lambda: onboarding_process_task.delay(**kwargs))


def _progress(upload: OnboardingUpload, status: str, percent: float) -> None:
    upload.status, upload.progress_percent = status, percent
    OnboardingUpload.objects.filter(pk=upload.pk).update(
        status=status, progress_percent=percent, updated_at=timezone.now()
    )
    if upload.job is not None:
        job_progress(job=upload.job, percent=percent)


def _finish_job(job: Job | None, status: str, upload: OnboardingUpload, error: str = "") -> None:
    if job is None:
        return
    result = {
        "upload_id": str(upload.pk),
        "status": upload.status,
        "rows_total": upload.rows_total,
        "rows_valid": upload.rows_valid,
        "rows_invalid": upload.rows_invalid,
    }
    failures = [
        {"symbol": s, "reason": r} for s, r in sorted((upload.enrichment.get("failures") or {}).items())
    ]
    job_finish(job=job, status=status, result=result, error=error, errors=failures)


def _store_report(upload: OnboardingUpload, result: ParseResult) -> None:
    upload.rows_total = result.rows_total
    upload.rows_valid = result.rows_valid
    upload.rows_invalid = result.rows_invalid
    upload.rows = [row.to_json() for row in result.rows]
    upload.errors = issues_as_dicts(result.errors)
    upload.warnings = issues_as_dicts(result.warnings)
    upload.cash_balance = result.cash_balance
    upload.save(
        update_fields=[
            "rows_total",
            "rows_valid",
            "rows_invalid",
            "rows",
            "errors",
            "warnings",
            "cash_balance",
            "updated_at",
        ]
    )


def _enrich(upload: OnboardingUpload) -> None:
    """Syncs the market data of the upload's symbols and option underlyings up to the market date."""
    from marketdata.providers.registry import get_provider, market_as_of
    from marketdata.services import market_data_sync

    rows = upload_rows(upload)
    symbols = _symbols(rows)
    as_of = market_as_of()
    summary: dict[str, Any] = {"as_of_date": as_of.isoformat(), "symbols": len(symbols)}
    try:
        provider = get_provider()
    except ImproperlyConfigured as exc:
        upload.enrichment = {
            **summary,
            "status": "failed",
            "error": str(exc),
            "failures": {s: str(exc) for s in symbols},
        }
        upload.save(update_fields=["enrichment", "updated_at"])
        return

    def on_progress(done: int, total: int) -> None:
        _progress(upload, OnboardingStatus.ENRICHING, 40 + 55 * done / max(total, 1))

    report = market_data_sync(
        symbols=symbols,
        as_of=as_of,
        provider=provider,
        history_start=min((r.fields["entry_date"] for r in rows), default=None),
        on_progress=on_progress,
    )
    failures = dict(report.failures)
    status = "succeeded" if not failures else ("failed" if len(failures) >= len(symbols) else "partial")
    upload.enrichment = {
        **summary,
        "status": status,
        "provider": report.provider,
        "synced": report.symbols_synced,
        "up_to_date": report.symbols_up_to_date,
        "bars_written": report.bars_written,
        "securities_enriched": report.securities_enriched,
        "failures": failures,
        "finished_at": timezone.now().isoformat(),
    }
    upload.save(update_fields=["enrichment", "updated_at"])


def _symbols(rows: Iterable[ParsedRow]) -> list[str]:
    """Every symbol the positions need prices for: their own and their option underlyings."""
    out: set[str] = set()
    for row in rows:
        out.add(row.symbol)
        out.add(row.lookup_symbol)
    return sorted(out)


def _prices(*, symbols: Sequence[str], as_of: dt.date, quote_missing: bool) -> dict[str, PriceInfo]:
    """Latest stored close on or before ``as_of`` and the number of bars, per symbol (two queries);
    with ``quote_missing`` a provider quote for the symbols without a stored close (one call)."""
    if not symbols:
        return {}
    stored = PriceBar.objects.filter(symbol__in=list(symbols), date__lte=as_of)
    info: dict[str, PriceInfo] = {
        row["symbol"]: PriceInfo(bars=row["bars"], price_date=row["last"])
        for row in stored.values("symbol").annotate(bars=Count("id"), last=Max("date"))
    }
    latest = stored.filter(
        date=Subquery(
            PriceBar.objects.filter(symbol=OuterRef("symbol"), date__lte=as_of)
            .order_by("-date")
            .values("date")[:1]
        )
    ).values_list("symbol", "close")
    for symbol, close in latest:
        info[symbol].price, info[symbol].source = float(close), "close"
    missing = [s for s in symbols if s not in info]
    if quote_missing and missing:
        try:
            from marketdata.providers.registry import get_provider

            quotes = get_provider().quotes(missing).quotes
        except (ProviderError, ImproperlyConfigured, OSError) as exc:
            logger.warning("Quotes for the preview failed: %s", exc)
            quotes = []
        for quote in quotes:
            info[quote.symbol] = PriceInfo(
                price=float(quote.last_price), price_date=quote.updated_at.date(), source="quote"
            )
    return info


def _preview_position(row: ParsedRow, prices: dict[str, PriceInfo]) -> dict[str, Any]:
    f = row.fields
    info = prices.get(row.symbol, PriceInfo())
    quantity, multiplier = f["quantity"], int(f["multiplier"])
    market_value = None
    if info.price is not None:
        market_value = _money(float(quantity) * multiplier * info.price)
    underlying = prices.get(row.lookup_symbol) if row.is_option else None
    return {
        "row": row.row,
        "symbol": row.symbol,
        "position_type": f["position_type"],
        "quantity": float(quantity),
        "multiplier": multiplier,
        "entry_price": float(f["entry_price"]),
        "entry_date": f["entry_date"],
        "exit_price": float(f["exit_price"]) if f.get("exit_price") is not None else None,
        "exit_date": f.get("exit_date"),
        "underlying_symbol": f.get("underlying_symbol") or None,
        "option_type": f.get("option_type") or None,
        "strike_price": float(f["strike_price"]) if f.get("strike_price") is not None else None,
        "expiration_date": f.get("expiration_date"),
        "tags": row.tags,
        "strategy": row.strategies,
        "cost_basis": _money(float(quantity) * multiplier * float(f["entry_price"])),
        "price": info.price,
        "price_date": info.price_date,
        "price_source": info.source,
        "underlying_price": underlying.price if underlying else None,
        "market_value": market_value,
    }


def _option_legs(rows: list[ParsedRow], prices: dict[str, PriceInfo]) -> list[dict[str, Any]]:
    """Options grouped by underlying and expiration (a spread's legs together), sorted."""
    groups: defaultdict[tuple[str, dt.date], list[ParsedRow]] = defaultdict(list)
    for row in rows:
        if row.is_option:
            groups[(row.lookup_symbol, row.fields["expiration_date"])].append(row)
    out = []
    for (underlying, expiry), legs in sorted(groups.items()):
        legs.sort(key=lambda r: (r.fields["option_type"], r.fields["strike_price"], r.row))
        info = prices.get(underlying)
        out.append(
            {
                "underlying_symbol": underlying,
                "expiration_date": expiry,
                "underlying_price": info.price if info else None,
                "strategies": sorted({s for leg in legs for s in leg.strategies}),
                "legs": [
                    {
                        "row": leg.row,
                        "symbol": leg.symbol,
                        "position_type": leg.fields["position_type"],
                        "option_type": leg.fields["option_type"],
                        "strike_price": float(leg.fields["strike_price"]),
                        "quantity": float(leg.fields["quantity"]),
                    }
                    for leg in legs
                ],
            }
        )
    return out


def _check(name: str, passed: bool, detail: str, *, required: bool = True) -> dict[str, Any]:
    return {"name": name, "passed": bool(passed), "required": required, "detail": detail}


def _money(value: float) -> float:
    return float(Decimal(str(value)).quantize(_CENT, rounding=ROUND_HALF_UP))
