"""Engine 7: stress tests, VaR / expected shortfall and risk contributions (DESIGN.md).

``risk_step(*, as_of, portfolio_ids)`` works on a chunk of portfolios:

1. Reads (a constant number of queries for the chunk): held positions, their valuations of
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
   99 %, 1 and 10 days), risk contributions, beta vs SPY and (longs / shorts) average correlation.
4. Upserts StressTestResult and RiskMetrics rows, deletes stale rows of that date.

Positions that cannot be revalued (no valuation, no price, missing option input, not enough
return history) are excluded and listed with a reason; positions without betas are unmodeled in
stress tests (listed, never given invented numbers). A portfolio with held positions but no
valuation of ``as_of`` fails alone (recorded on its BatchStep) and its rows of that date are removed.

``RiskMetrics.metrics`` layout (per view): ``nav``, ``nav_source``, ``position_count``,
``positions`` [{position_id, symbol, risk_symbol, delta_adjusted_exposure}] (order of every
per-position array), ``excluded`` [{position_id, symbol, reason}], ``exposure`` {gross, net},
``var`` {method: {h1|h10: {c95|c975|c99: entry}}} (entries: ``analytics.services.var``),
``summary`` {beta, beta_coverage, annualized_volatility, var_1d_95, expected_shortfall_1d_975,
average_correlation}, ``contributions`` (``analytics.services.contributions``), ``parameters``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Q

from analytics.batch.result import EngineResult
from analytics.engines.contributions import annualized_covariance
from analytics.engines.correlations import log_returns as log_returns_of
from analytics.engines.stress import FACTOR_ETFS, STRESS_VARIABLES, ewma_covariance, stress_variables
from analytics.models import PortfolioAggregate, PositionValuation, SymbolFactorExposure
from analytics.models_risk import RiskMetrics, RiskView, StressScenario, StressTestResult
from analytics.selectors.market_inputs import option_greeks_frame
from analytics.services.contributions import average_correlation, beta_vs_spy, contribution_metrics
from analytics.services.risk_book import (
    BOOK_COLUMNS,
    num,
    pricing_reason,
    side_of,
    view_book,
)
from analytics.services.stress import (
    MACRO_SENSITIVITIES,
    StressOutcome,
    book_sensitivities,
    scenario_from_model,
    stress_book_columns,
    stress_book_run,
    stress_inputs_dump,
    stress_result_fields,
)
from analytics.services.var import HISTORICAL_WINDOW, MONTE_CARLO_PATHS, VAR_METHODS, var_metrics
from marketdata.selectors import macro_frame, price_frame
from portfolios.holdings import positions_frame
from portfolios.models import Portfolio
from sigmasight.copy_upsert import copy_upsert, copy_upsert_available

logger = logging.getLogger(__name__)

__all__ = ["RiskMarketInputs", "risk_books_load", "risk_market_inputs", "risk_step"]

#: Calendar days of prices read: 501 trading days (500 returns) plus holidays and a margin.
PRICE_LOOKBACK_DAYS = 800
#: A risk symbol needs this many finite daily returns in the last 252 to enter VaR/contributions.
MIN_HISTORY_RETURNS = 60
PARAMETRIC_WINDOW = 252
CORRELATION_WINDOW = 90
MACRO_SYMBOLS = ("USO", "EWG", "VIX")
FACTORS: tuple[str, ...] = tuple(FACTOR_ETFS)
VIEWS: tuple[str, ...] = (RiskView.PORTFOLIO, RiskView.LONGS, RiskView.SHORTS)
#: Monte Carlo (10,000 paths, options revalued) runs for the whole-portfolio view only: the
#: longs / shorts views carry historical and parametric VaR (the overview reads historical).
VIEW_METHODS: dict[str, tuple[str, ...]] = {
    RiskView.PORTFOLIO: VAR_METHODS,
    RiskView.LONGS: ("historical", "parametric"),
    RiskView.SHORTS: ("historical", "parametric"),
}

STRESS_UPDATE_FIELDS = [
    "portfolio_value",
    "dollar_impact",
    "percentage_impact",
    "new_portfolio_value",
    "severity",
    "shocks",
    "factor_moves",
    "by_position",
    "unmodeled",
    "calculated_at",
]


def monte_carlo_seed(as_of: dt.date) -> int:
    """The Monte Carlo seed of a date (YYYYMMDD): reruns of a date draw the same paths."""
    return int(as_of.strftime("%Y%m%d"))


# --- market inputs shared by the chunk ------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RiskMarketInputs:
    """Returns and covariances shared by every portfolio of a chunk.

    returns: simple daily returns of adjusted closes [date x risk symbol], the last 500 rows on
    or before as_of (NaN where a bar is missing). log_returns: the last 90 daily log returns.
    stress_cov: EWMA covariance of the 11 stress variables (daily units). factor_cov: annualized
    sample covariance of the 7 factor regressors (252 days). history_ok: risk symbols with at
    least 60 finite returns in the last 252.
    """

    returns: pd.DataFrame
    log_returns: pd.DataFrame
    stress_cov: pd.DataFrame
    factor_cov: pd.DataFrame
    history_ok: frozenset[str]
    notes: dict[str, Any] = field(default_factory=dict)


def risk_market_inputs(*, as_of: dt.date, risk_symbols: Sequence[str]) -> RiskMarketInputs:
    """Builds the chunk's market inputs: one price query, one macro query."""
    etfs = list(FACTOR_ETFS.values())
    symbols = sorted(set(risk_symbols) | set(etfs) | set(MACRO_SYMBOLS))
    start = as_of - dt.timedelta(days=PRICE_LOOKBACK_DAYS)
    prices = price_frame(symbols=symbols, start=start, end=as_of).sort_index()
    macro = macro_frame(series_ids=["DGS10", "VIXCLS"], start=start, end=as_of)
    returns_all = prices.pct_change(fill_method=None).iloc[1:]

    vix = (
        prices["VIX"]
        if "VIX" in prices and prices["VIX"].notna().any()
        else macro.get("VIXCLS", pd.Series(dtype=float))
    )
    dgs10 = macro["DGS10"] if "DGS10" in macro else pd.Series(dtype=float)
    variables = stress_variables(
        returns_all.reindex(columns=[*etfs, "USO", "EWG"]), dgs10.astype(float), vix.astype(float)
    )
    stress_cov = ewma_covariance(variables)
    factor_cov = pd.DataFrame(
        annualized_covariance(variables[list(FACTORS)].to_numpy(dtype=np.float64), window=PARAMETRIC_WINDOW),
        index=list(FACTORS),
        columns=list(FACTORS),
    )
    risk_cols = sorted(set(risk_symbols))
    returns = returns_all.reindex(columns=risk_cols).iloc[-HISTORICAL_WINDOW:]
    counts = returns.iloc[-PARAMETRIC_WINDOW:].notna().sum(axis=0)
    history_ok = frozenset(str(s) for s, n in counts.items() if n >= MIN_HISTORY_RETURNS)
    log_rets = log_returns_of(prices.reindex(columns=risk_cols)).iloc[-CORRELATION_WINDOW:]
    notes: dict[str, Any] = {}
    missing_cov = [v for v in STRESS_VARIABLES if not np.isfinite(stress_cov.loc[v, v])]
    if missing_cov:
        notes["stress_variables_without_history"] = missing_cov
    short = sorted(set(risk_cols) - history_ok)
    if short:
        notes["insufficient_history"] = short
    return RiskMarketInputs(returns, log_rets, stress_cov, factor_cov, history_ok, notes)


