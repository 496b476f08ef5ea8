"""Per-process cache of a batch run's shared inputs (one entry set per run and as-of date).

A chunk task runs inside :func:`run_scope` (``batch_chunk_step`` sets it); a step that builds
inputs shared by every chunk of the run (engine 7's returns, covariances and scenario values of
the date) asks :func:`run_cached` for them, so a worker process builds them once per run however
many chunks it executes: chunk tasks carry ids only, and N workers on N machines each build the
shared inputs once. Only the current run's entries are kept (memory bounded; a new run, or a
different as-of date, starts empty). Outside a scope (a modeling session, a test calling a step
directly) nothing is cached. Inputs are safe to share inside a run because the global engines
(market data, factors) finish before the portfolio phase starts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

__all__ = ["run_cached", "run_scope"]

_scope: ContextVar[tuple[str, dt.date] | None] = ContextVar("batch_run_scope", default=None)
_cache: dict[str, Any] = {}
_cache_key: list[tuple[str, dt.date] | None] = [None]


@contextmanager
def run_scope(*, run_id: Any, as_of: dt.date) -> Iterator[None]:
    """Marks the code inside as part of run ``run_id`` for ``as_of`` (see the module docstring)."""
    token = _scope.set((str(run_id), as_of))
    try:
        yield
    finally:
        _scope.reset(token)


def run_cached(name: str, as_of: dt.date) -> dict[str, Any] | None:
    """The mutable cache entry ``name`` of the current run for ``as_of`` (created empty), or None
    outside a run scope (or for another date than the run's): the caller then builds its inputs."""
    scope = _scope.get()
    if scope is None or scope[1] != as_of:
        return None
    if _cache_key[0] != scope:
        _cache.clear()
        _cache_key[0] = scope
    entry: dict[str, Any] = _cache.setdefault(name, {})
    return entry
