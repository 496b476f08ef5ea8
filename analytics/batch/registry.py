"""The 8 engines of the pipeline, in order (DESIGN.md "Batch pipeline").

A *global* engine runs once per run (market data sync, the per-symbol factor regressions); a
*portfolio* engine runs per chunk of portfolios, vectorized across the chunk. Each engine is a
service function ``fn(*, as_of: date, portfolio_ids: list[UUID]) -> EngineResult`` imported lazily
by dotted path so this module stays import-light.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class EngineResult:
    """What an engine did: counts, per-portfolio failures (id -> message), and data-quality notes."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: dict[str, str] = field(default_factory=dict)
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Engine:
    name: str
    scope: str  # "global" | "portfolio"
    path: str  # "module:function"
    label: str

    def load(self) -> Callable[..., EngineResult]:
        module, func = self.path.split(":")
        return getattr(importlib.import_module(module), func)


ENGINES: tuple[Engine, ...] = (
    Engine("market_data", "global", "analytics.services.market_data:market_data_step", "Market data sync"),
    Engine("valuation", "portfolio", "analytics.services.valuation:valuation_step", "Position valuation"),
    Engine(
        "aggregation", "portfolio", "analytics.services.aggregation:aggregation_step", "Portfolio aggregation"
    ),
    Engine("greeks", "portfolio", "analytics.services.greeks:greeks_step", "Options Greeks"),
    Engine("factors", "global", "analytics.services.factors:factors_step", "Factor exposures"),
    Engine("correlations", "portfolio", "analytics.services.correlations:correlations_step", "Correlations"),
    Engine(
        "stress_tests", "portfolio", "analytics.services.risk:risk_step", "Stress tests, VaR, contributions"
    ),
    Engine(
        "snapshots", "portfolio", "analytics.services.snapshots:snapshots_step", "Snapshots and performance"
    ),
)
ENGINE_NAMES = tuple(e.name for e in ENGINES)
BY_NAME = {e.name: e for e in ENGINES}

#: The staff trigger endpoints (/system/batch/<trigger>) and the engines each runs.
TRIGGERS: dict[str, tuple[str, ...]] = {
    "run-all": ENGINE_NAMES,
    "market-data": ("market_data",),
    "aggregations": ("valuation", "aggregation"),
    "greeks": ("valuation", "greeks"),
    "factors": ("factors",),
    "correlations": ("correlations",),
    "stress-tests": ("stress_tests",),
    "snapshots": ("snapshots",),
}


def resolve(names: list[str] | tuple[str, ...] | None) -> list[Engine]:
    """The engines to run, in pipeline order; unknown names raise ValueError."""
    if not names:
        return list(ENGINES)
    unknown = sorted(set(names) - set(ENGINE_NAMES))
    if unknown:
        raise ValueError(f"Unknown engines: {', '.join(unknown)}. Known: {', '.join(ENGINE_NAMES)}.")
    return [e for e in ENGINES if e.name in names]