# --- books ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class RiskBooks:
    """Per-portfolio books (``risk_book`` layout), NAVs, owners and failures of a chunk."""

    books: dict[str, pd.DataFrame]
    navs: dict[str, float]
    nav_sources: dict[str, str]
    owners: dict[str, Any]
    failures: dict[str, str]


def _empty_book() -> pd.DataFrame:
    return pd.DataFrame(columns=BOOK_COLUMNS, index=pd.Index([], name="position_id"))


def risk_books_load(*, as_of: dt.date, portfolio_ids: Sequence[str]) -> RiskBooks:
    """Books of the chunk's portfolios (positions held on as_of with valuations and option inputs)."""
    ids = [str(p) for p in portfolio_ids]
    positions = positions_frame(portfolio_ids=ids, as_of=as_of)
    valuations = pd.DataFrame(
        list(
            PositionValuation.objects.filter(portfolio_id__in=ids, as_of_date=as_of).values_list(
                "position_id", "price", "underlying_price", "delta_adjusted_exposure", "market_value"
            )
        ),
        columns=["position_id", "price", "underlying_price", "exposure", "market_value"],
    )
    valuations["position_id"] = valuations["position_id"].astype(str)
    valuations = valuations.set_index("position_id").astype(float)
    navs = {
        str(p): float(n)
        for p, n in PortfolioAggregate.objects.filter(portfolio_id__in=ids, as_of_date=as_of).values_list(
            "portfolio_id", "nav"
        )
    }
    portfolios = {
        str(p): (owner, float(cash))
        for p, owner, cash in Portfolio.objects.filter(id__in=ids).values_list(
            "id", "owner_id", "cash_balance"
        )
    }
    options = positions[positions["is_option"]]
    greeks = option_greeks_frame(options=options, as_of=as_of) if not options.empty else pd.DataFrame()

    frame = positions.set_index("id")
    frame.index.name = "position_id"
    val = valuations.reindex(frame.index)
    is_option = frame["is_option"].to_numpy(dtype=bool)
    book = pd.DataFrame(index=frame.index)
    book["portfolio_id"] = frame["portfolio_id"]
    book["symbol"] = frame["symbol"]
    book["risk_symbol"] = frame["risk_symbol"]
    book["is_option"] = is_option
    book["is_call"] = frame["is_call"].to_numpy(dtype=bool)
    book["quantity"] = frame["quantity"]
    book["multiplier"] = frame["multiplier"]
    g = (
        greeks.reindex(frame.index)
        if not greeks.empty
        else pd.DataFrame(
            index=frame.index, columns=["S", "K", "T", "rate", "dividend_yield", "sigma"], dtype=float
        )
    )
    underlying_price = val["underlying_price"].where(val["underlying_price"].notna(), g["S"].astype(float))
    book["price"] = np.where(is_option, underlying_price, val["price"])
    book["strike"] = np.where(is_option, g["K"].astype(float), np.nan)
    book["expiry_years"] = np.where(is_option, g["T"].astype(float), np.nan)
    book["rate"] = np.where(is_option, g["rate"].astype(float), 0.0)
    book["dividend_yield"] = np.where(is_option, g["dividend_yield"].astype(float), 0.0)
    book["sigma"] = np.where(is_option, g["sigma"].astype(float), np.nan)
    book["exposure"] = val["exposure"]
    book["market_value"] = val["market_value"]
    book["side"] = [side_of(e) for e in book["exposure"].to_numpy(dtype=float)]
    reason = pricing_reason(book)
    reason[~frame.index.isin(valuations.index)] = "no_valuation"
    book["reason"] = reason

    books: dict[str, pd.DataFrame] = {}
    failures: dict[str, str] = {}
    nav_sources: dict[str, str] = {}
    grouped = dict(tuple(book.groupby("portfolio_id", sort=False)))
    for pid in ids:
        part = grouped.get(pid, _empty_book())
        if not part.empty and (part["reason"] == "no_valuation").all():
            failures[pid] = f"No position valuations on {as_of.isoformat()}: run the valuation engine first."
            continue
        if pid not in navs:
            owner_cash = portfolios.get(pid, (None, 0.0))[1]
            navs[pid] = float(np.nansum(part["market_value"].to_numpy(dtype=float))) + owner_cash
            nav_sources[pid] = "valuations"
        else:
            nav_sources[pid] = "aggregate"
        books[pid] = part
    return RiskBooks(books, navs, nav_sources, {p: o for p, (o, _) in portfolios.items()}, failures)


