"""Reads of batch runs for the staff endpoints and the admin."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import QuerySet

from analytics.models import BatchRun, BatchStep


def batch_runs() -> QuerySet[BatchRun]:
    return BatchRun.objects.select_related("job").order_by("-created_at")


def batch_current() -> BatchRun | None:
    """The running or queued run, else the latest one."""
    active = batch_runs().filter(status__in=["running", "queued"]).first()
    return active or batch_runs().first()


def engine_summaries(runs: list[BatchRun]) -> dict[str, list[dict[str, Any]]]:
    """Per run id: per-engine counts, timing and errors, in pipeline order (one query for all runs)."""
    rows = BatchStep.objects.filter(run__in=runs).values_list(
        "run_id", "engine", "portfolio_id", "status", "duration_ms", "started_at", "error", "counts"
    )
    acc: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    seen: set[tuple[Any, str, Any]] = set()
    for run_id, engine, portfolio_id, status, ms, started, error, counts in rows:
        item = acc[str(run_id)].setdefault(
            engine,
            {
                "engine": engine,
                "steps": 0,
                "succeeded": 0,
                "failed": 0,
                "partial": 0,
                "duration_ms": 0.0,
                "errors": [],
                "counts": {},
            },
        )
        item["steps"] += 1
        item[status] = item.get(status, 0) + 1
        if (run_id, engine, started) not in seen:
            seen.add((run_id, engine, started))
            item["duration_ms"] += ms or 0.0
            for key, value in (counts or {}).items():
                if isinstance(value, (int, float)) and key != "chunk_size":
                    item["counts"][key] = item["counts"].get(key, 0) + value
        if error and len(item["errors"]) < 20:
            item["errors"].append(
                {"portfolio_id": str(portfolio_id) if portfolio_id else None, "error": error}
            )
    out: dict[str, list[dict[str, Any]]] = {}
    for run in runs:
        engines = acc.get(str(run.id), {})
        out[str(run.id)] = [
            {
                **engines.get(
                    name,
                    {
                        "engine": name,
                        "steps": 0,
                        "succeeded": 0,
                        "failed": 0,
                        "partial": 0,
                        "duration_ms": 0.0,
                        "errors": [],
                        "counts": {},
                    },
                ),
                "status": _engine_status(engines.get(name)),
            }
            for name in run.engines
        ]
    return out


def _engine_status(item: dict[str, Any] | None) -> str:
    if not item or not item["steps"]:
        return "queued"
    if item["failed"] and not item["succeeded"]:
        return "failed"
    if item["failed"] or item.get("partial"):
        return "partial"
    return "succeeded"
