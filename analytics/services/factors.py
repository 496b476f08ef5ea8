"""Engine 5: factor exposures (a *global* engine: one run over every portfolio of the batch).

Steps (DESIGN.md "Factor model"):

1. Per risk symbol held (stocks, and the underlyings of options), ONE vectorized OLS over the 252
   daily returns ending at ``as_of`` (simple returns of adjusted closes) on the 7 factor regressors
   (Market = SPY return, styles = ETF return - SPY return), minimum 60 overlapping days (else
   ``insufficient_history`` and null betas); the univariate CAPM beta vs SPY; the macro
   sensitivities (Interest Rate = daily change of DGS10 in decimal, Oil = USO, International = EWG
   returns) fitted on the style-model residuals. Stored once per (symbol, date) in
   :class:`SymbolFactorExposure` and shared by every position holding the symbol.
2. Per portfolio: exposure_dollar = sum of (stored delta-adjusted exposure of ``as_of`` x beta)
   (options take their underlying's betas), exposure = dollar / NAV (fraction) ->
   :class:`PortfolioFactorExposure` (kinds ``model``, ``capm``, ``macro``). The t-stat, p-value,
   R^2 and observations stored with them come from the same regression run on the portfolio's
   hypothetical daily dollar P&L, sum_i e_i x r_i,t over the covered symbols (on dates where all
   of them have a return): when the covered symbols share their dates, that regression's betas
   equal exposure_dollar exactly (OLS is linear in y), so the statistics describe the stored beta.
   A portfolio without valuation (or aggregate) for the date fails alone; the others go on.
3. The factor regressors' correlation matrix over the window with its condition number and
   |rho| > 0.8 warnings -> :class:`FactorCorrelation` (lookback 252).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import transaction

from analytics.batch.result import EngineResult
from analytics.engines.conventions import FACTOR_MIN_OBS, FACTOR_WINDOW, TRADING_DAYS_PER_YEAR
from analytics.engines.factors import (
    STATUS_OK,
    FactorFit,
    capm_beta,
    factor_regressors,
    fit_factor_model,
    macro_regressors,
    macro_sensitivities,
    portfolio_factor_exposures,
    position_betas,
)
from analytics.models import FactorCorrelation, PortfolioFactorExposure, SymbolFactorExposure
from analytics.selectors.factors import (
    CAPM_FACTOR,
    INTERNATIONAL_ETF,
    OIL_ETF,
    FactorCorrelationComputed,
    correlation_matrix_payload,
    factor_correlation_from_prices,
    factor_price_window,
    portfolio_navs,
    position_exposures_frame,
    rate_changes,
    simple_returns,
)
from marketdata.selectors import model_factor_etfs
from sigmasight.api.numbers import number

ANNUALIZATION = TRADING_DAYS_PER_YEAR
SYMBOL_UPDATE_FIELDS = [
    "betas",
    "t_stats",
    "p_values",
    "r_squared",
    "observations",
    "residual_volatility",
    "capm_beta",
    "macro_betas",
    "macro_t_stats",
    "macro_p_values",
    "quality_flag",
    "calculated_at",
]
PORTFOLIO_UPDATE_FIELDS = [
    "kind",
    "exposure_dollar",
    "exposure",
    "t_stat",
    "p_value",
    "r_squared",
    "observations",
    "coverage",
    "calculated_at",
]
BULK_BATCH = 2000


@dataclass(frozen=True)
class SymbolFits:
    """The three per-symbol regressions: style model, CAPM (factor "Market") and macro."""

    model: FactorFit
    capm: FactorFit
    macro: FactorFit


def symbol_factor_fits(*, returns: pd.DataFrame, regressors: pd.DataFrame, macro: pd.DataFrame) -> SymbolFits:
    """One vectorized fit per column of ``returns`` (simple daily decimals, [date x symbol]).

    ``regressors`` from :func:`factor_regressors`; ``macro`` from :func:`macro_regressors`.
    Window 252 returns ending at the last date, minimum 60 observations (engine docstrings).
    """
    model = fit_factor_model(returns, regressors, window=FACTOR_WINDOW, min_obs=FACTOR_MIN_OBS)
    capm = capm_beta(returns, regressors["Market"], window=FACTOR_WINDOW, min_obs=FACTOR_MIN_OBS)
    macro_fit = macro_sensitivities(model.residuals, macro, window=None, min_obs=FACTOR_MIN_OBS)
    return SymbolFits(model=model, capm=capm, macro=macro_fit)


def _records(frame: pd.DataFrame) -> dict[str, dict[str, float | None]]:
    """{row label: {column: finite float or None}} (one pass, no per-cell .loc)."""
    columns = [str(c) for c in frame.columns]
    values = frame.to_numpy(dtype=np.float64)
    return {
        str(label): dict(zip(columns, map(number, row), strict=True))
        for label, row in zip(frame.index, values, strict=True)
    }


def _symbol_rows(fits: SymbolFits, as_of: dt.date) -> list[SymbolFactorExposure]:
    model, capm, macro = fits.model, fits.capm, fits.macro
    betas, t_stats, p_values = _records(model.betas), _records(model.t_stats), _records(model.p_values)
    macro_b, macro_t, macro_p = _records(macro.betas), _records(macro.t_stats), _records(macro.p_values)
    capm_b = _records(capm.betas)
    rows = []
    for symbol in model.betas.index:
        resid_std = number(model.resid_std.get(symbol))
        rows.append(
            SymbolFactorExposure(
                symbol=symbol,
                as_of_date=as_of,
                betas=betas[symbol],
                t_stats=t_stats[symbol],
                p_values=p_values[symbol],
                r_squared=number(model.r_squared.get(symbol)),
                observations=int(model.n_obs.get(symbol, 0)),
                residual_volatility=None if resid_std is None else resid_std * math.sqrt(ANNUALIZATION),
                capm_beta=capm_b[symbol]["Market"],
                macro_betas=macro_b[symbol],
                macro_t_stats=macro_t[symbol],
                macro_p_values=macro_p[symbol],
                quality_flag=str(model.status.get(symbol)),
            )
        )
    return rows


def _pnl_series(returns: pd.DataFrame, weights: pd.DataFrame) -> pd.DataFrame:
    """Hypothetical daily dollar P&L [date x portfolio] = returns @ weights (USD).

    ``weights`` [symbol x portfolio] holds delta-adjusted exposures (USD); a date counts for a
    portfolio only when every symbol with a non-zero weight has a finite return (else NaN).
    """
    r = returns.reindex(columns=weights.index).to_numpy(dtype=np.float64)
    w = weights.to_numpy(dtype=np.float64)
    finite = np.isfinite(r)
    pnl = np.where(finite, r, 0.0) @ w
    used = (w != 0).astype(np.float64)
    complete = (finite.astype(np.float64) @ used) == used.sum(axis=0)
    pnl = np.where(complete & (used.sum(axis=0) > 0), pnl, np.nan)
    return pd.DataFrame(pnl, index=returns.index, columns=weights.columns)


@dataclass(frozen=True)
class _KindTable:
    """Exposures of one kind for many portfolios: rows (portfolio, factor)."""

    kind: str
    factors: list[str]
    exposures: pd.DataFrame  # exposure_dollar, exposure, coverage; index (portfolio, factor)
    weights: pd.DataFrame  # [symbol x portfolio] covered delta-adjusted exposure (USD)


def _kind_table(
    kind: str,
    betas: pd.DataFrame,
    held: pd.DataFrame,
    navs: Mapping[str, float],
    portfolio_ids: list[str],
    *,
    with_weights: bool = True,
) -> _KindTable:
    """The kind's exposures; ``weights`` (for the P&L regressions) only ``with_weights``."""
    factors = [str(c) for c in betas.columns]
    index = pd.MultiIndex.from_product([portfolio_ids, factors], names=["portfolio", "factor"])
    nav = pd.Series({pid: navs[pid] for pid in portfolio_ids}, dtype=np.float64)
    weights = pd.DataFrame(0.0, index=pd.Index([], dtype=object), columns=portfolio_ids)
    with_betas: set[str] = set()
    if held.empty:
        table = pd.DataFrame({"exposure_dollar": np.nan, "exposure": np.nan, "coverage": np.nan}, index=index)
    else:
        by_position = held.set_index("position_id")
        pos_betas = position_betas(betas, by_position["risk_symbol"])
        table = portfolio_factor_exposures(
            by_position["exposure"], pos_betas, nav, by_position["portfolio_id"]
        ).reindex(index)
        covered = pos_betas.notna().all(axis=1) & by_position["exposure"].notna()
        cov = by_position[covered.to_numpy()]
        with_betas = set(cov["portfolio_id"])
        if with_weights and not cov.empty:
            weights = (
                cov.pivot_table(index="risk_symbol", columns="portfolio_id", values="exposure", aggfunc="sum")
                .reindex(columns=portfolio_ids)
                .fillna(0.0)
            )
    # A portfolio holding nothing has zero exposure (not unknown).
    empty = table["exposure_dollar"].isna() & ~table.index.get_level_values("portfolio").isin(
        held["portfolio_id"].unique() if not held.empty else []
    )
    table.loc[empty, "exposure_dollar"] = 0.0
    nav_of_row = nav.reindex(table.index.get_level_values("portfolio")).to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        zero_ratio = np.where(nav_of_row > 0, 0.0, np.nan)
    table.loc[empty, "exposure"] = zero_ratio[empty.to_numpy()]
    # Holdings without a single beta: the exposure is unknown, not zero (never a made-up number).
    unknown = ~empty & ~table.index.get_level_values("portfolio").isin(sorted(with_betas))
    table.loc[unknown, ["exposure_dollar", "exposure"]] = np.nan
    return _KindTable(kind=kind, factors=factors, exposures=table, weights=weights)