@dataclass(frozen=True, eq=False)
class SymbolRisk:
    """Per risk symbol: stress sensitivities (7 factors + 3 macro), the 7 factor betas, CAPM beta
    and annualized residual volatility (NaN where SymbolFactorExposure has none)."""

    sensitivities: pd.DataFrame
    capm_beta: pd.Series
    residual_volatility: pd.Series


def _symbol_risk(*, as_of: dt.date, symbols: Sequence[str]) -> SymbolRisk:
    rows = list(
        SymbolFactorExposure.objects.filter(symbol__in=list(symbols), as_of_date=as_of).values_list(
            "symbol", "betas", "macro_betas", "capm_beta", "residual_volatility"
        )
    )
    sens: dict[str, dict[str, float]] = {}
    capm: dict[str, float] = {}
    resid: dict[str, float] = {}
    for symbol, betas, macro, capm_beta, resid_vol in rows:
        values = {k: num(v) for k, v in (betas or {}).items() if k in FACTORS}
        if any(v is not None for v in values.values()):
            values.update({k: num(v) for k, v in (macro or {}).items() if k in MACRO_SENSITIVITIES})
            sens[symbol] = {k: np.nan if v is None else v for k, v in values.items()}
        capm[symbol] = np.nan if capm_beta is None else float(capm_beta)
        resid[symbol] = np.nan if resid_vol is None else float(resid_vol)
    frame = pd.DataFrame.from_dict(sens, orient="index").reindex(
        index=list(symbols), columns=list(STRESS_VARIABLES)
    )
    return SymbolRisk(
        sensitivities=frame.astype(float),
        capm_beta=pd.Series(capm, dtype=float).reindex(list(symbols)),
        residual_volatility=pd.Series(resid, dtype=float).reindex(list(symbols)),
    )


