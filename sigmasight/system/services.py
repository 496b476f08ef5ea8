"""/system writes: the job lifecycle (create, start, progress, finish, cancel; each write is one
UPDATE of the row) and UI commands (record, deliver)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from sigmasight.api.exceptions import Conflict
from sigmasight.system import selectors
from sigmasight.system.models import Job, JobStatus, UICommand


def job_create(*, job_type: str, owner: Any = None, params: dict[str, Any] | None = None) -> Job:
    """Records a queued job (``owner`` None for system work, visible to staff only)."""
    return Job.objects.create(job_type=job_type, owner=owner, params=params or {})


def job_start(*, job: Job) -> Job:
    """Marks the job running and stamps ``started_at``."""
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    return job


def job_progress(*, job: Job, percent: float) -> None:
    """Stores the progress, clamped to 0..100."""
    job.progress_percent = max(0.0, min(100.0, percent))
    Job.objects.filter(pk=job.pk).update(progress_percent=job.progress_percent)


def job_finish(
    *,
    job: Job,
    status: str,
    result: Any = None,
    error: str = "",
    errors: list[Any] | None = None,
) -> Job:
    """Stores the final status, result and errors (progress 100 on success or partial success)."""
    job.status = status
    job.result = result
    job.error = error
    job.errors = errors or []
    job.finished_at = timezone.now()
    if status in (JobStatus.SUCCEEDED, JobStatus.PARTIAL):
        job.progress_percent = 100.0
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        result=job.result,
        error=job.error,
        errors=job.errors,
        finished_at=job.finished_at,
        progress_percent=job.progress_percent,
    )
    return job


@transaction.atomic
def job_cancel(*, job: Job) -> Job:
    """Cancels a job that has not finished and returns its new state.

    A queued job becomes ``cancelled`` at once; a running one keeps running with
    ``cancel_requested`` set and stops at its next :func:`job_cancel_requested` check.
    The row is locked so a worker finishing the job at the same moment cannot be overwritten.

    Raises:
        Conflict: the job has already finished (succeeded, partial, failed or cancelled).
    """
    locked = Job.objects.select_for_update().get(pk=job.pk)
    if locked.is_terminal:
        raise Conflict(
            f"The job has already finished ({locked.status}); it cannot be cancelled.",
            details={"status": [str(locked.status)]},
        )
    locked.cancel_requested = True
    if locked.status == JobStatus.QUEUED:
        locked.status = JobStatus.CANCELLED
        locked.finished_at = timezone.now()
    locked.save(update_fields=["cancel_requested", "status", "finished_at"])
    return locked


def job_cancel_requested(*, job_id: Any) -> bool:
    """True when someone asked to cancel the job (workers check this between steps)."""
    return Job.objects.filter(pk=job_id, cancel_requested=True).exists()


def ui_command_record(*, user: Any, action: str, target: str, params: dict[str, Any]) -> UICommand:
    """Records a UI command for the user's frontend to pick up."""
    return UICommand.objects.create(owner=user, action=action, target=target, params=params)


@transaction.atomic
def ui_commands_deliver(
    *, user: Any, since: dt.datetime | None, limit: int, offset: int = 0
) -> tuple[list[UICommand], int]:
    """Hands out (and marks delivered) up to ``limit`` pending commands, oldest first.

    Returns the delivered commands and how many were pending before this call. Rows are locked
    (``SKIP LOCKED``) so two polls running at once never deliver the same command twice.
    """
    pending = selectors.ui_command_pending(user=user, since=since)
    total = pending.count()
    page = list(pending.select_for_update(skip_locked=True)[offset : offset + limit])
    now = timezone.now()
    UICommand.objects.filter(pk__in=[command.pk for command in page]).update(delivered_at=now)
    for command in page:
        command.delivered_at = now
    return page, total
