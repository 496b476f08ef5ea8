"""Reads behind the staff console's dashboard and batch pages (``analytics.admin``).

The admin is an interface: every figure it shows comes from here (or from the selectors the API
uses), already computed; the admin only lays the values out. Units: money in USD (NAV from the
latest :class:`~analytics.models.PortfolioAggregate`), durations in milliseconds (``duration_ms``)
with a display label in ms or s, dates as ``datetime.date``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.db.models import Count, Max, OuterRef, Subquery
from django.utils import timezone

from analytics.alerts.models import Alert, AlertPriority
from analytics.batch.registry import BY_NAME, ENGINE_NAMES
from analytics.batch.selectors import batch_runs, engine_summaries
from analytics.models import BatchRun, BatchStep, PortfolioAggregate
from marketdata.models import MacroSeries, PriceBar
from portfolios.models import Portfolio
from sigmasight.system.models import JobStatus

__all__ = [
    "batch_rerun_scope",
    "batch_run_console",
    "console_dashboard",
    "counts_label",
    "duration_label",
    "run_duration_label",
]

#: Alert priorities, most urgent first (the dashboard's order).
PRIORITY_ORDER: tuple[str, ...] = (AlertPriority.HIGH, AlertPriority.MEDIUM, AlertPriority.LOW)


def duration_label(ms: float | None) -> str:
    """``40.469`` -> ``"40 ms"``, ``1234.5`` -> ``"1.23 s"``, ``61500`` -> ``"1 min 1.5 s"``; ``"—"`` for null."""
    if ms is None:
        return "—"
    if ms < 1000:
        return f"{ms:.0f} ms"
    seconds = ms / 1000.0
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, rest = divmod(seconds, 60)
    return f"{minutes:.0f} min {rest:.1f} s"


def counts_label(counts: Mapping[str, Any] | None) -> str:
    """A step's or run's counts as ``"portfolios 3 · positions 63"``; a nested mapping as
    ``"greeks: succeeded 3"`` (its zero entries left out), a list by its length; ``"—"`` when empty."""
    if not counts:
        return "—"
    parts: list[str] = []
    for key, value in counts.items():
        name = str(key).replace("_", " ")
        if isinstance(value, Mapping):
            inner = counts_label({k: v for k, v in value.items() if v not in (0, None, "", [], {})})
            if isinstance(next(iter(value.values()), None), Mapping):
                parts.append(inner)  # a grouping level (e.g. "engines"): its members speak for it
            else:
                parts.append(f"{name}: {inner.replace(' · ', ', ')}")
        elif isinstance(value, (list, tuple)):
            parts.append(f"{name} {len(value)}")
        else:
            parts.append(f"{name} {value}")
    return " · ".join(parts)


def _run_seconds(run: BatchRun) -> float | None:
    if run.started_at is None or run.finished_at is None:
        return None
    return (run.finished_at - run.started_at).total_seconds()


def run_duration_label(run: BatchRun) -> str:
    """The run's wall time (started to finished) as a label; ``"—"`` while unfinished (no query)."""
    seconds = _run_seconds(run)
    return duration_label(None if seconds is None else seconds * 1000.0)


def batch_run_console(run: BatchRun) -> dict[str, Any]:
    """One run for the console: its engines in pipeline order (label, status, steps, failures,
    summed ``duration_ms`` and its label, counts label) and every failed step with its portfolio
    name and error (three queries)."""
    summaries = engine_summaries([run])[str(run.id)]
    engines = [
        {
            "engine": item["engine"],
            "label": BY_NAME[item["engine"]].label if item["engine"] in BY_NAME else item["engine"],
            "status": item["status"],
            "steps": item["steps"],
            "failed": item["failed"],
            "duration_ms": item["duration_ms"],
            "duration": duration_label(item["duration_ms"] if item["steps"] else None),
            "counts": counts_label(item["counts"]),
        }
        for item in summaries
    ]
    failures = list(
        BatchStep.objects.filter(run=run)
        .exclude(error="")
        .order_by("id")
        .values("engine", "portfolio_id", "portfolio_name", "status", "error")
    )
    seconds = _run_seconds(run)
    return {
        "id": run.id,
        "as_of_date": run.as_of_date,
        "status": run.status,
        "trigger": run.trigger,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
        "duration_ms": None if seconds is None else seconds * 1000.0,
        "duration": duration_label(None if seconds is None else seconds * 1000.0),
        "counts": counts_label(run.counts),
        "engines": engines,
        "failures": failures,
        "failed_steps": sum(e["failed"] for e in engines),
    }


