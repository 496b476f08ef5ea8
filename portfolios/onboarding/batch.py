"""The seam onboarding -> first batch run: a Job in the import's transaction, the task after commit.

:func:`batch_queue` creates the batch's Job (``job_type`` "batch", owned by the importer so that
they can poll ``/system/jobs/{id}``) inside the caller's transaction and, once that transaction
commits, sends the analytics task *by name* (:data:`BATCH_TASK_NAME`; portfolios never imports
analytics) with the Job's id: the task records the run on that Job and queues it. A signature by
name runs in-process when ``CELERY_TASK_ALWAYS_EAGER`` (the task is registered), else goes to the
broker.

If the task cannot be sent (no broker) or fails in-process, the import stands: the Job is marked
``failed`` with the reason, and the upload that queued it says ``batch not queued: ...`` (its
``batch_job_id`` cleared). Without the task installed at all, no Job is created.
"""

from __future__ import annotations

import logging
import uuid
from functools import partial
from typing import Any

from celery.canvas import Signature
from celery.result import EagerResult
from django.db import transaction

from portfolios.onboarding.models import OnboardingUpload
from sigmasight.celery import task_registered, task_signature
from sigmasight.system.models import Job, JobStatus
from sigmasight.system.services import job_create, job_finish

logger = logging.getLogger(__name__)

#: The analytics task that records and queues a batch for some portfolios (kwargs: portfolio_ids,
#: trigger, owner_id, job_id); it returns the batch's Job id.
BATCH_TASK_NAME = "analytics.batch_portfolios"
BATCH_TRIGGER = "onboarding"
BATCH_JOB_TYPE = "batch"
QUEUED_NOTE = "queued"


def batch_task_installed() -> bool:
    """Whether the analytics batch task is registered (tasks modules are imported on first use)."""
    return task_registered(BATCH_TASK_NAME)


def batch_signature(kwargs: dict[str, Any]) -> Signature:
    """The batch task's signature, by name."""
    return task_signature(BATCH_TASK_NAME, **kwargs)


def batch_queue(*, owner: Any, portfolio_id: uuid.UUID) -> tuple[uuid.UUID | None, str]:
    """Creates the first batch run's Job for the portfolio and sends its task after commit.

    Returns ``(batch job id, "queued")``, or ``(None, "batch not queued: ...")`` when the task is
    not installed. Call it inside the import's transaction: the Job is rolled back with it.
    """
    if not batch_task_installed():
        return None, f"batch not queued: the task {BATCH_TASK_NAME} is not installed"
    ids = [str(portfolio_id)]
    job = job_create(
        job_type=BATCH_JOB_TYPE, owner=owner, params={"portfolio_ids": ids, "trigger": BATCH_TRIGGER}
    )
    kwargs = {
        "portfolio_ids": ids,
        "trigger": BATCH_TRIGGER,
        "owner_id": str(owner.pk),
        "job_id": str(job.pk),
    }
    transaction.on_commit(partial(batch_send, job_id=job.pk, kwargs=kwargs))
    return job.pk, QUEUED_NOTE


def batch_send(*, job_id: uuid.UUID, kwargs: dict[str, Any]) -> None:
    """Sends the task (after commit). A failure to send, or the task failing in-process (eager
    mode), marks the Job failed; the import it follows stands."""
    try:
        outcome = batch_signature(kwargs).apply_async()
    except Exception as exc:  # noqa: BLE001 - e.g. the broker is down: recorded on the Job
        batch_not_queued(job_id=job_id, error=exc)
        return
    if isinstance(outcome, EagerResult) and outcome.failed():
        batch_not_queued(job_id=job_id, error=outcome.result)


def batch_not_queued(*, job_id: uuid.UUID, error: BaseException | Any) -> None:
    """Records that the batch could not be queued: the Job failed with the reason, and the upload
    that queued it without a batch Job and with a ``batch not queued: <error type>`` note."""
    logger.warning("The first batch (job %s) was not queued: %r", job_id, error)
    kind = type(error).__name__
    job = Job.objects.filter(pk=job_id).first()
    if job is not None and job.status == JobStatus.QUEUED:
        job_finish(
            job=job,
            status=JobStatus.FAILED,
            error=f"The first batch run could not be queued ({kind}: {error}); the import stands. "
            "Run the batch again for the portfolio.",
        )
    OnboardingUpload.objects.filter(batch_job_id=job_id).update(
        batch_job_id=None, batch_note=f"batch not queued: {kind}"
    )
