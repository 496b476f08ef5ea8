"""VaR and expected shortfall of a book for engine 7 (math: ``analytics.engines.var``).

For each method (historical over the last 500 daily return vectors, parametric delta-normal on
the 252-day sample covariance, Monte Carlo with 10,000 seeded paths), each horizon (1 and 10
days) and each confidence (95 %, 97.5 %, 99 %) one entry:

``{var, expected_shortfall}`` positive USD losses; ``var_percent`` and
``expected_shortfall_percent`` of NAV x 100; ``observations`` (daily return rows used),
``scenarios`` (P&L outcomes the quantile was taken on), ``sigma`` (USD, horizon P&L standard
deviation); ``component_var`` and ``component_es`` per position (aligned with the view's
``positions`` list). Parametric components are Euler allocations (sum to VaR / ES). The scenario
methods' ES components are minus each position's mean P&L over the tail outcomes (sum to ES);
their VaR components are those scaled by VaR / ES (``component_method: tail_mean_scaled``), so
they also sum to VaR.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.conventions import MONTE_CARLO_PATHS
from analytics.engines.scenario_batch import BookScenarios
from analytics.engines.var import (
    CONFIDENCES,
    SampleCovariances,
    VaRResult,
    historical_var,
    monte_carlo_var_horizons,
    parametric_var,
)
from analytics.selectors.risk_book import book_position_set
from analytics.selectors.risk_inputs import HISTORICAL_WINDOW
from analytics.selectors.risk_keys import HORIZONS, VAR_METHODS, confidence_key, horizon_key
from sigmasight.api.numbers import number, numbers

__all__ = ["MONTE_CARLO_PATHS", "var_metrics"]


def _entry(result: VaRResult, confidence: float, nav: float) -> dict[str, Any]:
    var, es = result.var[confidence], result.es[confidence]
    comp_es = result.component_es[confidence].to_numpy() if result.component_es is not None else np.array([])
    if result.component_var is not None:
        comp_var, method = result.component_var[confidence].to_numpy(), "euler"
    else:
        scale = var / es if np.isfinite(es) and es != 0 else np.nan
        comp_var, method = comp_es * scale, "tail_mean_scaled"
    valid_nav = np.isfinite(nav) and nav > 0
    return {
        "var": number(var),
        "expected_shortfall": number(es),
        "var_percent": number(var / nav * 100.0) if valid_nav else None,
        "expected_shortfall_percent": number(es / nav * 100.0) if valid_nav else None,
        "observations": int(result.observations),
        "scenarios": int(result.scenarios),
        "sigma": number(result.sigma),
        "component_method": method,
        "component_var": numbers(np.asarray(comp_var)),
        "component_es": numbers(np.asarray(comp_es)),
    }


def _zero_entry() -> dict[str, Any]:
    """A view with no position: no loss is possible (VaR and ES are 0, not unknown)."""
    return {
        "var": 0.0,
        "expected_shortfall": 0.0,
        "var_percent": 0.0,
        "expected_shortfall_percent": 0.0,
        "observations": 0,
        "scenarios": 0,
        "sigma": 0.0,
        "component_method": "none",
        "component_var": [],
        "component_es": [],
    }


def var_metrics(
    *,
    book: pd.DataFrame,
    returns: pd.DataFrame,
    nav: float,
    seed: int,
    methods: tuple[str, ...] = VAR_METHODS,
    unknown: bool = False,
    horizons: tuple[int, ...] = HORIZONS,
    covariances: SampleCovariances | None = None,
    scenarios: BookScenarios | None = None,
) -> dict[str, dict[str, dict[str, dict[str, Any]]]]:
    """``{method: {h1|h10: {c95|c975|c99: entry}}}`` for the book's positions.

    ``book``: revaluable positions only (see ``risk_book``); ``returns``: chronological simple
    daily returns [date x risk symbol], the last :data:`HISTORICAL_WINDOW` rows. ``seed`` seeds
    Monte Carlo. An empty book has zero VaR unless ``unknown`` (positions exist but none could be
    revalued), in which case every number is None. ``horizons``: the horizons computed (default
    the batch's 1 and 10 days); ``covariances``: a memo of the parametric covariance shared by the
    calls on books over the same returns (same results, see ``engines.var.SampleCovariances``).
    """
    out: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
    if book.empty:
        entry = (
            _zero_entry()
            if not unknown
            else {
                **_zero_entry(),
                **dict.fromkeys(
                    ["var", "expected_shortfall", "var_percent", "expected_shortfall_percent", "sigma"]
                ),
            }
        )
        return {
            m: {horizon_key(h): {confidence_key(c): dict(entry) for c in CONFIDENCES} for h in horizons}
            for m in methods
        }
    positions = book_position_set(book, returns.columns)
    matrix = returns.to_numpy(dtype=np.float64)[-HISTORICAL_WINDOW:]
    exposures = book["exposure"].to_numpy(dtype=np.float64)
    pre = scenarios if scenarios is not None else BookScenarios()
    for method in methods:
        out[method] = {}
        mc = (
            monte_carlo_var_horizons(
                positions,
                matrix,
                seed=seed,
                horizons=horizons,
                n_paths=MONTE_CARLO_PATHS,
                normals=pre.normals,
                precomputed=pre.monte_carlo or None,
            )
            if method == "monte_carlo"
            else {}
        )
        for horizon in horizons:
            if method == "historical":
                result = historical_var(
                    positions,
                    matrix,
                    horizon_days=horizon,
                    window=HISTORICAL_WINDOW,
                    precomputed=pre.historical.get(horizon),
                )
            elif method == "parametric":
                result = parametric_var(
                    positions, matrix, exposures=exposures, horizon_days=horizon, covariances=covariances
                )
            else:
                result = mc[horizon]
            out[method][horizon_key(horizon)] = {
                confidence_key(c): _entry(result, c, nav) for c in CONFIDENCES
            }
    return out
