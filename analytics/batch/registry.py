"""The 8 engines of the pipeline, in order (DESIGN.md "Batch pipeline"), then the VaR forecasts step
(the stored history the VaR backtest reads: ``analytics.services.var_forecasts``).

A *global* engine runs once per run (market data sync, the per-symbol factor regressions); a
*portfolio* engine runs per chunk of portfolios, vectorized across the chunk. Each engine is a
service function ``fn(*, as_of: date, portfolio_ids: list[str]) -> EngineResult``, imported here
directly. The step services import :class:`~analytics.batch.result.EngineResult` from
``analytics.batch.result``, never this module, so the imports run one way: only the orchestration
(``analytics.batch.services`` / ``dispatch``, the staff API, the run_batch command) imports the
registry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from analytics.batch.result import EngineResult
from analytics.services.aggregation import aggregation_step
from analytics.services.correlations import correlations_step
from analytics.services.factors import factors_step
from analytics.services.greeks import greeks_step
from analytics.services.market_data import market_data_step
from analytics.services.risk import risk_step
from analytics.services.snapshots import snapshots_step
from analytics.services.valuation import valuation_step
from analytics.services.var_forecasts import var_forecasts_step


@dataclass(frozen=True)
class Engine:
    name: str
    scope: str  # "global" | "portfolio"
    fn: Callable[..., EngineResult]
    label: str


ENGINES: tuple[Engine, ...] = (
    Engine("market_data", "global", market_data_step, "Market data sync"),
    Engine("valuation", "portfolio", valuation_step, "Position valuation"),
    Engine("aggregation", "portfolio", aggregation_step, "Portfolio aggregation"),
    Engine("greeks", "portfolio", greeks_step, "Options Greeks"),
    Engine("factors", "global", factors_step, "Factor exposures"),
    Engine("correlations", "portfolio", correlations_step, "Correlations"),
    Engine("stress_tests", "portfolio", risk_step, "Stress tests, VaR, contributions"),
    Engine("snapshots", "portfolio", snapshots_step, "Snapshots and performance"),
    # Not one of DESIGN's 8 engines: the VaR backtest's history (needs engine 7's VaR and engine 8's days).
    Engine("var_forecasts", "portfolio", var_forecasts_step, "VaR forecasts (backtest history)"),
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
    "stress-tests": ("stress_tests", "var_forecasts"),
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
