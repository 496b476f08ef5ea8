"""Batch orchestration: create a run, execute its phases, record every step, settle the status.

A run's engines are grouped into *phases*: a global engine is its own phase; consecutive portfolio
engines form one phase that runs per chunk of portfolios (a Celery group, so more workers = more
speed). One portfolio's failure is recorded on its BatchStep and never stops the others; the run is
then ``partial``. Without a broker the same tasks run eagerly in-process.

A failure never deletes a result: each engine call is one transaction (an exception leaves nothing
half-written), and a portfolio an engine cannot compute keeps its last good rows, which the readers
serve marked ``stale`` (``analytics.selectors.staleness``). Every engine of a run reads one
snapshot of the book: the portfolios and positions created at or before the run's start
(:func:`run_snapshot_at`), so writes made while the run goes land in the next run.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone

from analytics.batch.registry import BY_NAME, Engine, resolve
from analytics.batch.result import EngineResult
from analytics.batch.scope import run_scope
from analytics.models import BatchRun, BatchStep
from portfolios.holdings import position_snapshot
from portfolios.models import Portfolio
from sigmasight.api.response_cache import responses_invalidate
from sigmasight.system.models import Job, JobStatus
from sigmasight.system.services import job_cancel_requested, job_create, job_finish, job_progress, job_start

logger = logging.getLogger(__name__)

#: Portfolios per chunk task.
CHUNK_SIZE = 50


def phases(engines: Sequence[Engine]) -> list[tuple[str, list[str]]]:
    """Groups engines into phases: ("global", [name]) or ("portfolio", [names...])."""
    out: list[tuple[str, list[str]]] = []
    for engine in engines:
        if engine.scope == "portfolio" and out and out[-1][0] == "portfolio":
            out[-1][1].append(engine.name)
        else:
            out.append((engine.scope, [engine.name]))
    return out


def chunks(ids: Sequence[str], size: int = CHUNK_SIZE) -> list[list[str]]:
    return [list(ids[i : i + size]) for i in range(0, len(ids), size)]


@transaction.atomic
def batch_run_create(
    *,
    as_of: dt.date,
    engines: Sequence[str] | None = None,
    portfolio_ids: Sequence[UUID | str] | None = None,
    triggered_by: Any = None,
    trigger: str = "manual",
    job: Job | None = None,
) -> BatchRun:
    """Creates a queued run and its Job. ``engines`` defaults to the whole pipeline. ``job``: a
    Job created beforehand (e.g. in the transaction that asked for the run) to use instead of a
    new one; its params are set to the run's."""
    names = [e.name for e in resolve(list(engines) if engines else None)]
    ids = [str(p) for p in portfolio_ids] if portfolio_ids else None
    params = {"as_of_date": as_of.isoformat(), "engines": names, "portfolio_ids": ids}
    if job is None:
        job = job_create(job_type="batch", owner=triggered_by, params=params)
    else:
        job.params = params
        job.save(update_fields=["params"])
    return BatchRun.objects.create(
        as_of_date=as_of,
        engines=names,
        portfolio_ids=ids,
        job=job,
        triggered_by=triggered_by,
        trigger=trigger,
    )


def run_snapshot_at(run: BatchRun) -> dt.datetime | None:
    """The instant of the run's book snapshot: its start (None before it started: no snapshot)."""
    return run.started_at


def run_portfolio_ids(run: BatchRun) -> list[str]:
    """The run's portfolios (its list, else every one) that existed when the run started."""
    qs = Portfolio.objects.all()
    if run.portfolio_ids:
        qs = qs.filter(id__in=run.portfolio_ids)
    at = run_snapshot_at(run)
    if at is not None:
        qs = qs.filter(created_at__lte=at)
    return [str(pk) for pk in qs.order_by("created_at", "id").values_list("id", flat=True)]


def batch_run_start(*, run: BatchRun) -> BatchRun:
    run.status = JobStatus.RUNNING
    run.started_at = timezone.now()
    run.save(update_fields=["status", "started_at"])
    if run.job:
        job_start(job=run.job)
    return run


def _cancel_requested(run: BatchRun) -> bool:
    """True when someone asked to cancel the run's job (checked between steps)."""
    return bool(run.job_id) and job_cancel_requested(job_id=run.job_id)