# --- per portfolio --------------------------------------------------------------------------


def _view_metrics(
    view: str,
    book: pd.DataFrame,
    *,
    nav: float,
    nav_source: str,
    market: RiskMarketInputs,
    symbols: SymbolRisk,
    seed: int,
) -> dict[str, Any]:
    part = view_book(book, view)
    reason = part["reason"].copy()
    no_history = reason.isna() & ~part["risk_symbol"].isin(market.history_ok)
    reason[no_history] = "insufficient_history"
    included = part[reason.isna()]
    excluded = part[reason.notna()]
    var = var_metrics(
        book=included,
        returns=market.returns,
        nav=nav,
        seed=seed,
        methods=VIEW_METHODS[view],
        unknown=not excluded.empty,
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
        "nav": num(nav),
        "nav_source": nav_source,
        "position_count": len(part),
        "symbols": sorted({str(s) for s in part["risk_symbol"].dropna()}),
        "positions": [
            {"position_id": pid, "symbol": sym, "risk_symbol": risk, "delta_adjusted_exposure": num(e)}
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
            "methods": list(VIEW_METHODS[view]),
            "historical_window": HISTORICAL_WINDOW,
            "parametric_window": PARAMETRIC_WINDOW,
            "monte_carlo_paths": MONTE_CARLO_PATHS if "monte_carlo" in VIEW_METHODS[view] else 0,
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


def _portfolio_risk(
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
) -> PortfolioRisk:
    """One portfolio's rows; ``rows`` are its positions' columns in the chunk's stress outcome and
    ``scenario_ids`` the scenarios it runs (None: all of the outcome's)."""
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
        view: _view_metrics(
            view, book, nav=nav, nav_source=nav_source, market=market, symbols=symbols, seed=seed
        )
        for view in VIEWS
    }
    unmodeled = int((~np.isfinite(outcome.pnl[:, rows])).any(axis=0).sum()) if outcome.pnl.size else 0
    return PortfolioRisk(stress, metrics, stress_inputs_dump(book, sens, market.stress_cov, nav), unmodeled)


# --- persistence ----------------------------------------------------------------------------


STRESS_FLOAT_FIELDS = ("portfolio_value", "dollar_impact", "percentage_impact", "new_portfolio_value")
STRESS_JSON_FIELDS = ("shocks", "factor_moves", "by_position", "unmodeled")


def _json(value: Any) -> str:
    return json.dumps(value)


def _persist_copy(*, as_of: dt.date, computed: dict[str, PortfolioRisk]) -> tuple[int, int]:
    stress_rows = [
        (
            pid,
            as_of,
            sid,
            *(fields[f] for f in STRESS_FLOAT_FIELDS),
            fields["severity"],
            *(_json(fields[f]) for f in STRESS_JSON_FIELDS),
        )
        for pid, risk in computed.items()
        for sid, fields in risk.stress.items()
    ]
    metric_rows = [
        (
            pid,
            as_of,
            view,
            _json(metrics),
            _json(risk.stress_inputs if view == RiskView.PORTFOLIO else {}),
        )
        for pid, risk in computed.items()
        for view, metrics in risk.metrics.items()
    ]
    scenario_type = StressTestResult._meta.get_field("scenario").target_field.db_type(connection)
    copy_upsert(
        table=StressTestResult._meta.db_table,
        temp="risk_stress_upsert",
        binary=False,
        only_changed=False,
        touch=["calculated_at"],
        columns={
            "portfolio_id": "uuid",
            "as_of_date": "date",
            "scenario_id": scenario_type,
            **dict.fromkeys(STRESS_FLOAT_FIELDS, "double precision"),
            "severity": "varchar(16)",
            **dict.fromkeys(STRESS_JSON_FIELDS, "jsonb"),
        },
        conflict=["portfolio_id", "as_of_date", "scenario_id"],
        rows=stress_rows,
    )
    copy_upsert(
        table=RiskMetrics._meta.db_table,
        temp="risk_metrics_upsert",
        binary=False,
        only_changed=False,
        touch=["calculated_at"],
        columns={
            "portfolio_id": "uuid",
            "as_of_date": "date",
            "view": "varchar(16)",
            "metrics": "jsonb",
            "stress_inputs": "jsonb",
        },
        conflict=["portfolio_id", "as_of_date", "view"],
        rows=metric_rows,
    )
    return len(stress_rows), len(metric_rows)


def _persist_orm(*, as_of: dt.date, computed: dict[str, PortfolioRisk]) -> tuple[int, int]:
    stress_rows = [
        StressTestResult(portfolio_id=pid, as_of_date=as_of, scenario_id=sid, **fields)
        for pid, risk in computed.items()
        for sid, fields in risk.stress.items()
    ]
    metric_rows = [
        RiskMetrics(
            portfolio_id=pid,
            as_of_date=as_of,
            view=view,
            metrics=metrics,
            stress_inputs=risk.stress_inputs if view == RiskView.PORTFOLIO else {},
        )
        for pid, risk in computed.items()
        for view, metrics in risk.metrics.items()
    ]
    StressTestResult.objects.bulk_create(
        stress_rows,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "scenario"],
        update_fields=STRESS_UPDATE_FIELDS,
        batch_size=500,
    )
    RiskMetrics.objects.bulk_create(
        metric_rows,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "view"],
        update_fields=["metrics", "stress_inputs", "calculated_at"],
        batch_size=100,
    )
    return len(stress_rows), len(metric_rows)


