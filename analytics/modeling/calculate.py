"""The batch's engines run in-process on in-memory books (a modeling session's before / after).

Nothing is written to the result tables. Each book is a ``positions_frame``-shaped frame and a cash
balance; all books of one call are computed together the way the batch computes a chunk of
portfolios (one valuation, one market-input read, one stress run), through the batch's own
functions:

- valuation: ``services.valuation.position_valuations_frame`` (engine 2);
- exposures and NAV: ``engines.valuation.portfolio_exposures`` (engine 3's sums; NAV = net + cash);
- Greeks: ``selectors.market_inputs.option_greeks_frame`` for options (engine 4) and
  ``engines.greeks.stock_position_greeks`` for stocks, summed by ``greeks_totals`` (the /greeks
  convention: stocks delta 1 per share);
- factor exposures: ``services.factors.factor_exposures_compute`` on the stored
  SymbolFactorExposure betas (engine 5), symbols the batch has not fitted are fitted now by
  ``services.factors.symbol_factor_rows_compute`` and not stored;
- stress, VaR, contributions: ``selectors.risk_inputs.risk_book_build`` / ``risk_market_inputs``,
  ``services.stress.stress_book_run`` and ``services.risk_portfolio.portfolio_risk`` (engine 7;
  the portfolio view, historical and parametric VaR).

Books in ``light`` get only what the incremental VaR needs (parametric VaR of the portfolio view,
``services.var.var_metrics`` on the rows ``view_metrics`` would include).
Figures are raw floats (USD; ratios as fractions, ``ctr_percent`` in percent); see
:func:`books_figures` for the layout.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.greeks import greeks_totals, stock_position_greeks
from analytics.engines.valuation import portfolio_exposures
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
from analytics.services.risk_portfolio import monte_carlo_seed, portfolio_risk, revaluation_reasons
from analytics.services.stress import book_sensitivities, scenario_from_model, stress_book_run
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


def _var_figures(var: Mapping[str, Any], methods: Collection[str]) -> dict[str, Any]:
    """``{method: {h1|h10: {c95|c99: {var, es}}}}`` of a view's stored-layout VaR entries."""
    out: dict[str, Any] = {}
    for method in methods:
        out[method] = {}
        for horizon in IMPACT_HORIZONS:
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
    rows.sort(key=lambda r: (-r["ctr"], r["symbol"], r["position_id"]))
    return rows[:TOP_CONTRIBUTORS]


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
    ...}}``. Every number is a float (USD) or None when not finite.
    """
    keys = list(books)
    full = [k for k in keys if k not in set(light)]
    positions = _combined(books)
    options = positions[positions["is_option"].to_numpy(dtype=bool)] if len(positions) else positions
    greeks = option_greeks_frame(options=options, as_of=as_of) if len(options) else pd.DataFrame()
    valuations = position_valuations_frame(positions=positions, as_of=as_of, option_greeks=greeks)

    cash_series = pd.Series({k: float(cash[k]) for k in keys}, dtype=float)
    cash_series.index.name = "portfolio_id"
    totals = portfolio_exposures(valuations, cash_series)
    navs = {k: float(totals.loc[k, "nav"]) for k in keys}

    risk_valuations = valuations[["price", "underlying_price", "delta_adjusted_exposure", "market_value"]]
    risk_valuations = risk_valuations.rename(columns={"delta_adjusted_exposure": "exposure"}).astype(float)
    book = risk_book_build(positions=positions, valuations=risk_valuations, option_greeks=greeks)
    risk_symbols = sorted({str(s) for s in book["risk_symbol"].dropna() if s})
    market = risk_market_inputs(as_of=as_of, risk_symbols=risk_symbols)
    symbols = _symbol_risk(as_of=as_of, symbols=risk_symbols)
    seed = monte_carlo_seed(as_of)

    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        if key in full:
            continue
        part = book[book["portfolio_id"] == key]
        reason = revaluation_reasons(part, market)  # the portfolio view's rule (view_metrics)
        var = var_metrics(
            book=part[reason.isna()],
            returns=market.returns,
            nav=navs[key],
            seed=seed,
            methods=("parametric",),
            unknown=bool(reason.notna().any()),
        )
        out[key] = {"nav": num(navs[key]), "var": _var_figures(var, ("parametric",))}
    if full:
        out.update(
            _full_figures(
                keys=full,
                book=book,
                positions=positions,
                valuations=valuations,
                options=greeks,
                totals=totals,
                navs=navs,
                market=market,
                symbols=symbols,
                seed=seed,
                owner_id=owner_id,
            )
        )
    return {k: out[k] for k in keys}


def _full_figures(
    *,
    keys: list[str],
    book: pd.DataFrame,
    positions: pd.DataFrame,
    valuations: pd.DataFrame,
    options: pd.DataFrame,
    totals: pd.DataFrame,
    navs: Mapping[str, float],
    market: RiskMarketInputs,
    symbols: SymbolRisk,
    seed: int,
    owner_id: Any,
) -> dict[str, dict[str, Any]]:
    in_full = book["portfolio_id"].isin(keys).to_numpy()
    chunk = book[in_full]
    full_options = options[options.index.isin(chunk.index)] if len(options) else options
    greek_totals = _greeks(positions[positions["portfolio_id"].isin(keys)], valuations, full_options)
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
    sens = book_sensitivities(chunk, symbols.sensitivities)
    outcome = stress_book_run(chunk, sens, [scenario_from_model(s) for s in scenarios], market.stress_cov)
    names = {s.id: s.name for s in scenarios}

    out: dict[str, dict[str, Any]] = {}
    for key in keys:
        rows = np.flatnonzero(chunk["portfolio_id"].to_numpy() == key)
        part = chunk.iloc[rows]
        risk = portfolio_risk(
            part,
            nav=navs[key],
            nav_source="modeled",
            scenario_ids=None,
            outcome=outcome,
            rows=rows,
            sens=sens.iloc[rows],
            market=market,
            symbols=symbols,
            seed=seed,
            views=(RiskView.PORTFOLIO,),
            methods=IMPACT_METHODS,
        )
        metrics = risk.metrics[RiskView.PORTFOLIO]
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
                sid: {"name": names.get(sid, sid), "dollar_impact": num(fields["dollar_impact"])}
                for sid, fields in risk.stress.items()
            },
            "excluded": [{**e, "position_id": _source_id(e["position_id"])} for e in metrics["excluded"]],
            "symbols": metrics["symbols"],
        }
    return out
