"""Celery tasks of the batch: ids and ISO dates in, one service call each."""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task


@shared_task(name="analytics.batch_global_step")
def batch_global_step_task(_previous: Any = None, *, run_id: str, engine_name: str) -> None:
    from analytics.batch.services import batch_global_step

    batch_global_step(run_id=run_id, engine_name=engine_name)


@shared_task(name="analytics.batch_chunk_step")
def batch_chunk_step_task(
    _previous: Any = None, *, run_id: str, engine_names: list[str], portfolio_ids: list[str]
) -> None:
    from analytics.batch.services import batch_chunk_step

    batch_chunk_step(run_id=run_id, engine_names=engine_names, portfolio_ids=portfolio_ids)


@shared_task(name="analytics.batch_next_phase")
def batch_next_phase_task(_previous: Any = None, *, run_id: str, phase: int) -> None:
    """Chord callback: dispatches the run's next phase (or the finalize task after the last)."""
    from analytics.batch.dispatch import batch_phase_dispatch

    batch_phase_dispatch(run_id=run_id, phase=phase)


@shared_task(name="analytics.batch_finalize")
def batch_finalize_task(_previous: Any = None, *, run_id: str) -> None:
    from analytics.batch.services import batch_run_finalize

    batch_run_finalize(run_id=run_id)


@shared_task(name="analytics.batch_run")
def batch_run_task(run_id: str) -> None:
    """Executes a created run: in-process when eager, else as a chain of chords over portfolio chunks."""
    from analytics.batch.dispatch import batch_run_dispatch

    batch_run_dispatch(run_id=run_id)


@shared_task(name="analytics.nightly_batch")
def nightly_batch_task(as_of_date: str | None = None) -> str:
    """The celery-beat entry: runs the whole pipeline for the last closed session."""
    from analytics.batch.dispatch import batch_run_nightly

    as_of = dt.date.fromisoformat(as_of_date) if as_of_date else None
    return str(batch_run_nightly(as_of=as_of).id)


@shared_task(name="analytics.batch_portfolios")
def batch_portfolios_task(
    *,
    portfolio_ids: list[str],
    trigger: str = "onboarding",
    as_of_date: str | None = None,
    owner_id: str | None = None,
    job_id: str | None = None,
) -> str:
    """Queues the whole pipeline for some portfolios (e.g. a newly onboarded one); returns the job id.

    Called by name from apps that must not import analytics (portfolios' onboarding), which may
    have created the run's Job already (``job_id``): the run is recorded on it, and a failure here
    marks it failed.
    """
    from accounts.models import User
    from analytics.batch.dispatch import batch_run_enqueue
    from marketdata.providers.registry import market_as_of
    from sigmasight.system.models import Job, JobStatus
    from sigmasight.system.services import job_finish

    job = Job.objects.filter(pk=job_id).first() if job_id else None
    try:
        as_of = dt.date.fromisoformat(as_of_date) if as_of_date else market_as_of()
        owner = User.objects.filter(pk=owner_id).first() if owner_id else None
        run = batch_run_enqueue(
            as_of=as_of, portfolio_ids=portfolio_ids, trigger=trigger, triggered_by=owner, job=job
        )
    except Exception as exc:
        if job is not None:
            job_finish(job=job, status=JobStatus.FAILED, error=f"The batch could not be queued: {exc!r}")
        raise
    return str(run.job_id)