def _portfolio_rows(
    *,
    tables: Iterable[_KindTable],
    stats: Mapping[str, FactorFit],
    as_of: dt.date,
) -> list[PortfolioFactorExposure]:
    rows = []
    for table in tables:
        fit = stats[table.kind]
        t_stats, p_values = _records(fit.t_stats), _records(fit.p_values)
        r_squared = {str(k): number(v) for k, v in fit.r_squared.items()}
        n_obs = {str(k): int(v) for k, v in fit.n_obs.items()}
        frame = table.exposures
        for (pid, factor), dollars, ratio, coverage in zip(
            frame.index,
            frame["exposure_dollar"].to_numpy(),
            frame["exposure"].to_numpy(),
            frame["coverage"].to_numpy(),
            strict=True,
        ):
            column = "Market" if table.kind == "capm" else factor
            rows.append(
                PortfolioFactorExposure(
                    portfolio_id=pid,
                    as_of_date=as_of,
                    factor=factor,
                    kind=table.kind,
                    exposure_dollar=number(dollars),
                    exposure=number(ratio),
                    t_stat=t_stats.get(pid, {}).get(column),
                    p_value=p_values.get(pid, {}).get(column),
                    r_squared=r_squared.get(pid),
                    observations=n_obs.get(pid, 0),
                    coverage=number(coverage),
                )
            )
    return rows


