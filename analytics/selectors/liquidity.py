"""GET /analytics/risk/{id}/liquidity: days to exit from stored bars and the batch's parametric VaR.

Reads (constant query count): the stored 1-day parametric VaR with its Euler components
(``risk.risk_var_get``: the positions the batch's VaR covered and their date), the positions'
valuations of that date, and the OHLCV bars of the held symbols and their underlyings over the
ADV window. The math is :mod:`analytics.engines.liquidity` (its docstring holds every convention).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from analytics.engines.liquidity import adv_frame, days_to_exit, exit_buckets, liquidity_adjusted_var
from analytics.models import PositionValuation, RiskView
from analytics.selectors import risk as risk_selectors
from analytics.selectors.conventions import liquidity_conventions
from marketdata.selectors import bars_frame
from portfolios.models import Portfolio
from sigmasight.api.numbers import money, number, percent

__all__ = ["LIQUIDITY_HORIZON_DAYS", "liquidity_get"]

#: Horizon of the liquidity-adjusted VaR (trading days).
LIQUIDITY_HORIZON_DAYS = 10


def _valuations(portfolio: Portfolio, as_of: dt.date) -> pd.DataFrame:
    rows = PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of, is_held=True).values_list(
        "position_id",
        "position__symbol",
        "position__underlying_symbol",
        "position__quantity",
        "market_value",
        "underlying_price",
        "delta_adjusted_exposure",
    )
    frame = pd.DataFrame(
        list(rows),
        columns=["position_id", "symbol", "underlying", "quantity", "market_value", "und_price", "exposure"],
    )
    frame["position_id"] = frame["position_id"].astype(str)
    for col in ("quantity", "market_value", "und_price", "exposure"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    return frame.set_index("position_id")


def liquidity_get(
    *,
    portfolio: Portfolio,
    participation: float,
    adv_days: int,
    confidence: float,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """The /liquidity payload (API.md): per position ADV dollars and days to exit, the exit
    buckets by |market value|, and the liquidity-adjusted 10-day parametric VaR (422 before the
    batch's VaR)."""
    var = risk_selectors.risk_var_get(
        portfolio=portfolio,
        method="parametric",
        confidence=confidence,
        horizon_days=1,
        view=RiskView.PORTFOLIO,
        as_of=as_of,
    )
    date = var["as_of_date"]
    vals = _valuations(portfolio, date)
    is_option = vals["underlying"].fillna("").astype(str).str.len().to_numpy() > 0
    symbols = sorted(set(vals["symbol"]) | set(vals["underlying"].dropna()))
    # adv_days trading days fit in 2 x adv_days + 10 calendar days (weekends and holidays)
    bars = bars_frame(symbols=symbols, start=date - dt.timedelta(days=2 * adv_days + 10), end=date)
    adv = adv_frame(bars, adv_days)
    own_shares = adv["adv_shares"].reindex(vals["symbol"]).to_numpy(dtype=float)
    own_dollars = adv["adv_dollars"].reindex(vals["symbol"]).to_numpy(dtype=float)
    und_shares = adv["adv_shares"].reindex(vals["underlying"].fillna("")).to_numpy(dtype=float)
    und_dollars = adv["adv_dollars"].reindex(vals["underlying"].fillna("")).to_numpy(dtype=float)
    own_ok = np.isfinite(own_shares) & (own_shares > 0)
    by_contracts = is_option & own_ok
    with np.errstate(divide="ignore", invalid="ignore"):
        delta_shares = vals["exposure"].to_numpy(dtype=float) / vals["und_price"].to_numpy(dtype=float)
    units = np.where(is_option & ~own_ok, delta_shares, vals["quantity"].to_numpy(dtype=float))
    adv_units = np.where(is_option & ~own_ok, und_shares, own_shares)
    days = days_to_exit(units, adv_units, participation)
    adv_usd = np.where(is_option & ~own_ok, und_dollars, own_dollars)
    basis = np.where(~is_option, "shares", np.where(by_contracts, "contracts", "underlying_delta_shares"))

    nav = float(var["portfolio_value"]) if var["portfolio_value"] is not None else float("nan")
    components = {p["position_id"]: p["component_var"] for p in var["by_position"]}
    cvar = np.array([components.get(pid, np.nan) for pid in vals.index], dtype=float)
    cvar = np.where(np.isfinite(cvar), cvar, np.nan)
    lvar = liquidity_adjusted_var(cvar, days, LIQUIDITY_HORIZON_DAYS)
    var_1d = var["var"]
    return {
        "portfolio_id": str(portfolio.id),
        "participation": participation,
        "adv_days": adv_days,
        "confidence": confidence,
        "horizon_days": LIQUIDITY_HORIZON_DAYS,
        "portfolio_value": money(nav),
        "positions": [
            {
                "position_id": pid,
                "symbol": symbol,
                "market_value": money(mv),
                "adv_dollars": money(a),
                "days_to_exit": number(d, 4),
                "exit_basis": b,
                "component_var_1d": money(c),
            }
            for pid, symbol, mv, a, d, b, c in zip(
                vals.index,
                vals["symbol"],
                vals["market_value"],
                adv_usd,
                days,
                basis,
                cvar,
                strict=True,
            )
        ],
        "buckets": [
            {
                **row,
                "market_value": money(row["market_value"]),
                "percent_of_nav": percent(row["percent_of_nav"]),
            }
            for row in exit_buckets(vals["market_value"].to_numpy(dtype=float), days, nav)
        ],
        "unknown_liquidity": [
            {"position_id": pid, "symbol": s}
            for pid, s, d in zip(vals.index, vals["symbol"], days, strict=True)
            if not np.isfinite(d)
        ],
        "var_1d": var_1d,
        "var_10d": money(var_1d * np.sqrt(LIQUIDITY_HORIZON_DAYS)) if var_1d is not None else None,
        "liquidity_adjusted_var_10d": money(lvar) if var_1d is not None else None,
        "as_of_date": date,
        "calculated_at": timezone.now(),
        "stale": var["stale"],
        "data_source": var["data_source"],
        "conventions": liquidity_conventions(adv_days=adv_days, horizon_days=LIQUIDITY_HORIZON_DAYS),
    }
