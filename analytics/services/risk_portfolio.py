"""Engine 7's rows of one portfolio: stress fields per scenario and ``RiskMetrics.metrics`` per view.

Per view (portfolio, longs, shorts: sign of delta-adjusted exposure) VaR/ES (historical,
parametric, and Monte Carlo for the portfolio view; 95 / 97.5 / 99 %, 1 and 10 days), risk
contributions, beta vs SPY and (longs / shorts) average correlation; per scenario the stored
fields of ``stress_result_fields`` from the chunk's stress outcome. The layout of the metrics is
documented in ``analytics.services.risk``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.scenario_batch import BookScenarioRequest, BookScenarios, scenario_batch
from analytics.engines.var import SampleCovariances
from analytics.models import RiskView
from analytics.selectors.risk_book import book_position_set, view_book
from analytics.selectors.risk_inputs import (
    FACTORS,
    HISTORICAL_WINDOW,
    PARAMETRIC_WINDOW,
    RiskMarketInputs,
    SymbolRisk,
)
from analytics.selectors.risk_keys import HORIZONS, VAR_METHODS
from analytics.services.contributions import average_correlation, beta_vs_spy, contribution_metrics
from analytics.services.stress import (
    StressOutcome,
    stress_book_columns,
    stress_inputs_dump,
    stress_result_fields,
)
from analytics.services.var import MONTE_CARLO_PATHS, var_metrics
from sigmasight.api.numbers import number

__all__ = [
    "VIEWS",
    "PortfolioRisk",
    "chunk_scenarios",
    "monte_carlo_seed",
    "portfolio_risk",
    "revaluation_reasons",
    "view_metrics",
]

VIEWS: tuple[str, ...] = (RiskView.PORTFOLIO, RiskView.LONGS, RiskView.SHORTS)
#: Monte Carlo (10,000 paths, options revalued) runs for the whole-portfolio view only: the
#: longs / shorts views carry historical and parametric VaR (the overview reads historical).
VIEW_METHODS: dict[str, tuple[str, ...]] = {
    RiskView.PORTFOLIO: VAR_METHODS,
    RiskView.LONGS: ("historical", "parametric"),
    RiskView.SHORTS: ("historical", "parametric"),
}


def monte_carlo_seed(as_of: dt.date) -> int:
    """The Monte Carlo seed of a date (YYYYMMDD): reruns of a date draw the same paths."""
    return int(as_of.strftime("%Y%m%d"))


def revaluation_reasons(part: pd.DataFrame, market: RiskMarketInputs) -> pd.Series:
    """Why each position of a view is left out of VaR / contributions (None: included): its book
    reason, else ``insufficient_history`` when its risk symbol has too few returns."""
    reason = part["reason"].to_numpy(dtype=object, copy=True)
    no_history = pd.isna(reason) & ~part["risk_symbol"].isin(market.history_ok).to_numpy(dtype=bool)
    reason[no_history] = "insufficient_history"
    return pd.Series(reason, index=part.index, dtype=object, name=part["reason"].name)


def view_rows(view: str, book: pd.DataFrame, market: RiskMarketInputs) -> tuple[pd.DataFrame, pd.Series]:
    """A view's rows and why each is left out of VaR / contributions (None: included)."""
    part = view_book(book, view)
    return part, revaluation_reasons(part, market)


def view_metrics(
    view: str,
    book: pd.DataFrame,
    *,
    nav: float,
    nav_source: str,
    market: RiskMarketInputs,
    symbols: SymbolRisk,
    seed: int,
    methods: tuple[str, ...] | None = None,
    covariances: SampleCovariances | None = None,
    scenarios: BookScenarios | None = None,
) -> dict[str, Any]:
    """One view's ``RiskMetrics.metrics`` (layout: ``analytics.services.risk``): positions without
    a valuation, price, option input or enough return history are excluded with their reason.
    ``methods``: the VaR methods (default: the batch's :data:`VIEW_METHODS` of the view);
    ``covariances``: a parametric-covariance memo shared with other books over the same market
    inputs (same results; a modeling session's before and after); ``scenarios``: the view's option
    scenario values computed for a whole chunk (same numbers)."""
    methods = VIEW_METHODS[view] if methods is None else methods
    part, reason = view_rows(view, book, market)
    included = part[reason.isna()]
    excluded = part[reason.notna()]
    var = var_metrics(
        book=included,
        returns=market.returns,
        nav=nav,
        seed=seed,
        methods=methods,
        unknown=not excluded.empty,
        covariances=covariances,
        scenarios=scenarios,
    )
    contributions = contribution_metrics(
        book=included,
        returns=market.returns,
        nav=nav,
        factor_betas=symbols.sensitivities[list(FACTORS)],
        residual_volatility=symbols.residual_volatility,
        factor_cov_annual=market.factor_cov,
    )
    if not np.isfinite(market.factor_cov.to_numpy()).all():
        contributions.update(factor_risk=None, specific_risk=None, model_total_risk=None)
    beta = beta_vs_spy(book=included, capm_beta=symbols.capm_beta, nav=nav)
    exposure = included["exposure"].to_numpy(dtype=float)
    historical = var.get("historical", {}).get("h1", {})
    return {
        "view": view,
        "nav": number(nav),
        "nav_source": nav_source,
        "position_count": len(part),
        "symbols": sorted({str(s) for s in part["risk_symbol"].dropna()}),
        "positions": [
            {"position_id": pid, "symbol": sym, "risk_symbol": risk, "delta_adjusted_exposure": number(e)}
            for pid, sym, risk, e in zip(
                included.index, included["symbol"], included["risk_symbol"], exposure, strict=True
            )
        ],
        "excluded": [
            {"position_id": pid, "symbol": sym, "reason": why}
            for pid, sym, why in zip(excluded.index, excluded["symbol"], reason[reason.notna()], strict=True)
        ],
        "exposure": {"gross": float(np.abs(exposure).sum()), "net": float(exposure.sum())},
        "var": var,
        "summary": {
            "beta": beta["value"],
            "beta_benchmark": "SPY",
            "beta_coverage": beta["coverage"],
            "annualized_volatility": contributions["total_risk"],
            "var_1d_95": historical.get("c95", {}).get("var"),
            "var_method": "historical",
            "expected_shortfall_1d_975": historical.get("c975", {}).get("expected_shortfall"),
            "average_correlation": (
                average_correlation(book=included, log_returns=market.log_returns)
                if view != RiskView.PORTFOLIO
                else None
            ),
        },
        "contributions": contributions,
        "parameters": {
            "methods": list(methods),
            "historical_window": HISTORICAL_WINDOW,
            "parametric_window": PARAMETRIC_WINDOW,
            "monte_carlo_paths": MONTE_CARLO_PATHS if "monte_carlo" in methods else 0,
            "monte_carlo_seed": seed,
        },
    }