def _portfolio_failures(
    *, portfolio_ids: list[str], positions: pd.DataFrame, navs: Mapping[str, float], as_of: dt.date
) -> dict[str, str]:
    """A portfolio holding positions without any valuation of the date, or without NAV, fails."""
    held = positions.groupby("portfolio_id").size() if not positions.empty else pd.Series(dtype=int)
    valued = (
        positions.groupby("portfolio_id")["has_valuation"].sum()
        if not positions.empty
        else pd.Series(dtype=int)
    )
    failures: dict[str, str] = {}
    for pid in portfolio_ids:
        if held.get(pid, 0) > 0 and valued.get(pid, 0) == 0:
            failures[pid] = f"no position valuation for {as_of.isoformat()} (run the valuation engine first)"
        elif pid not in navs:
            failures[pid] = (
                f"no portfolio aggregate (NAV) for {as_of.isoformat()} (run the aggregation engine first)"
            )
    return failures


@transaction.atomic
def factor_results_save(
    *,
    as_of: dt.date,
    symbol_rows: list[SymbolFactorExposure],
    portfolio_rows: list[PortfolioFactorExposure],
    portfolio_ids: list[str],
    correlation: FactorCorrelationComputed,
) -> None:
    """Upserts the symbol fits, portfolio exposures and factor correlation of ``as_of``.

    Rows of the date that the computed portfolios (``portfolio_ids``) no longer produce (a factor
    dropped) are deleted so a rerun leaves exactly the latest result. A portfolio that failed this
    time is not in ``portfolio_ids`` and keeps its stored rows (the last good result, served marked
    ``stale``).
    """
    SymbolFactorExposure.objects.bulk_create(
        symbol_rows,
        batch_size=BULK_BATCH,
        update_conflicts=True,
        unique_fields=["symbol", "as_of_date"],
        update_fields=SYMBOL_UPDATE_FIELDS,
    )
    PortfolioFactorExposure.objects.bulk_create(
        portfolio_rows,
        batch_size=BULK_BATCH,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "factor"],
        update_fields=PORTFOLIO_UPDATE_FIELDS,
    )
    factors = sorted({row.factor for row in portfolio_rows})
    PortfolioFactorExposure.objects.filter(portfolio_id__in=portfolio_ids, as_of_date=as_of).exclude(
        factor__in=factors
    ).delete()
    payload = correlation_matrix_payload(correlation)
    FactorCorrelation.objects.update_or_create(
        as_of_date=as_of,
        lookback_days=FACTOR_WINDOW,
        defaults={
            "factors": payload["factors"],
            "matrix": payload["matrix"],
            "condition_number": payload["condition_number"],
            "warnings": payload["warnings"],
            "observations": payload["observations"],
        },
    )


