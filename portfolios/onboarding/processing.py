"""The processing of an upload (the ``portfolios.onboarding_process`` task body): validate the
rows, then enrich (sync the market data of their symbols), then ``ready``. The upload's Job mirrors
the outcome."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from marketdata.providers.registry import get_provider, market_as_of
from marketdata.services import market_data_sync
from portfolios.csv_import.reading import read_csv
from portfolios.csv_import.results import CsvFileError, ParseResult, issues_as_dicts
from portfolios.onboarding.models import OnboardingStatus, OnboardingUpload
from portfolios.onboarding.prices import rows_symbols
from portfolios.onboarding.selectors import upload_rows
from portfolios.onboarding.validation import csv_validate
from sigmasight.system.models import Job, JobStatus
from sigmasight.system.services import job_finish, job_progress, job_start

logger = logging.getLogger(__name__)

#: What a processing run does: both on upload and after a crash, only the sync on a retry.
ALL_STEPS: tuple[str, ...] = ("validate", "enrich")


def upload_process(*, upload_id: uuid.UUID | str, steps: Sequence[str] = ALL_STEPS) -> None:
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
    rows = upload_rows(upload)
    symbols = rows_symbols(rows)
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
