"""Job lifecycle: create, start, progress, finish. Each write is one UPDATE of the row."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from sigmasight.jobs.models import Job, JobStatus


def job_create(*, job_type: str, owner: Any = None, params: dict[str, Any] | None = None) -> Job:
    return Job.objects.create(job_type=job_type, owner=owner, params=params or {})


def job_start(*, job: Job) -> Job:
    job.status = JobStatus.RUNNING
    job.started_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(status=job.status, started_at=job.started_at)
    return job


def job_progress(*, job: Job, percent: float) -> None:
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


def job_cancel(*, job: Job) -> Job:
    """Cancels a job that has not finished: queued jobs stop at once, running ones at their next check."""
    if job.is_terminal:
        return job
    job.cancel_requested = True
    if job.status == JobStatus.QUEUED:
        job.status = JobStatus.CANCELLED
        job.finished_at = timezone.now()
    Job.objects.filter(pk=job.pk).update(
        cancel_requested=True, status=job.status, finished_at=job.finished_at
    )
    return job


def job_cancel_requested(*, job_id: Any) -> bool:
    return Job.objects.filter(pk=job_id, cancel_requested=True).exists()