@dataclass(frozen=True, eq=False)
class _FactorInputs:
    """Engine 5's market inputs: adjusted closes, their simple returns, the 7 factor regressors
    and the 3 macro regressors (window of :data:`FACTOR_WINDOW` sessions ending at as_of)."""

    prices: pd.DataFrame
    returns: pd.DataFrame
    regressors: pd.DataFrame
    macro: pd.DataFrame


def _factor_inputs(*, symbols: list[str], factor_etfs: Mapping[str, str], as_of: dt.date) -> _FactorInputs:
    """One price query for ``symbols``, the factor ETFs, USO and EWG, and one DGS10 query."""
    prices = factor_price_window(
        symbols=[*symbols, OIL_ETF, INTERNATIONAL_ETF],
        factor_etfs=factor_etfs,
        as_of=as_of,
        sessions=FACTOR_WINDOW,
    )
    returns = simple_returns(prices)
    regressors = factor_regressors(returns, factor_etfs)
    macro = macro_regressors(
        rate_changes(as_of=as_of, sessions=FACTOR_WINDOW), returns[OIL_ETF], returns[INTERNATIONAL_ETF]
    )
    return _FactorInputs(prices, returns, regressors, macro)


def symbol_factor_rows_compute(*, symbols: list[str], as_of: dt.date) -> list[SymbolFactorExposure]:
    """Engine 5's per-symbol fits of ``symbols`` computed now and NOT saved (the unsaved rows the
    batch would store): for a modeling session trading a symbol the batch has not fitted."""
    if not symbols:
        return []
    factor_etfs = model_factor_etfs()
    inputs = _factor_inputs(symbols=symbols, factor_etfs=factor_etfs, as_of=as_of)
    fits = symbol_factor_fits(
        returns=inputs.returns.reindex(columns=symbols), regressors=inputs.regressors, macro=inputs.macro
    )
    return _symbol_rows(fits, as_of)