def _call(engine: Engine, *, run: BatchRun, portfolio_ids: list[str]) -> EngineResult:
    """One engine call on the run's book snapshot, in one transaction (an exception rolls back
    everything the call wrote: the stored results stay as they were)."""
    with position_snapshot(run_snapshot_at(run)), transaction.atomic():
        return engine.fn(as_of=run.as_of_date, portfolio_ids=portfolio_ids)


def _isolate(engine: Engine, *, run: BatchRun, portfolio_ids: list[str]) -> EngineResult:
    """Runs the engine for the chunk; if the chunk raises, reruns portfolio by portfolio."""
    try:
        return _call(engine, run=run, portfolio_ids=portfolio_ids)
    except Exception:  # noqa: BLE001 - isolate the failing portfolio(s)
        logger.exception("%s failed for a chunk of %d; isolating", engine.name, len(portfolio_ids))
    merged = EngineResult()
    for pid in portfolio_ids:
        try:
            result = _call(engine, run=run, portfolio_ids=[pid])
        except Exception as exc:  # noqa: BLE001
            merged.failures[pid] = f"{exc.__class__.__name__}: {exc}"
            logger.warning("%s failed for portfolio %s: %s", engine.name, pid, traceback.format_exc(limit=3))
            continue
        for key, value in result.counts.items():
            merged.counts[key] = merged.counts.get(key, 0) + value
        merged.failures.update(result.failures)
        merged.notes.update(result.notes)
    return merged


