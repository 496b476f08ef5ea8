"""Sending a run to Celery: a chain of phases, each portfolio phase a chord over chunks.

The Celery signatures are built by task *name* (``analytics/tasks.py`` registers them): this module
never imports the tasks module, which imports this one in its task bodies.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from celery import chain, chord, group
from django.conf import settings
from django.db import transaction

from analytics.batch.registry import BY_NAME
from analytics.batch.services import (
    batch_run_create,
    batch_run_execute,
    batch_run_start,
    chunks,
    phases,
    run_portfolio_ids,
)
from analytics.models import BatchRun
from marketdata.providers.registry import market_as_of
from sigmasight.celery import task_signature
from sigmasight.system.models import Job

#: The batch tasks of analytics/tasks.py, by their registered names.
BATCH_RUN_TASK = "analytics.batch_run"
GLOBAL_STEP_TASK = "analytics.batch_global_step"
CHUNK_STEP_TASK = "analytics.batch_chunk_step"
NEXT_PHASE_TASK = "analytics.batch_next_phase"
FINALIZE_TASK = "analytics.batch_finalize"


def batch_run_dispatch(*, run_id: UUID | str) -> None:
    """Runs the batch: eagerly in-process without a broker, else fanned out over workers."""
    run = BatchRun.objects.get(pk=run_id)
    if settings.CELERY_TASK_ALWAYS_EAGER:
        batch_run_execute(run=run)
        return
    batch_run_start(run=run)
    batch_phase_dispatch(run_id=run.id, phase=0)


def batch_phase_dispatch(*, run_id: UUID | str, phase: int) -> None:
    """Sends phase ``phase`` of the run to the workers; its completion dispatches the next one.

    A global phase is one task; a portfolio phase is a chord over chunks of portfolios (one level
    of group + callback, the canvas Celery handles best); after the last phase, the finalize task.
    """
    run = BatchRun.objects.get(pk=run_id)
    plan = phases([BY_NAME[n] for n in run.engines])
    following = task_signature(NEXT_PHASE_TASK, run_id=str(run.id), phase=phase + 1)
    if phase >= len(plan) or run.status in ("cancelled", "failed"):
        task_signature(FINALIZE_TASK, run_id=str(run.id)).delay()
        return
    scope, names = plan[phase]
    if scope == "global":
        chain(
            task_signature(GLOBAL_STEP_TASK, run_id=str(run.id), engine_name=names[0]), following
        ).apply_async()
        return
    header = [
        task_signature(CHUNK_STEP_TASK, run_id=str(run.id), engine_names=names, portfolio_ids=chunk)
        for chunk in chunks(run_portfolio_ids(run))
    ]
    if not header:
        following.apply_async()
        return
    chord(group(header), following).apply_async()


def batch_run_enqueue(
    *,
    as_of: dt.date,
    engines: list[str] | None = None,
    portfolio_ids: list[Any] | None = None,
    triggered_by: Any = None,
    trigger: str = "api",
    job: Job | None = None,
) -> BatchRun:
    """Creates a run (on ``job`` when given, else on a new Job) and queues it (after the current
    transaction commits)."""
    run = batch_run_create(
        as_of=as_of,
        engines=engines,
        portfolio_ids=portfolio_ids,
        triggered_by=triggered_by,
        trigger=trigger,
        job=job,
    )
    transaction.on_commit(lambda: task_signature(BATCH_RUN_TASK, str(run.id)).delay())
    return run


def batch_run_nightly(*, as_of: dt.date | None = None) -> BatchRun:
    """The nightly run of the whole pipeline (``as_of`` defaults to the last closed session)."""
    return batch_run_enqueue(as_of=as_of or market_as_of(), trigger="schedule")