def factor_exposures_compute(
    *, betas: pd.DataFrame, held: pd.DataFrame, navs: Mapping[str, float]
) -> pd.DataFrame:
    """Engine 5's portfolio factor exposures (kind ``model``) of in-memory books: rows (portfolio,
    factor) with exposure_dollar (USD), exposure (fraction of NAV) and coverage.

    ``betas``: risk symbol x factor; ``held``: position_id, portfolio_id, risk_symbol, exposure
    (delta-adjusted USD); ``navs``: NAV per portfolio id (every portfolio of ``held``).
    """
    return _kind_table("model", betas, held, navs, list(navs), with_weights=False).exposures


def factors_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Engine 5 for the run's portfolios (global: every symbol fitted once). See the module docstring.

    Queries: positions, valuations, aggregates, prices (one frame for every symbol and ETF), DGS10,
    then the bulk upserts; nothing grows per position.
    """
    ids = [str(p) for p in portfolio_ids]
    factor_etfs = model_factor_etfs()
    if "Market" not in factor_etfs:
        raise RuntimeError(
            "No active factor definitions (the Market factor is missing): seed marketdata first."
        )

    # given: holdings with their stored exposures, and one price frame for every symbol
    positions = position_exposures_frame(portfolio_ids=ids, as_of=as_of)
    symbols = sorted({str(s) for s in positions["risk_symbol"].dropna()})
    inputs = _factor_inputs(symbols=symbols, factor_etfs=factor_etfs, as_of=as_of)
    prices, returns, regressors, macro = inputs.prices, inputs.returns, inputs.regressors, inputs.macro

    # (a) one fit per symbol, shared by every position holding it
    fits = symbol_factor_fits(returns=returns.reindex(columns=symbols), regressors=regressors, macro=macro)
    symbol_rows = _symbol_rows(fits, as_of)

    # (b) portfolio exposures and the statistics of the portfolio's hypothetical P&L regression
    navs = portfolio_navs(portfolio_ids=ids, as_of=as_of)
    failures = _portfolio_failures(portfolio_ids=ids, positions=positions, navs=navs, as_of=as_of)
    ok = [pid for pid in ids if pid not in failures]
    held = positions[positions["portfolio_id"].isin(ok)] if ok else positions.iloc[:0]
    capm_betas = fits.capm.betas.rename(columns={"Market": CAPM_FACTOR})
    tables = [
        _kind_table("model", fits.model.betas, held, navs, ok),
        _kind_table("capm", capm_betas, held, navs, ok),
        _kind_table("macro", fits.macro.betas, held, navs, ok),
    ]
    model_pnl = _pnl_series(returns, tables[0].weights)
    portfolio_model = fit_factor_model(model_pnl, regressors, window=FACTOR_WINDOW, min_obs=FACTOR_MIN_OBS)
    stats = {
        "model": portfolio_model,
        "capm": capm_beta(
            _pnl_series(returns, tables[1].weights),
            regressors["Market"],
            window=FACTOR_WINDOW,
            min_obs=FACTOR_MIN_OBS,
        ),
        "macro": macro_sensitivities(portfolio_model.residuals, macro, window=None, min_obs=FACTOR_MIN_OBS),
    }
    portfolio_rows = _portfolio_rows(tables=tables, stats=stats, as_of=as_of)

    # (c) the factor correlation matrix of the window
    correlation = factor_correlation_from_prices(prices, factor_etfs, FACTOR_WINDOW)

    factor_results_save(
        as_of=as_of,
        symbol_rows=symbol_rows,
        portfolio_rows=portfolio_rows,
        portfolio_ids=ok,
        correlation=correlation,
    )
    status = fits.model.status
    insufficient = sorted(str(s) for s in status.index[status != STATUS_OK])
    no_prices = sorted(s for s in symbols if s not in prices.columns or prices[s].notna().sum() == 0)
    return EngineResult(
        counts={
            "symbols": len(symbols),
            "symbols_fitted": len(symbols) - len(insufficient),
            "symbols_insufficient_history": len(insufficient),
            "portfolios": len(ok),
            "portfolio_rows": len(portfolio_rows),
        },
        failures=failures,
        notes={
            "insufficient_history": insufficient[:100],
            "missing_prices": no_prices[:100],
            "factor_condition_number": number(correlation.condition_number),
            "factor_correlation_warnings": len(correlation.warnings),
        },
    )