def batch_rerun_scope(run: BatchRun) -> dict[str, Any] | None:
    """What re-running a run's failed steps means: the engines from the first failed one to the end
    of the run's pipeline (later engines read the earlier ones' results), for the portfolios whose
    steps failed, or the run's whole scope when a global step failed. None when nothing failed."""
    failed = list(
        BatchStep.objects.filter(run=run, status=JobStatus.FAILED).values_list("engine", "portfolio_id")
    )
    if not failed:
        return None
    engines = [name for name in run.engines if name in BY_NAME]
    first = min(engines.index(engine) for engine, _ in failed if engine in engines)
    global_failed = any(portfolio_id is None for _, portfolio_id in failed)
    portfolio_ids = (
        run.portfolio_ids
        if global_failed
        else sorted({str(portfolio_id) for _, portfolio_id in failed if portfolio_id is not None})
    )
    return {"as_of": run.as_of_date, "engines": engines[first:], "portfolio_ids": portfolio_ids}


def _last_run() -> dict[str, Any] | None:
    run = batch_runs().first()
    return None if run is None else batch_run_console(run)


def _open_alerts() -> dict[str, Any]:
    rows = dict(
        Alert.objects.filter(resolved_at__isnull=True)
        .values_list("priority")
        .annotate(n=Count("id"))
        .values_list("priority", "n")
    )
    by_priority = [{"priority": p, "count": rows.get(p, 0)} for p in PRIORITY_ORDER]
    return {"by_priority": by_priority, "total": sum(item["count"] for item in by_priority)}


def _portfolios_by_nav(limit: int) -> list[dict[str, Any]]:
    latest = PortfolioAggregate.objects.filter(portfolio=OuterRef("pk")).order_by("-as_of_date")
    rows = (
        Portfolio.objects.annotate(
            nav=Subquery(latest.values("nav")[:1]),
            as_of_date=Subquery(latest.values("as_of_date")[:1]),
        )
        .filter(nav__isnull=False)
        .order_by("-nav", "name")
        .values("id", "name", "owner__email", "nav", "as_of_date")[:limit]
    )
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "owner": r["owner__email"],
            "nav": float(r["nav"]),
            "as_of_date": r["as_of_date"],
        }
        for r in rows
    ]


def _freshness() -> list[dict[str, Any]]:
    """Per provider (``source``): the last bar date and how many symbols it covers; then the macro
    series' last observation per provider."""
    bars = (
        PriceBar.objects.values("source")
        .annotate(last_date=Max("date"), symbols=Count("symbol", distinct=True))
        .order_by("source")
    )
    macro = (
        MacroSeries.objects.values("source")
        .annotate(last_date=Max("date"), symbols=Count("series_id", distinct=True))
        .order_by("source")
    )
    return [{"kind": "prices", **row} for row in bars] + [{"kind": "macro", **row} for row in macro]


def console_dashboard(*, today: dt.date | None = None, nav_limit: int = 10) -> dict[str, Any]:
    """The dashboard's figures: the last batch run (see :func:`batch_run_console`), open alerts by
    priority, the ``nav_limit`` largest portfolios by latest NAV (USD), data freshness per provider
    with its age in calendar days from ``today`` (default: the server's date), and counts."""
    today = today or timezone.localdate()
    freshness = [
        {**row, "age_days": None if row["last_date"] is None else (today - row["last_date"]).days}
        for row in _freshness()
    ]
    return {
        "last_run": _last_run(),
        "alerts": _open_alerts(),
        "portfolios": _portfolios_by_nav(nav_limit),
        "portfolio_count": Portfolio.objects.count(),
        "freshness": freshness,
        "engines": list(ENGINE_NAMES),
    }
