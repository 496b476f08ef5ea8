"""The dependency rules of docs/architecture.md, enforced: the import-linter contracts of
``.importlinter`` (engines pure, marketdata below portfolios below analytics below exports, accounts
without domain apps, selectors without services) and no import cycle between product modules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "portfolios", "marketdata", "analytics", "exports", "sigmasight")


def _product(module: str) -> bool:
    parts = module.split(".")
    return not {"tests", "migrations"} & set(parts)


def test_import_linter_contracts_are_kept() -> None:
    # lint-imports in a subprocess: it builds its own import graph from the source tree
    run = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--config", ".importlinter", "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if run.returncode != 0:  # pragma: no cover - the message is the point
        pytest.fail(f"import-linter contracts broken:\n{run.stdout}\n{run.stderr}")
    assert "0 broken" in run.stdout


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components with more than one module (the import cycles)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


def test_strongly_connected_finds_a_cycle_and_nothing_else() -> None:
    assert strongly_connected({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == [["a", "b"]]
    assert strongly_connected({"a": {"b"}, "b": set()}) == []


def test_no_import_cycles_between_product_modules() -> None:
    # every import counts, also the ones inside functions: a lazy import does not remove a cycle
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    modules = {m for m in graph.modules if _product(m)}
    edges = {m: {x for x in graph.find_modules_directly_imported_by(m) if x in modules} for m in modules}
    assert strongly_connected(edges) == []
