"""The batch's seams stay explicit: the registry imports its steps directly, the step services never
import the registry, dispatch builds Celery signatures by task name (never importing the tasks
module), and the worker path (a chain of phases, chords over chunks) runs the engines it lists."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import inspect
from pathlib import Path

import pytest
from celery import current_app

from analytics.batch import dispatch, registry
from analytics.batch.registry import BY_NAME, ENGINES
from analytics.batch.result import EngineResult
from analytics.batch.services import batch_run_create, batch_run_start
from analytics.models import BatchRun
from portfolios.tests.factories import PortfolioFactory

ANALYTICS = Path(__file__).resolve().parents[2]


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (``from a import b`` yields ``a`` and ``a.b``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _called_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call):
            func = node.func
            names.add(func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""))
    return names


class TestRegistry:
    def test_imports_its_steps_directly(self) -> None:
        path = Path(inspect.getfile(registry))

        assert "importlib" not in _imported_modules(path)
        assert not {"import_module", "__import__", "getattr"} & _called_names(path)

    @pytest.mark.parametrize("engine", ENGINES, ids=[e.name for e in ENGINES])
    def test_each_engine_is_a_step_service_function(self, engine: registry.Engine) -> None:
        assert callable(engine.fn)
        assert engine.fn.__module__.startswith("analytics.services.")
        parameters = inspect.signature(engine.fn).parameters
        assert {"as_of", "portfolio_ids"} <= set(parameters)
        assert all(parameters[p].kind is inspect.Parameter.KEYWORD_ONLY for p in ("as_of", "portfolio_ids"))

    def test_step_services_never_import_the_registry(self) -> None:
        offenders = [
            path.name
            for path in sorted((ANALYTICS / "services").glob("*.py"))
            if "analytics.batch.registry" in _imported_modules(path)
        ]

        assert offenders == []
        assert EngineResult.__module__ == "analytics.batch.result"


class TestDispatchSeam:
    def test_dispatch_does_not_import_the_tasks_module(self) -> None:
        imported = _imported_modules(Path(inspect.getfile(dispatch)))

        assert "analytics.tasks" not in imported

    @pytest.mark.parametrize(
        "name",
        [
            dispatch.BATCH_RUN_TASK,
            dispatch.GLOBAL_STEP_TASK,
            dispatch.CHUNK_STEP_TASK,
            dispatch.NEXT_PHASE_TASK,
            dispatch.FINALIZE_TASK,
        ],
    )
    def test_every_task_name_is_a_registered_task(self, name: str) -> None:
        signature = dispatch.task_signature(name, run_id="x")

        assert name in current_app.tasks
        assert signature.type.name == name
        assert signature.immutable
        assert signature.kwargs == {"run_id": "x"}


@pytest.mark.django_db
def test_the_worker_path_runs_every_phase_through_celery(monkeypatch) -> None:
    """Phases dispatched as Celery canvases (eager here): the global engine once, the portfolio
    engines per chunk, then the finalize task settles the run."""
    calls: list[tuple[str, tuple[str, ...]]] = []

    def fake(name: str):  # type: ignore[no-untyped-def]
        def step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
            calls.append((name, tuple(portfolio_ids)))
            return EngineResult(counts={"rows": len(portfolio_ids)})

        return step

    for name in ("market_data", "valuation", "aggregation"):
        monkeypatch.setitem(BY_NAME, name, dataclasses.replace(BY_NAME[name], fn=fake(name)))
    monkeypatch.setattr("analytics.batch.dispatch.chunks", lambda ids: [[pid] for pid in ids])
    portfolios = sorted((PortfolioFactory(), PortfolioFactory()), key=lambda p: (p.created_at, p.id))
    ids = [str(p.id) for p in portfolios]
    run = batch_run_create(
        as_of=dt.date(2026, 11, 20), engines=["market_data", "valuation", "aggregation"], portfolio_ids=ids
    )
    batch_run_start(run=run)

    dispatch.batch_phase_dispatch(run_id=run.id, phase=0)

    assert calls[0] == ("market_data", tuple(ids))
    assert sorted(calls[1:]) == sorted(
        [("valuation", (pid,)) for pid in ids] + [("aggregation", (pid,)) for pid in ids]
    )
    run = BatchRun.objects.get(pk=run.pk)
    assert run.status == "succeeded", run.error
    assert run.steps.count() == 1 + 2 * len(ids)
    assert run.job.status == "succeeded"