@dataclass
class PortfolioRisk:
    """Computed rows of one portfolio: stress fields per scenario id, metrics per view."""

    stress: dict[str, dict[str, Any]]
    metrics: dict[str, dict[str, Any]]
    stress_inputs: dict[str, Any]
    unmodeled: int


def portfolio_risk(
    book: pd.DataFrame,
    *,
    nav: float,
    nav_source: str,
    scenario_ids: set[str] | None,
    outcome: StressOutcome,
    rows: np.ndarray,
    sens: pd.DataFrame,
    market: RiskMarketInputs,
    symbols: SymbolRisk,
    seed: int,
    views: tuple[str, ...] = VIEWS,
    methods: tuple[str, ...] | None = None,
    scenarios: Mapping[str, BookScenarios] | None = None,
) -> PortfolioRisk:
    """One portfolio's rows; ``rows`` are its positions' columns in the chunk's stress outcome and
    ``scenario_ids`` the scenarios it runs (None: all of the outcome's). ``views`` and ``methods``
    (VaR methods of every view; default the batch's) narrow the work, e.g. for a modeling session.
    ``scenarios``: per view, its option scenario values computed for the whole chunk
    (:func:`chunk_scenarios`); the numbers are the same as without them."""
    prepared = stress_book_columns(book, sens)
    stress = {
        scenario.id: stress_result_fields(
            book=book,
            sens=sens,
            shocks=scenario.shocks,
            factor_moves=moves,
            pnl=outcome.pnl[j, rows],
            returns=outcome.returns[j, rows],
            nav=nav,
            prepared=prepared,
        )
        for j, (scenario, moves) in enumerate(zip(outcome.scenarios, outcome.factor_moves, strict=True))
        if scenario_ids is None or scenario.id in scenario_ids
    }
    metrics = {
        view: view_metrics(
            view,
            book,
            nav=nav,
            nav_source=nav_source,
            market=market,
            symbols=symbols,
            seed=seed,
            methods=methods,
            scenarios=None if scenarios is None else scenarios.get(view),
        )
        for view in views
    }
    unmodeled = int((~np.isfinite(outcome.pnl[:, rows])).any(axis=0).sum()) if outcome.pnl.size else 0
    return PortfolioRisk(stress, metrics, stress_inputs_dump(book, sens, market.stress_cov, nav), unmodeled)


def chunk_scenarios(
    books: Mapping[str, pd.DataFrame],
    *,
    market: RiskMarketInputs,
    seed: int,
    views: tuple[str, ...] = VIEWS,
    normals: np.ndarray | None = None,
    cache: dict[bytes, np.ndarray] | None = None,
) -> tuple[dict[str, dict[str, BookScenarios]], np.ndarray | None]:
    """Every view's option values on its historical and Monte Carlo scenarios for a chunk of
    books, in a few vectorized pricer calls (``engines.scenario_batch``: a contract's historical
    values once per run, Monte Carlo every book's options in one call per horizon); per portfolio
    id and view, for :func:`portfolio_risk`. ``normals`` and ``cache``: kept across the chunks of
    a run (the same ``market`` and ``seed``). Also returns the normals used."""
    requests: dict[Hashable, BookScenarioRequest] = {}
    for pid, book in books.items():
        for view in views:
            part, reason = view_rows(view, book, market)
            included = part[reason.isna()]
            if included.empty:
                continue
            methods = VIEW_METHODS[view]
            requests[(pid, view)] = BookScenarioRequest(
                positions=book_position_set(included, market.returns.columns),
                historical="historical" in methods,
                monte_carlo="monte_carlo" in methods,
            )
    matrix = market.returns.to_numpy(dtype=np.float64)[-HISTORICAL_WINDOW:]
    values, normals = scenario_batch(
        requests,
        matrix,
        seed=seed,
        horizons=HORIZONS,
        window=HISTORICAL_WINDOW,
        n_paths=MONTE_CARLO_PATHS,
        normals=normals,
        cache=cache,
    )
    out: dict[str, dict[str, BookScenarios]] = {pid: {} for pid in books}
    for key, scenarios in values.items():
        pid, view = key  # type: ignore[misc]
        out[pid][view] = scenarios
    return out, normals
