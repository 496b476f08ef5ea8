"""The writes of the onboarding workflow: store an upload and queue its processing, retry what
failed, complete (import the rows and queue the first batch run). See :mod:`portfolios.onboarding`."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils import timezone

from portfolios import selectors
from portfolios.onboarding.batch import batch_queue
from portfolios.onboarding.imports import rows_import
from portfolios.onboarding.models import OnboardingStatus, OnboardingUpload
from portfolios.onboarding.selectors import upload_rows
from portfolios.onboarding.validation import csv_table_read, rows_invalid_error, target_check
from portfolios.tasks import onboarding_process_task
from sigmasight.api.exceptions import Conflict, NotFound
from sigmasight.system.services import job_create

UPLOAD_JOB_TYPE = "portfolio_upload"


def upload_create(
    *,
    owner: Any,
    data: bytes,
    filename: str = "",
    portfolio_name: str | None = None,
    portfolio_id: uuid.UUID | None = None,
) -> OnboardingUpload:
    """Stores an upload for a new portfolio (``portfolio_name``) or a re-import into one of the
    owner's portfolios (``portfolio_id``) and queues its processing after commit; returns it as it
    is then (processed already when the task ran in-process).

    The file is read here so that an unreadable or too large file is refused at once (400/413)
    and nothing is stored.
    """
    target_check(portfolio_name=portfolio_name, portfolio_id=portfolio_id)
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
    upload.refresh_from_db(fields=["status", "job"])
    return upload


def upload_retry(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """Re-runs what failed: the whole processing after a crash, else the market-data enrichment
    (the sync only fetches what is still missing). Queued with a new Job; returns the upload as it
    is then."""
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
            raise rows_invalid_error(upload.errors, upload.rows_total)
        steps = ["validate", "enrich"] if upload.status == OnboardingStatus.FAILED else ["enrich"]
        upload.job = job_create(job_type=UPLOAD_JOB_TYPE, owner=upload.owner, params={"retry": steps})
        upload.status = OnboardingStatus.QUEUED
        upload.progress_percent = 0.0
        upload.failure_message = ""
        upload.save(update_fields=["job", "status", "progress_percent", "failure_message", "updated_at"])
        _queue_processing(upload_id=upload.pk, steps=steps)
    upload.refresh_from_db(fields=["status", "job"])
    return upload


def upload_complete(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    """Writes the upload into its portfolio (created for a new one) and creates the first batch
    run's Job in one transaction; the batch task is sent when it commits (:mod:`.batch`). Only a
    ``ready`` upload can be completed (409 otherwise; 400 with the row report when its rows are
    invalid)."""
    with transaction.atomic():
        upload = _locked(user=user, upload_id=upload_id)
        if upload.status == OnboardingStatus.COMPLETED:
            raise Conflict(
                "The upload has been imported already.",
                details={"portfolio_id": [str(upload.portfolio_id)]},
            )
        if upload.status == OnboardingStatus.FAILED and upload.errors:
            raise rows_invalid_error(upload.errors, upload.rows_total)
        if upload.status != OnboardingStatus.READY:
            message = (
                upload.failure_message
                if upload.status == OnboardingStatus.FAILED
                else f"The upload is not ready ({upload.status}); poll its status."
            )
            raise Conflict(message, details={"status": [str(upload.status)]})
        if upload.is_reimport and upload.portfolio_id is None:
            raise Conflict("The portfolio this upload re-imports into has been deleted.")
        outcome = rows_import(
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
        upload.batch_job_id, upload.batch_note = batch_queue(owner=user, portfolio_id=outcome.portfolio.pk)
        upload.save(
            update_fields=[
                "portfolio",
                "status",
                "positions_created",
                "positions_updated",
                "completed_at",
                "batch_job_id",
                "batch_note",
                "updated_at",
            ]
        )
    return upload


def _locked(*, user: Any, upload_id: uuid.UUID | str) -> OnboardingUpload:
    upload = OnboardingUpload.objects.select_for_update().filter(owner=user, pk=upload_id).first()
    if upload is None:
        raise NotFound("Upload not found.")
    return upload


def _queue_processing(*, upload_id: uuid.UUID, steps: Sequence[str] | None = None) -> None:
    kwargs: dict[str, Any] = {"upload_id": str(upload_id)}
    if steps is not None:
        kwargs["steps"] = list(steps)
    transaction.on_commit(lambda: onboarding_process_task.delay(**kwargs))
