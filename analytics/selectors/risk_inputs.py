"""Reads of engine 7 (stress tests, VaR, contributions) for a chunk of portfolios.

A constant number of queries for the chunk, whatever its size:

- :func:`risk_books_load`: held positions, their valuations of ``as_of`` (price, underlying price,
  delta-adjusted exposure, market value), NAVs (PortfolioAggregate, else valuations + cash) and
  option inputs (``option_greeks_frame``: S, K, T, r, q, sigma), as books (``risk_book`` layout).
- :func:`risk_market_inputs`: ONE price frame (risk symbols, factor ETFs, USO, EWG, VIX; adjusted
  closes for the last ~800 calendar days) and DGS10 (VIXCLS as a fallback for VIX), turned into
  simple daily returns (last 500 rows), the EWMA covariance (lambda 0.94, 252 days) of the 11
  stress variables and the annualized 252-day sample covariance of the 7 factor regressors.
- :func:`symbol_risk_get`: every risk symbol's betas, macro sensitivities, CAPM beta and residual
  volatility (SymbolFactorExposure of ``as_of``).
- :func:`stress_scenarios_active`: the active library scenarios plus the owners' own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.db.models import Q

from analytics.engines.contributions import annualized_covariance
from analytics.engines.conventions import (
    CORRELATION_WINDOW,
    COVARIANCE_MIN_OBSERVATIONS,
    COVARIANCE_WINDOW,
    FACTOR_ETFS,
    HISTORICAL_VAR_WINDOW,
)
from analytics.engines.correlations import log_returns as log_returns_of
from analytics.engines.stress import STRESS_VARIABLES, ewma_covariance, stress_variables
from analytics.models import PortfolioAggregate, PositionValuation, StressScenario, SymbolFactorExposure
from analytics.selectors.market_inputs import option_greeks_frame
from analytics.selectors.risk_book import BOOK_COLUMNS, pricing_reason, side_of
from marketdata.selectors import macro_frame, price_frame
from portfolios.holdings import positions_frame
from portfolios.models import Portfolio
from sigmasight.api.numbers import number

__all__ = [
    "CORRELATION_WINDOW",
    "FACTORS",
    "HISTORICAL_WINDOW",
    "MACRO_SENSITIVITIES",
    "MACRO_SERIES",
    "PARAMETRIC_WINDOW",
    "RiskBooks",
    "RiskMarketInputs",
    "SymbolRisk",
    "empty_book",
    "risk_book_build",
    "risk_books_load",
    "risk_market_inputs",
    "risk_market_symbols",
    "stored_valuations_frame",
    "stress_scenarios_active",
    "symbol_factor_rows",
    "symbol_risk_from_rows",
    "symbol_risk_get",
]

#: Calendar days of prices read: 501 trading days (500 returns) plus holidays and a margin.
PRICE_LOOKBACK_DAYS = 800
#: Daily return rows kept: the window of historical VaR.
HISTORICAL_WINDOW = HISTORICAL_VAR_WINDOW
#: A risk symbol needs this many finite daily returns in the last 252 to enter VaR/contributions.
MIN_HISTORY_RETURNS = COVARIANCE_MIN_OBSERVATIONS
PARAMETRIC_WINDOW = COVARIANCE_WINDOW
MACRO_SYMBOLS = ("USO", "EWG", "VIX")
FACTORS: tuple[str, ...] = tuple(FACTOR_ETFS)
#: Macro variables a symbol has a fitted sensitivity to (SymbolFactorExposure.macro_betas); a
#: stock has none to Volatility (only options feel it, through their implied volatility).
MACRO_SENSITIVITIES = ("Interest Rate", "Oil", "International")


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


#: The macro series the market inputs read.
MACRO_SERIES = ("DGS10", "VIXCLS")


def risk_market_symbols(risk_symbols: Collection[str]) -> list[str]:
    """The symbols whose prices :func:`risk_market_inputs` reads: the risk symbols, the factor ETFs,
    USO, EWG and VIX."""
    return sorted(set(risk_symbols) | set(FACTOR_ETFS.values()) | set(MACRO_SYMBOLS))


def risk_market_inputs(
    *,
    as_of: dt.date,
    risk_symbols: Sequence[str],
    prices: pd.DataFrame | None = None,
    macro: pd.DataFrame | None = None,
) -> RiskMarketInputs:
    """Builds the chunk's market inputs: one price query, one macro query.

    ``prices`` / ``macro``: frames read once for many dates (``price_frame`` of at least
    :func:`risk_market_symbols`, ``macro_frame`` of :data:`MACRO_SERIES`, covering
    ``as_of - PRICE_LOOKBACK_DAYS`` .. ``as_of``), e.g. by a VaR-forecast backfill; they are cut to
    the rows and columns the queries would return (dates with a value of a requested symbol), so
    the inputs are the same."""
    etfs = list(FACTOR_ETFS.values())
    symbols = risk_market_symbols(risk_symbols)
    start = as_of - dt.timedelta(days=PRICE_LOOKBACK_DAYS)
    if prices is None:
        prices = price_frame(symbols=symbols, start=start, end=as_of).sort_index()
    else:
        dates = pd.Index(prices.index)
        prices = prices.loc[(dates >= start) & (dates <= as_of)].reindex(columns=symbols).sort_index()
        prices = prices[prices.notna().any(axis=1).to_numpy()]
    if macro is None:
        macro = macro_frame(series_ids=list(MACRO_SERIES), start=start, end=as_of)
    else:
        dates = pd.Index(macro.index)
        macro = macro.loc[(dates >= start) & (dates <= as_of)].reindex(columns=list(MACRO_SERIES))
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


def empty_book() -> pd.DataFrame:
    """A book without rows (the ``risk_book`` columns)."""
    return pd.DataFrame(columns=BOOK_COLUMNS, index=pd.Index([], name="position_id"))


def stored_valuations_frame(*, as_of: dt.date, portfolio_ids: Sequence[str]) -> pd.DataFrame:
    """The stored valuations of ``as_of`` (engine 2) in the layout :func:`risk_book_build` takes:
    indexed by position id, columns price, underlying_price, exposure (delta-adjusted), market_value."""
    valuations = pd.DataFrame(
        list(
            PositionValuation.objects.filter(
                portfolio_id__in=list(portfolio_ids), as_of_date=as_of
            ).values_list(
                "position_id", "price", "underlying_price", "delta_adjusted_exposure", "market_value"
            )
        ),
        columns=["position_id", "price", "underlying_price", "exposure", "market_value"],
    )
    valuations["position_id"] = valuations["position_id"].astype(str)
    return valuations.set_index("position_id").astype(float)


def risk_book_build(
    *, positions: pd.DataFrame, valuations: pd.DataFrame, option_greeks: pd.DataFrame
) -> pd.DataFrame:
    """The ``risk_book`` frame of positions (rows of ``positions_frame``, stored or in-memory), their
    valuations (layout of :func:`stored_valuations_frame`) and their options' inputs
    (``option_greeks_frame``: S, K, T, rate, dividend_yield, sigma, is_american; empty when none).

    A position without a valuation row gets the reason ``no_valuation``. No query.
    """
    greeks = option_greeks
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
            index=frame.index,
            columns=["S", "K", "T", "rate", "dividend_yield", "sigma", "is_american"],
            dtype=float,
        )
    )
    underlying_price = val["underlying_price"].where(val["underlying_price"].notna(), g["S"].astype(float))
    book["price"] = np.where(is_option, underlying_price, val["price"])
    book["strike"] = np.where(is_option, g["K"].astype(float), np.nan)
    book["expiry_years"] = np.where(is_option, g["T"].astype(float), np.nan)
    book["rate"] = np.where(is_option, g["rate"].astype(float), 0.0)
    book["dividend_yield"] = np.where(is_option, g["dividend_yield"].astype(float), 0.0)
    book["sigma"] = np.where(is_option, g["sigma"].astype(float), np.nan)
    american = pd.to_numeric(g["is_american"], errors="coerce").fillna(0.0).to_numpy(dtype=float) > 0
    book["is_american"] = is_option & american
    book["exposure"] = val["exposure"]
    book["market_value"] = val["market_value"]
    book["side"] = [side_of(e) for e in book["exposure"].to_numpy(dtype=float)]
    reason = pricing_reason(book)
    reason[~frame.index.isin(valuations.index)] = "no_valuation"
    book["reason"] = reason
    return book


def risk_books_load(*, as_of: dt.date, portfolio_ids: Sequence[str]) -> RiskBooks:
    """Books of the chunk's portfolios (positions held on as_of with valuations and option inputs)."""
    ids = [str(p) for p in portfolio_ids]
    positions = positions_frame(portfolio_ids=ids, as_of=as_of)
    valuations = stored_valuations_frame(as_of=as_of, portfolio_ids=ids)
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
    book = risk_book_build(positions=positions, valuations=valuations, option_greeks=greeks)

    books: dict[str, pd.DataFrame] = {}
    failures: dict[str, str] = {}
    nav_sources: dict[str, str] = {}
    grouped = dict(tuple(book.groupby("portfolio_id", sort=False)))
    for pid in ids:
        part = grouped.get(pid, empty_book())
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


