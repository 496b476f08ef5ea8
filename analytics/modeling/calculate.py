"""The batch's engines run in-process on in-memory books (a modeling session's before / after).

Nothing is written to the result tables. Each book is a ``positions_frame``-shaped frame and a cash
balance; all books of one call are computed together the way the batch computes a chunk of
portfolios (one valuation, one market-input read, one stress run), through the batch's own
functions. The books of a session are mostly the same lots: every per-position step (valuation,
option inputs, risk book, stress P&L) runs once per distinct lot (same position id and quantity)
and is shared by the books holding it, and the parametric covariance is estimated once per
distinct set of risk symbols (``engines.var.SampleCovariances``): the figures are those of
separate runs, computed once.

- valuation: ``services.valuation.position_valuations_frame`` (engine 2);
- exposures and NAV: ``engines.valuation.portfolio_exposures`` (engine 3's sums; NAV = net + cash);
- Greeks: ``selectors.market_inputs.option_greeks_frame`` for options (engine 4) and
  ``engines.greeks.stock_position_greeks`` for stocks, summed by ``greeks_totals`` (the /greeks
  convention: stocks delta 1 per share);
- factor exposures: ``services.factors.factor_exposures_compute`` on the stored
  SymbolFactorExposure betas (engine 5), symbols the batch has not fitted are fitted now by
  ``services.factors.symbol_factor_rows_compute`` and not stored;
- stress, VaR, contributions: ``selectors.risk_inputs.risk_book_build`` / ``risk_market_inputs``,
  ``services.stress.stress_book_run`` / ``scenario_total`` and
  ``services.risk_portfolio.view_metrics`` (engine 7's ``portfolio_risk`` steps; the portfolio
  view, historical and parametric VaR).

Books in ``light`` get only what the incremental VaR needs (1-day parametric VaR of the portfolio
view, ``services.var.var_metrics`` on the rows ``view_metrics`` would include).
Figures are raw floats (USD; ratios as fractions, ``ctr_percent`` in percent); see
:func:`books_figures` for the layout.
"""

from __future__ import annotations

import datetime as dt
import heapq
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.greeks import greeks_totals, stock_position_greeks
from analytics.engines.valuation import portfolio_exposures
from analytics.engines.var import SampleCovariances
from analytics.models import RiskView
from analytics.selectors.market_inputs import option_greeks_frame
from analytics.selectors.risk_inputs import (
    FACTORS,
    RiskMarketInputs,
    SymbolRisk,
    risk_book_build,
    risk_market_inputs,
    stress_scenarios_active,
    symbol_factor_rows,
    symbol_risk_from_rows,
)
from analytics.services.factors import factor_exposures_compute, symbol_factor_rows_compute
from analytics.services.risk_portfolio import monte_carlo_seed, revaluation_reasons, view_metrics
from analytics.services.stress import book_sensitivities, scenario_from_model, scenario_total, stress_book_run
from analytics.services.valuation import position_valuations_frame
from analytics.services.var import var_metrics
from sigmasight.api.numbers import number as num

__all__ = ["IMPACT_CONFIDENCES", "IMPACT_HORIZONS", "IMPACT_METHODS", "TOP_CONTRIBUTORS", "books_figures"]

IMPACT_METHODS: tuple[str, ...] = ("historical", "parametric")
IMPACT_CONFIDENCES: tuple[float, ...] = (0.95, 0.99)
IMPACT_HORIZONS: tuple[int, ...] = (1, 10)
TOP_CONTRIBUTORS = 10
#: The separator of a book key and a position id in the combined frame.
_SEP = "|"


