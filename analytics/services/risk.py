"""Engine 7: stress tests, VaR / expected shortfall and risk contributions (DESIGN.md).

``risk_step(*, as_of, portfolio_ids)`` works on a chunk of portfolios:

1. Reads (``analytics.selectors.risk_inputs``; a constant number of queries for the chunk): held positions, their valuations of
   ``as_of`` (price, underlying price, delta-adjusted exposure), NAVs (PortfolioAggregate, else
   valuations + cash), option inputs (``option_greeks_frame``: S, K, T, r, q, sigma), every risk
   symbol's betas, macro sensitivities, CAPM beta and residual volatility (SymbolFactorExposure of
   ``as_of``), ONE price frame (risk symbols, factor ETFs, USO, EWG, VIX; adjusted closes for the
   last ~800 calendar days), DGS10 (and VIXCLS as a fallback for VIX), the active scenarios.
2. Market inputs shared by the chunk: simple daily returns (last 500 rows), the EWMA covariance
   (lambda 0.94, 252 days) of the 11 stress variables and the annualized 252-day sample
   covariance of the 7 factor regressors.
3. Every active library scenario (plus the owners' own) through ``engines.stress.run_stress_tests``
   once for the whole chunk (the conditional factor moves are shared), then per portfolio its
   totals, percentages of NAV and severities; per view (portfolio, longs, shorts: sign of delta-adjusted
   exposure) VaR/ES (historical, parametric, and Monte Carlo for the portfolio view; 95 / 97.5 /
   99 %, 1 and 10 days), risk contributions, beta vs SPY and (longs / shorts) average correlation
   (``analytics.services.risk_portfolio``).
4. Upserts StressTestResult and RiskMetrics rows, deletes stale rows of that date
   (``analytics.services.risk_persistence``).

Positions that cannot be revalued (no valuation, no price, missing option input, not enough
return history) are excluded and listed with a reason; positions without betas are unmodeled in
stress tests (listed, never given invented numbers). A portfolio with held positions but no
valuation of ``as_of`` fails alone (recorded on its BatchStep) and keeps its stored rows (the last
good result, marked ``stale`` by the readers).

``RiskMetrics.metrics`` layout (per view): ``nav``, ``nav_source``, ``position_count``,
``positions`` [{position_id, symbol, risk_symbol, delta_adjusted_exposure}] (order of every
per-position array), ``excluded`` [{position_id, symbol, reason}], ``exposure`` {gross, net},
``var`` {method: {h1|h10: {c95|c975|c99: entry}}} (entries: ``analytics.services.var``),
``summary`` {beta, beta_coverage, annualized_volatility, var_1d_95, expected_shortfall_1d_975,
average_correlation}, ``contributions`` (``analytics.services.contributions``), ``parameters``.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
import pandas as pd

from analytics.batch.result import EngineResult
from analytics.batch.scope import run_cached
from analytics.selectors.risk_inputs import (
    RiskMarketInputs,
    empty_book,
    risk_books_load,
    risk_market_inputs,
    stress_scenarios_active,
    symbol_risk_get,
)
from analytics.services.risk_persistence import risk_results_persist
from analytics.services.risk_portfolio import PortfolioRisk, chunk_scenarios, monte_carlo_seed, portfolio_risk
from analytics.services.stress import book_sensitivities, scenario_from_model, stress_book_run

logger = logging.getLogger(__name__)

__all__ = ["risk_step"]


def _run_market(*, as_of: dt.date, risk_symbols: list[str]) -> tuple[RiskMarketInputs, dict[str, Any]]:
    """The chunk's market inputs and the cache entry shared with the run's other chunks.

    Inside a batch run (``analytics.batch.scope``) the inputs are built once per worker process
    for every risk symbol the run's chunks have needed so far (rebuilt, with the new symbols, when
    a chunk brings one), with the run's Monte Carlo normals and historical contract values: every
    return column is computed on its own, so a chunk gets the same numbers from a wider frame.
    Outside a run: built for these symbols, nothing shared (an empty entry)."""
    entry = run_cached("risk_market", as_of)
    if entry is None:
        return risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols), {}
    known: frozenset[str] = entry.get("symbols", frozenset())
    if not known.issuperset(risk_symbols):
        wanted = known | frozenset(risk_symbols)
        entry.clear()
        entry.update(
            symbols=wanted,
            market=risk_market_inputs(as_of=as_of, risk_symbols=sorted(wanted)),
            scenario_cache={},
            normals=None,
        )
    return entry["market"], entry


def risk_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Engine 7 for a chunk of portfolios (see the module docstring). Idempotent per as_of."""
    loaded = risk_books_load(as_of=as_of, portfolio_ids=portfolio_ids)
    failures = dict(loaded.failures)
    risk_symbols = sorted({s for book in loaded.books.values() for s in book["risk_symbol"].dropna()})
    market, shared = _run_market(as_of=as_of, risk_symbols=risk_symbols)
    symbols = symbol_risk_get(as_of=as_of, symbols=risk_symbols)
    scenarios = stress_scenarios_active(owner_ids={o for o in loaded.owners.values() if o is not None})
    seed = monte_carlo_seed(as_of)

    # Every scenario on the whole chunk at once (conditional moves computed once per scenario).
    parts = [b for b in loaded.books.values() if not b.empty]
    chunk = pd.concat(parts) if parts else empty_book()
    sens = book_sensitivities(chunk, symbols.sensitivities)
    outcome = stress_book_run(chunk, sens, [scenario_from_model(s) for s in scenarios], market.stress_cov)
    columns = {pid: np.flatnonzero(chunk["portfolio_id"].to_numpy() == pid) for pid in loaded.books}
    # Every book's options on the VaR scenarios in a few vectorized calls (same numbers as book by
    # book). If that fails, each portfolio computes its own below, its failure isolated there.
    try:
        option_values, shared["normals"] = chunk_scenarios(
            loaded.books,
            market=market,
            seed=seed,
            normals=shared.get("normals"),
            cache=shared.get("scenario_cache"),
        )
    except Exception:  # noqa: BLE001 - one portfolio's bad data never stops the chunk
        logger.exception("engine 7: the chunk's scenario revaluation failed; portfolio by portfolio")
        option_values = {}

    computed: dict[str, PortfolioRisk] = {}
    unmodeled = 0
    for pid, book in loaded.books.items():
        owner = loaded.owners.get(pid)
        mine = {s.id for s in scenarios if s.owner_id is None or s.owner_id == owner}
        rows = columns[pid]
        try:
            computed[pid] = portfolio_risk(
                book,
                nav=loaded.navs[pid],
                nav_source=loaded.nav_sources[pid],
                scenario_ids=mine,
                outcome=outcome,
                rows=rows,
                sens=sens.iloc[rows],
                market=market,
                symbols=symbols,
                seed=seed,
                scenarios=option_values.get(pid),
            )
        except Exception as exc:  # noqa: BLE001 - one portfolio's bad data never stops the chunk
            logger.exception("risk engine failed for portfolio %s", pid)
            failures[pid] = f"{exc.__class__.__name__}: {exc}"
            continue
        unmodeled += computed[pid].unmodeled
    stress_count, metrics_count = risk_results_persist(as_of=as_of, computed=computed)
    notes = dict(market.notes)
    if "insufficient_history" in notes:  # the run's shared inputs may cover other chunks' symbols
        mine = set(risk_symbols)
        notes["insufficient_history"] = [s for s in notes["insufficient_history"] if s in mine]
        if not notes["insufficient_history"]:
            del notes["insufficient_history"]
    missing_betas = sorted(
        s for s in risk_symbols if not np.isfinite(symbols.sensitivities.loc[s].to_numpy()).any()
    )
    if missing_betas:
        notes["symbols_without_betas"] = missing_betas
    fallback = sorted(p for p, src in loaded.nav_sources.items() if src != "aggregate")
    if fallback:
        notes["nav_from_valuations"] = fallback
    return EngineResult(
        counts={
            "portfolios": len(computed),
            "stress_results": stress_count,
            "risk_metrics": metrics_count,
            "scenarios": len(scenarios),
            "unmodeled_positions": unmodeled,
        },
        failures=failures,
        notes=notes,
    )