def _jsonable(value: Any) -> Any:
    """Notes and counts as plain JSON (numpy scalars, dates and the like become numbers or text)."""
    return json.loads(json.dumps(value, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def _record(
    run: BatchRun,
    engine: Engine,
    portfolio_ids: list[str] | None,
    result: EngineResult,
    started: Any,
    ms: float,
) -> None:
    finished = timezone.now()
    result = EngineResult(
        counts=_jsonable(result.counts), failures=result.failures, notes=_jsonable(result.notes)
    )
    steps: list[BatchStep] = []
    if portfolio_ids is None:
        status = JobStatus.PARTIAL if result.failures else JobStatus.SUCCEEDED
        steps.append(
            BatchStep(
                run=run,
                engine=engine.name,
                status=status,
                started_at=started,
                finished_at=finished,
                duration_ms=ms,
                # the portfolios it could not compute, whole (the error text is truncated): the
                # readers mark their kept results stale (analytics.selectors.staleness)
                counts={
                    **result.counts,
                    "failed_portfolios": sorted(k for k in result.failures if k != "*"),
                    "notes": result.notes,
                },
                error="; ".join(f"{k}: {v}" for k, v in sorted(result.failures.items()))[:10000],
            )
        )
    else:
        for pid in portfolio_ids:
            failed = pid in result.failures
            steps.append(
                BatchStep(
                    run=run,
                    engine=engine.name,
                    portfolio_id=pid,
                    status=JobStatus.FAILED if failed else JobStatus.SUCCEEDED,
                    started_at=started,
                    finished_at=finished,
                    duration_ms=ms,
                    counts={**result.counts, "chunk_size": len(portfolio_ids), "notes": result.notes},
                    error=result.failures.get(pid, ""),
                )
            )
    BatchStep.objects.bulk_create(steps)


def batch_global_step(*, run_id: UUID | str, engine_name: str) -> None:
    """Runs one global engine for the run and records its step (failures recorded, never raised)."""
    run = BatchRun.objects.get(pk=run_id)
    if run.status in (JobStatus.CANCELLED, JobStatus.FAILED):
        return
    engine = BY_NAME[engine_name]
    started, t0 = timezone.now(), time.perf_counter()
    ids = run_portfolio_ids(run)
    try:
        result = _call(engine, run=run, portfolio_ids=ids)
    except Exception as exc:  # noqa: BLE001
        logger.exception("Global engine %s failed", engine.name)
        result = EngineResult(failures={"*": f"{exc.__class__.__name__}: {exc}"})
    _record(run, engine, None, result, started, (time.perf_counter() - t0) * 1000)


def batch_chunk_step(*, run_id: UUID | str, engine_names: Sequence[str], portfolio_ids: list[str]) -> None:
    """Runs consecutive portfolio engines for one chunk of portfolios."""
    run = BatchRun.objects.get(pk=run_id)
    if run.status in (JobStatus.CANCELLED, JobStatus.FAILED):
        return
    with run_scope(run_id=run.id, as_of=run.as_of_date):  # the run's shared inputs, once per worker
        for name in engine_names:
            if _cancel_requested(run):
                return
            engine = BY_NAME[name]
            started, t0 = timezone.now(), time.perf_counter()
            result = _isolate(engine, run=run, portfolio_ids=portfolio_ids)
            _record(run, engine, portfolio_ids, result, started, (time.perf_counter() - t0) * 1000)


def batch_run_finalize(*, run_id: UUID | str) -> BatchRun:
    """Settles the run's status from its steps: succeeded, partial, failed or cancelled."""
    run = BatchRun.objects.select_related("job").get(pk=run_id)
    # annotated: the django-stubs plugin types a nullable foreign key's "<fk>_id" in values_list as
    # non-optional (global steps have no portfolio)
    steps: list[tuple[str, UUID | None, str, str]] = list(
        run.steps.values_list("engine", "portfolio_id", "status", "error")
    )
    failed_portfolios = {str(p) for _, p, s, _ in steps if p is not None and s == JobStatus.FAILED}
    global_failures = [(e, err) for e, p, s, err in steps if p is None and s != JobStatus.SUCCEEDED]
    ids = run_portfolio_ids(run)
    total = len(ids)
    # Every engine must have run: once for a global engine, once per portfolio for the others.
    seen = {(e, str(p) if p is not None else None) for e, p, _, _ in steps}
    cancelled = _cancel_requested(run)
    for name in run.engines:
        engine = BY_NAME[name]
        if engine.scope == "global":
            if (name, None) not in seen and not cancelled:
                global_failures.append((name, "*: the engine did not run"))
        else:
            missing = [pid for pid in ids if (name, pid) not in seen]
            if missing and not cancelled:
                failed_portfolios.update(missing)
                global_failures.append((name, f"did not run for {len(missing)} portfolio(s)"))
    if cancelled:
        status = JobStatus.CANCELLED
    elif any(e == "market_data" and "*" in err.split(":")[0] for e, err in global_failures):
        status = JobStatus.FAILED
    elif failed_portfolios and len(failed_portfolios) >= total > 0:
        status = JobStatus.FAILED
    elif failed_portfolios or global_failures:
        status = JobStatus.PARTIAL
    else:
        status = JobStatus.SUCCEEDED
    by_engine: dict[str, dict[str, Any]] = {}
    for step_engine, _, step_status, _ in steps:
        row = by_engine.setdefault(step_engine, {"succeeded": 0, "failed": 0, "partial": 0})
        row[step_status] = row.get(step_status, 0) + 1
    run.status = status
    run.finished_at = timezone.now()
    run.counts = {
        "portfolios": total,
        "portfolios_failed": len(failed_portfolios),
        "engines": by_engine,
    }
    run.error = "; ".join(f"{e}: {err}" for e, err in global_failures)[:10000]
    run.save(update_fields=["status", "finished_at", "counts", "error"])
    if run.job:
        job_finish(
            job=run.job,
            status=status,
            result={"batch_run_id": str(run.id), **run.counts},
            error=run.error,
            errors=[{"portfolio_id": p} for p in sorted(failed_portfolios)],
        )
    from analytics.alerts.services import after_batch  # alerts read this run's results

    after_batch(run=run)
    responses_invalidate()  # every cached /data and /analytics response (results and prices changed)
    return run


def batch_run_execute(
    *, run: BatchRun, on_progress: Callable[[str, int, int], None] | None = None
) -> BatchRun:
    """Runs the whole pipeline in this process (management command, eager mode, tests)."""
    batch_run_start(run=run)
    ids = run_portfolio_ids(run)
    plan = phases([BY_NAME[n] for n in run.engines])
    units = sum(1 if scope == "global" else max(1, len(chunks(ids))) for scope, _ in plan)
    done = 0
    for scope, names in plan:
        if _cancel_requested(run):
            break
        if scope == "global":
            batch_global_step(run_id=run.id, engine_name=names[0])
            done += 1
            if on_progress:
                on_progress(names[0], done, units)
        else:
            for chunk in chunks(ids):
                batch_chunk_step(run_id=run.id, engine_names=names, portfolio_ids=chunk)
                done += 1
                if on_progress:
                    on_progress("+".join(names), done, units)
        if run.job:
            job_progress(job=run.job, percent=100.0 * done / max(units, 1))
    return batch_run_finalize(run_id=run.id)