def symbol_risk_get(*, as_of: dt.date, symbols: Sequence[str]) -> SymbolRisk:
    """The symbols' stress sensitivities, CAPM betas and residual volatilities of ``as_of`` (one
    query); a symbol without finite factor betas has a row of NaN (unmodeled)."""
    return symbol_risk_from_rows(symbol_factor_rows(as_of=as_of, symbols=symbols), symbols=symbols)


#: The SymbolFactorExposure fields :func:`symbol_risk_from_rows` reads, in its row order.
SYMBOL_RISK_FIELDS = ("symbol", "betas", "macro_betas", "capm_beta", "residual_volatility")


def symbol_factor_rows(*, as_of: dt.date, symbols: Sequence[str]) -> list[tuple[Any, ...]]:
    """The stored (symbol, betas, macro_betas, capm_beta, residual_volatility) of ``as_of`` (one query)."""
    return list(
        SymbolFactorExposure.objects.filter(symbol__in=list(symbols), as_of_date=as_of).values_list(
            *SYMBOL_RISK_FIELDS
        )
    )


def symbol_risk_from_rows(rows: Sequence[tuple[Any, ...]], *, symbols: Sequence[str]) -> SymbolRisk:
    """:class:`SymbolRisk` of (symbol, betas, macro_betas, capm_beta, residual_volatility) rows, the
    fields of SymbolFactorExposure (stored, or fitted in-process by a modeling session). No query."""
    sens: dict[str, dict[str, float]] = {}
    capm: dict[str, float] = {}
    resid: dict[str, float] = {}
    for symbol, betas, macro, capm_beta, resid_vol in rows:
        values = {k: number(v) for k, v in (betas or {}).items() if k in FACTORS}
        if any(v is not None for v in values.values()):
            values.update({k: number(v) for k, v in (macro or {}).items() if k in MACRO_SENSITIVITIES})
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


# --- scenarios ------------------------------------------------------------------------------


def stress_scenarios_active(*, owner_ids: Collection[Any]) -> list[StressScenario]:
    """The active scenarios of the library and of these owners, in display order (one query)."""
    return list(
        StressScenario.objects.filter(is_active=True)
        .filter(Q(owner__isnull=True) | Q(owner_id__in=owner_ids))
        .order_by("display_order", "id")
    )