@transaction.atomic
def _persist(*, as_of: dt.date, computed: dict[str, PortfolioRisk], failed: Sequence[str]) -> tuple[int, int]:
    """Upserts the computed rows (PostgreSQL: COPY fast path; else ORM bulk upserts) and deletes
    stale rows of that date. Returns (stress rows, metrics rows)."""
    if computed and copy_upsert_available():
        counts = _persist_copy(as_of=as_of, computed=computed)
    else:
        counts = _persist_orm(as_of=as_of, computed=computed)
    stale = Q(pk__in=[])
    for pid, risk in computed.items():
        stale |= Q(portfolio_id=pid) & ~Q(scenario_id__in=list(risk.stress))
    if failed:
        stale |= Q(portfolio_id__in=list(failed))
    StressTestResult.objects.filter(stale, as_of_date=as_of).delete()
    stale_metrics = Q(portfolio_id__in=list(failed)) | (
        Q(portfolio_id__in=list(computed)) & ~Q(view__in=list(VIEWS))
    )
    RiskMetrics.objects.filter(stale_metrics, as_of_date=as_of).delete()
    return counts


# --- the engine step ------------------------------------------------------------------------


def risk_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Engine 7 for a chunk of portfolios (see the module docstring). Idempotent per as_of."""
    loaded = risk_books_load(as_of=as_of, portfolio_ids=portfolio_ids)
    failures = dict(loaded.failures)
    risk_symbols = sorted({s for book in loaded.books.values() for s in book["risk_symbol"].dropna()})
    market = risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols)
    symbols = _symbol_risk(as_of=as_of, symbols=risk_symbols)
    scenarios = list(
        StressScenario.objects.filter(is_active=True)
        .filter(Q(owner__isnull=True) | Q(owner_id__in={o for o in loaded.owners.values() if o is not None}))
        .order_by("display_order", "id")
    )
    seed = monte_carlo_seed(as_of)

    # Every scenario on the whole chunk at once (conditional moves computed once per scenario).
    parts = [b for b in loaded.books.values() if not b.empty]
    chunk = pd.concat(parts) if parts else _empty_book()
    sens = book_sensitivities(chunk, symbols.sensitivities)
    outcome = stress_book_run(chunk, sens, [scenario_from_model(s) for s in scenarios], market.stress_cov)
    columns = {pid: np.flatnonzero(chunk["portfolio_id"].to_numpy() == pid) for pid in loaded.books}

    computed: dict[str, PortfolioRisk] = {}
    unmodeled = 0
    for pid, book in loaded.books.items():
        owner = loaded.owners.get(pid)
        mine = {s.id for s in scenarios if s.owner_id is None or s.owner_id == owner}
        rows = columns[pid]
        try:
            computed[pid] = _portfolio_risk(
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
            )
        except Exception as exc:  # noqa: BLE001 - one portfolio's bad data never stops the chunk
            logger.exception("risk engine failed for portfolio %s", pid)
            failures[pid] = f"{exc.__class__.__name__}: {exc}"
            continue
        unmodeled += computed[pid].unmodeled
    stress_count, metrics_count = _persist(as_of=as_of, computed=computed, failed=list(failures))
    notes = dict(market.notes)
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
