"""Job lifecycle: create, start, progress, finish. Each write is one UPDATE of the row."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from sigmasight.api.exceptions import Conflict
from sigmasight.jobs.models import Job, JobStatus


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