def _combined(books: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """One positions frame of every book: ``portfolio_id`` = the book key, ids ``key|id``."""
    parts = []
    for key, frame in books.items():
        part = frame.copy()
        part["id"] = [f"{key}{_SEP}{pid}" for pid in part["id"]]
        part["portfolio_id"] = key
        parts.append(part)
    nonempty = [p for p in parts if len(p)]
    if not nonempty:
        return parts[0].iloc[:0] if parts else pd.DataFrame()
    return pd.concat(nonempty, ignore_index=True)


def _source_id(combined_id: str) -> str:
    return combined_id.split(_SEP, 1)[1]


def _symbol_risk(*, as_of: dt.date, symbols: list[str]) -> SymbolRisk:
    """Stored betas of ``as_of``; symbols without a stored fit are fitted now (not saved)."""
    rows = symbol_factor_rows(as_of=as_of, symbols=symbols)
    missing = sorted(set(symbols) - {r[0] for r in rows})
    fitted = [
        (r.symbol, r.betas, r.macro_betas, r.capm_beta, r.residual_volatility)
        for r in symbol_factor_rows_compute(symbols=missing, as_of=as_of)
    ]
    return symbol_risk_from_rows([*rows, *fitted], symbols=symbols)


def _greeks(positions: pd.DataFrame, valuations: pd.DataFrame, options: pd.DataFrame) -> pd.DataFrame:
    """Greeks totals per book (rows: book key); ``options``: the options' ``option_greeks_frame``."""
    stocks = positions[~positions["is_option"].to_numpy(dtype=bool)]
    parts = []
    if len(stocks):
        frame = stock_position_greeks(
            underlying_price=valuations["price"].reindex(stocks["id"]).to_numpy(dtype=float),
            quantity=stocks["quantity"].to_numpy(dtype=float),
            multiplier=stocks["multiplier"].to_numpy(dtype=float),
            index=pd.Index(stocks["id"]),
        )
        frame["portfolio_id"] = stocks["portfolio_id"].to_numpy()
        parts.append(frame)
    if len(options):
        frame = options.copy()
        frame["portfolio_id"] = positions.set_index("id")["portfolio_id"].reindex(frame.index).to_numpy()
        parts.append(frame)
    if not parts:
        return pd.DataFrame()
    return greeks_totals(pd.concat(parts), by="portfolio_id")


def _var_figures(
    var: Mapping[str, Any], methods: Collection[str], horizons: Collection[int] = IMPACT_HORIZONS
) -> dict[str, Any]:
    """``{method: {h1|h10: {c95|c99: {var, es}}}}`` of a view's stored-layout VaR entries."""
    out: dict[str, Any] = {}
    for method in methods:
        out[method] = {}
        for horizon in horizons:
            hk = f"h{horizon}"
            out[method][hk] = {}
            for confidence in IMPACT_CONFIDENCES:
                ck = f"c{round(confidence * 100)}"
                entry = var.get(method, {}).get(hk, {}).get(ck, {})
                out[method][hk][ck] = {"var": entry.get("var"), "es": entry.get("expected_shortfall")}
    return out


def _top_contributors(metrics: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The positions with the largest contributions to risk (CTR, descending), at most 10."""
    positions = metrics["positions"]
    by = metrics["contributions"]["by_position"]
    rows = [
        {"position_id": _source_id(p["position_id"]), "symbol": p["symbol"], "ctr": ctr, "ctr_percent": pct}
        for p, ctr, pct in zip(positions, by["ctr"], by["ctr_percent"], strict=True)
    ]
    rows = [r for r in rows if r["ctr"] is not None]
    return heapq.nsmallest(TOP_CONTRIBUTORS, rows, key=lambda r: (-r["ctr"], r["symbol"], r["position_id"]))


def _distinct_rows(positions: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(row of the first occurrence of each distinct lot, distinct lot of each row): a lot is a
    source position id with a quantity; books holding the same lot share its per-position rows."""
    if not len(positions):
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    seen: dict[tuple[str, float], int] = {}
    first: list[int] = []
    codes = np.empty(len(positions), dtype=np.intp)
    ids = positions["id"].tolist()
    quantities = positions["quantity"].to_numpy(dtype=np.float64).tolist()
    for row, (combined_id, quantity) in enumerate(zip(ids, quantities, strict=True)):
        lot = (_source_id(combined_id), quantity)
        code = seen.get(lot)
        if code is None:
            code = seen[lot] = len(first)
            first.append(row)
        codes[row] = code
    return np.asarray(first, dtype=np.intp), codes


def _spread(
    frame: pd.DataFrame, distinct_ids: pd.Index, codes: np.ndarray, positions: pd.DataFrame
) -> pd.DataFrame:
    """Per-row frame of the distinct lots (index: the distinct rows' ids) laid out on every row
    of ``positions``: index = their ids, ``portfolio_id`` = their book."""
    out = frame.reindex(distinct_ids).iloc[codes]
    out.index = pd.Index(positions["id"].to_numpy(), name=frame.index.name)
    if "portfolio_id" in out:
        out["portfolio_id"] = positions["portfolio_id"].to_numpy()
    return out


def books_figures(
    *,
    books: Mapping[str, pd.DataFrame],
    cash: Mapping[str, float],
    as_of: dt.date,
    owner_id: Any,
    light: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """The figures of each book (key -> figures), computed together.

    Full books: ``{nav, position_count, exposures: {long, short, gross, net, delta_adjusted_net,
    delta_adjusted_gross, total_value}, greeks: {delta, delta_dollars, gamma, gamma_dollars,
    theta, vega, rho}, factors: {name: exposure_dollar}, var: {method: {h1|h10: {c95|c99: {var,
    es}}}}, top_contributors: [{position_id, symbol, ctr, ctr_percent}], scenarios: {id: {name,
    dollar_impact}}, excluded: [...], symbols: [...]}``. Light books: ``{nav, var: {parametric:
    {h1: ...}}}``. Every number is a float (USD) or None when not finite.
    """
    keys = list(books)
    light_keys = set(light)
    full = [k for k in keys if k not in light_keys]
    positions = _combined(books)
    first, codes = _distinct_rows(positions)
    distinct = positions.iloc[first]
    distinct_ids = pd.Index(distinct["id"].to_numpy()) if len(distinct) else pd.Index([])
    options = distinct[distinct["is_option"].to_numpy(dtype=bool)] if len(distinct) else distinct
    greeks = option_greeks_frame(options=options, as_of=as_of) if len(options) else pd.DataFrame()
    own_valuations = position_valuations_frame(positions=distinct, as_of=as_of, option_greeks=greeks)
    risk_valuations = own_valuations[["price", "underlying_price", "delta_adjusted_exposure", "market_value"]]
    risk_valuations = risk_valuations.rename(columns={"delta_adjusted_exposure": "exposure"}).astype(float)
    own_book = risk_book_build(positions=distinct, valuations=risk_valuations, option_greeks=greeks)

    valuations = _spread(own_valuations, distinct_ids, codes, positions)
    book = _spread(own_book, distinct_ids, codes, positions)
    rows_of = {
        str(k): np.asarray(v) for k, v in positions.groupby("portfolio_id", sort=False).indices.items()
    }
    rows_of.update({k: np.zeros(0, dtype=np.intp) for k in keys if k not in rows_of})

    cash_series = pd.Series({k: float(cash[k]) for k in keys}, dtype=float)
    cash_series.index.name = "portfolio_id"
    totals = portfolio_exposures(valuations, cash_series)
    navs = {k: float(totals.loc[k, "nav"]) for k in keys}

    risk_symbols = sorted({str(s) for s in own_book["risk_symbol"].dropna() if s})
    market = risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols)
    symbols = _symbol_risk(as_of=as_of, symbols=risk_symbols)
    seed = monte_carlo_seed(as_of)
    covariances = SampleCovariances()

    # the portfolio view's rule (view_metrics), per distinct lot
    included = revaluation_reasons(own_book, market).isna().to_numpy()
    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        if key in full:
            continue
        rows = rows_of[key]
        part = book.iloc[rows]
        kept = included[codes[rows]]
        var = var_metrics(
            book=part[kept],
            returns=market.returns,
            nav=navs[key],
            seed=seed,
            methods=("parametric",),
            unknown=not bool(kept.all()),
            horizons=(1,),
            covariances=covariances,
        )
        out[key] = {"nav": num(navs[key]), "var": _var_figures(var, ("parametric",), (1,))}
    if full:
        out.update(
            _full_figures(
                keys=full,
                book=book,
                rows_of=rows_of,
                codes=codes,
                distinct_ids=distinct_ids,
                own_book=own_book,
                positions=positions,
                valuations=valuations,
                greeks=greeks,
                totals=totals,
                navs=navs,
                market=market,
                symbols=symbols,
                seed=seed,
                covariances=covariances,
                owner_id=owner_id,
            )
        )
    return {k: out[k] for k in keys}


def _full_figures(
    *,
    keys: list[str],
    book: pd.DataFrame,
    rows_of: Mapping[str, np.ndarray],
    codes: np.ndarray,
    distinct_ids: pd.Index,
    own_book: pd.DataFrame,
    positions: pd.DataFrame,
    valuations: pd.DataFrame,
    greeks: pd.DataFrame,
    totals: pd.DataFrame,
    navs: Mapping[str, float],
    market: RiskMarketInputs,
    symbols: SymbolRisk,
    seed: int,
    covariances: SampleCovariances,
    owner_id: Any,
) -> dict[str, dict[str, Any]]:
    chunk_rows = np.concatenate([rows_of[k] for k in keys]) if keys else np.zeros(0, dtype=np.intp)
    chunk = book.iloc[chunk_rows]
    chunk_positions = positions.iloc[chunk_rows]
    options = chunk_positions[chunk_positions["is_option"].to_numpy(dtype=bool)]
    option_greeks = (
        _spread(greeks, distinct_ids, codes[options.index.to_numpy()], options) if len(options) else greeks
    )
    greek_totals = _greeks(chunk_positions, valuations, option_greeks)
    held = pd.DataFrame(
        {
            "position_id": chunk.index.to_numpy(),
            "portfolio_id": chunk["portfolio_id"].to_numpy(),
            "risk_symbol": chunk["risk_symbol"].replace("", np.nan).to_numpy(),
            "exposure": chunk["exposure"].to_numpy(dtype=float),
        }
    )
    factors = factor_exposures_compute(
        betas=symbols.sensitivities[list(FACTORS)], held=held, navs={k: navs[k] for k in keys}
    )
    scenarios = stress_scenarios_active(owner_ids=[owner_id] if owner_id is not None else [])
    # the stress P&L of each distinct lot of these books, once
    lots, columns = np.unique(codes[chunk_rows], return_inverse=True)
    lot_book = own_book.iloc[lots]
    sens = book_sensitivities(lot_book, symbols.sensitivities)
    outcome = stress_book_run(lot_book, sens, [scenario_from_model(s) for s in scenarios], market.stress_cov)
    names = {s.id: s.name for s in scenarios}

    out: dict[str, dict[str, Any]] = {}
    start = 0
    for key in keys:
        count = len(rows_of[key])
        part = book.iloc[rows_of[key]]
        own_columns = columns[start : start + count]
        start += count
        metrics = view_metrics(
            RiskView.PORTFOLIO,
            part,
            nav=navs[key],
            nav_source="modeled",
            market=market,
            symbols=symbols,
            seed=seed,
            methods=IMPACT_METHODS,
            covariances=covariances,
        )
        row = totals.loc[key]
        g = greek_totals.loc[key] if key in greek_totals.index else None
        out[key] = {
            "nav": num(navs[key]),
            "position_count": int(len(part)),
            "exposures": {
                "long": num(row["long"]),
                "short": num(row["short"]),
                "gross": num(row["gross"]),
                "net": num(row["net"]),
                "delta_adjusted_net": num(row["delta_net"]),
                "delta_adjusted_gross": num(row["delta_gross"]),
                "total_value": num(row["nav"]),
            },
            "greeks": {
                name: (num(g[name]) if g is not None else 0.0)
                for name in ("delta", "delta_dollars", "gamma", "gamma_dollars", "theta", "vega", "rho")
            },
            "factors": {
                str(f): num(factors.loc[(key, f), "exposure_dollar"]) if (key, f) in factors.index else None
                for f in FACTORS
            },
            "var": _var_figures(metrics["var"], IMPACT_METHODS),
            "top_contributors": _top_contributors(metrics),
            "scenarios": {
                scenario.id: {
                    "name": names.get(scenario.id, scenario.id),
                    "dollar_impact": num(scenario_total(outcome.pnl[j, own_columns])),
                }
                for j, scenario in enumerate(outcome.scenarios)
            },
            "excluded": [{**e, "position_id": _source_id(e["position_id"])} for e in metrics["excluded"]],
            "symbols": metrics["symbols"],
        }
    return out
