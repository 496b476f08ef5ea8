"""Portfolio performance: time-weighted returns, ratios, drawdowns, NAV backfill and P&L
attribution (DESIGN "Performance"). Pure numpy/pandas, no Django, no clock (``as_of`` is an
argument).

Units: NAV, flows and P&L in currency; returns, drawdowns and volatilities as fractions
(0.01 = 1 %); ``*_percent`` fields x 100. Annualization: 252 trading days (geometric for
returns, sqrt(252) for volatilities and ratios). Dates: a sorted DatetimeIndex (inputs are
converted with ``pd.to_datetime``).

Flows (external): ``F_t`` = cost of positions opened on day t (quantity x entry price x
multiplier) minus proceeds of positions closed that day (quantity x exit price x multiplier),
both at the start of the day; ``r_t = (NAV_t - NAV_t-1 - F_t) / (NAV_t-1 + F_t)``, NaN for the
first day and when the denominator is <= 0 (or not finite).

NaN policy: NaN returns are skipped when chaining (a factor of 1, as empyrical's
``cum_returns``) and dropped before statistics; a statistic that is not finite is NaN; nothing
raises on bad numbers. Minimum observations: 2 finite returns for every ratio and volatility
(``min_observations``), 1 for total and period returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analytics.engines.conventions import TRADING_DAYS_PER_YEAR

__all__ = [
    "Drawdown",
    "PerformanceMetrics",
    "cumulative_returns",
    "daily_returns",
    "drawdown_series",
    "LotValues",
    "lot_values",
    "max_drawdown",
    "nav_and_flows",
    "performance_metrics",
    "period_returns",
    "pnl_attribution",
    "position_daily_pnl",
]

TRADING_DAYS = TRADING_DAYS_PER_YEAR
PERIOD_DAYS: Mapping[str, int] = {"1w": 7, "1m": 30, "3m": 91, "1y": 365}


def _dated(s: pd.Series) -> pd.Series:
    """The series with a DatetimeIndex when its labels are dates (``date`` or strings)."""
    if isinstance(s.index, pd.DatetimeIndex) or s.index.dtype != object:
        return s
    return s.set_axis(pd.to_datetime(s.index))


def _finite(x: float) -> float:
    return float(x) if np.isfinite(x) else float("nan")


def daily_returns(nav: pd.Series, flows: pd.Series | None = None) -> pd.Series:
    """Time-weighted daily returns (fractions) from a NAV series and start-of-day external flows
    (both currency, same dates; missing flows = 0). First day and non-positive denominators NaN.
    """
    nav = nav.astype(np.float64)
    f = (
        pd.Series(0.0, index=nav.index)
        if flows is None
        else flows.reindex(nav.index).astype(np.float64).fillna(0.0)
    )
    prev = nav.shift(1)
    denom = prev + f
    with np.errstate(divide="ignore", invalid="ignore"):
        r = (nav - prev - f) / denom
    return r.where((denom > 0) & np.isfinite(r)).rename("return")


def cumulative_returns(returns: pd.Series) -> pd.Series:
    """Compounded return since the start (fraction) on each date; NaN returns count as 0."""
    return (1.0 + returns.astype(np.float64).fillna(0.0)).cumprod() - 1.0


def drawdown_series(returns: pd.Series) -> pd.Series:
    """Drawdown on each date (fraction <= 0): wealth / running peak - 1, where wealth compounds
    the returns (NaN -> 0) from 1 and the running peak starts at that initial 1 (as empyrical)."""
    wealth = cumulative_returns(_dated(returns)) + 1.0
    peak: npt.NDArray[np.float64] | list[float] = (
        np.maximum.accumulate(np.maximum(wealth.to_numpy(), 1.0)) if len(wealth) else []
    )
    return (wealth / peak - 1.0).rename("drawdown")


@dataclass(frozen=True)
class Drawdown:
    """Maximum drawdown (negative fraction; 0.0 when none, NaN when no data) with the last date
    at the running peak before the trough (None if the peak is the initial value before the
    first date), the trough date, and the first date back at the peak (None if not recovered)."""

    max_drawdown: float
    peak_date: pd.Timestamp | None
    trough_date: pd.Timestamp | None
    recovery_date: pd.Timestamp | None


def max_drawdown(returns: pd.Series) -> Drawdown:
    """Maximum drawdown of the compounded returns (see :func:`drawdown_series`)."""
    dd = drawdown_series(returns)
    if dd.empty or not np.isfinite(dd.to_numpy()).any():
        return Drawdown(float("nan"), None, None, None)
    trough = dd.idxmin()
    worst = float(dd.loc[trough])
    if worst >= 0:
        return Drawdown(0.0, None, None, None)
    before, after = dd.loc[:trough], dd.loc[trough:]
    at_peak = before.index[before.to_numpy() == 0]
    recovered = after.index[after.to_numpy() == 0]
    return Drawdown(
        worst, at_peak[-1] if len(at_peak) else None, trough, recovered[0] if len(recovered) else None
    )


@dataclass(frozen=True)
class PerformanceMetrics:
    """Return statistics of a daily return series (fractions; ratios unitless; 252-day year).

    observations: finite returns used. total_return: compounded. annualized_return:
    ``(1 + total)^(252/n) - 1``. annualized_volatility: ``std(ddof=1) sqrt(252)``. sharpe:
    ``mean(r - rf) / std(r - rf, ddof=1) sqrt(252)``. sortino: ``mean(r - rf) 252 /
    (sqrt(mean(min(r - rf, 0)^2)) sqrt(252))``. calmar: annualized return / |max drawdown|
    (NaN without a drawdown). beta, alpha (annualized ``(1 + mean(r - rf - beta (b - rf)))^252
    - 1``) vs the benchmark on common dates, as empyrical.
    """

    observations: int
    total_return: float
    annualized_return: float
    annualized_volatility: float
    sharpe: float
    sortino: float
    drawdown: Drawdown
    calmar: float
    beta: float
    alpha: float


def _aligned(series: pd.Series, other: float | pd.Series) -> np.ndarray:
    if isinstance(other, pd.Series):
        other = _dated(other.astype(np.float64)).sort_index()
        return other.reindex(series.index, method="ffill").fillna(0.0).to_numpy()
    return np.full(len(series), float(other))


def performance_metrics(
    returns: pd.Series,
    *,
    risk_free: float | pd.Series = 0.0,
    benchmark: pd.Series | None = None,
    min_observations: int = 2,
) -> PerformanceMetrics:
    """Statistics of daily returns (NaN days dropped). ``risk_free``: daily rate (fraction per
    day, e.g. DGS3MO / 252), scalar or a dated Series (forward-filled to the return dates, 0
    before its first value). ``benchmark``: daily benchmark returns; beta/alpha use the dates
    where both are finite. Fewer than ``min_observations`` returns -> NaN ratios."""
    returns = _dated(returns.astype(np.float64))
    r_s = returns[np.isfinite(returns.to_numpy())]
    r = r_s.to_numpy()
    n = r.size
    nan = float("nan")
    total = float(np.prod(1.0 + r) - 1.0) if n else nan
    enough = n >= max(min_observations, 2)
    ann_ret = vol = sharpe = sortino = nan
    with np.errstate(all="ignore"):
        if n and total > -1:
            ann_ret = _finite((1.0 + total) ** (TRADING_DAYS / n) - 1.0)
        if enough:
            excess = r - _aligned(r_s, risk_free)
            root = np.sqrt(TRADING_DAYS)
            vol = _finite(np.std(r, ddof=1) * root)
            # identical values: the float std is ~1e-18, not 0 (empyrical zeroes it too)
            spread = np.std(excess, ddof=1) if np.ptp(excess) > 0 else 0.0
            sharpe = _finite(excess.mean() / spread * root)
            downside = np.sqrt(np.mean(np.minimum(excess, 0.0) ** 2)) * root
            sortino = _finite(excess.mean() * TRADING_DAYS / downside)
    dd = max_drawdown(returns)
    calmar = _finite(ann_ret / abs(dd.max_drawdown)) if dd.max_drawdown < 0 else nan
    beta = alpha = nan
    if benchmark is not None:
        both = pd.concat([r_s, _dated(benchmark.astype(np.float64))], axis=1, join="inner").dropna()
        if len(both) >= max(min_observations, 2):
            rf = _aligned(both.iloc[:, 0], risk_free)
            y, x = both.iloc[:, 0].to_numpy() - rf, both.iloc[:, 1].to_numpy() - rf
            xc = x - x.mean()
            with np.errstate(all="ignore"):
                beta = _finite(np.mean(xc * y) / np.mean(xc**2))
                alpha = _finite((1.0 + np.mean(y - beta * x)) ** TRADING_DAYS - 1.0)
    return PerformanceMetrics(n, _finite(total), ann_ret, vol, sharpe, sortino, dd, calmar, beta, alpha)


def _chain(r: pd.Series) -> float:
    vals = r.to_numpy(dtype=np.float64)
    vals = vals[np.isfinite(vals)]
    return float(np.prod(1.0 + vals) - 1.0) if vals.size else float("nan")


def period_returns(returns: pd.Series, as_of: date | pd.Timestamp) -> dict[str, float]:
    """Chained returns (fractions) ending at the last NAV date on or before ``as_of``.

    ``returns`` is the output of :func:`daily_returns`: its index is the NAV dates. Each period
    chains r_t for start < t <= as_of, start being the last NAV date on or before: the previous
    NAV date (1d), as_of - 7/30/91/365 calendar days (1w/1m/3m/1y; NaN when the history starts
    later), Dec 31 of the previous year (ytd; the first NAV date when the history starts this
    year), the first NAV date (inception). A period without a finite return is NaN.
    """
    r = returns.astype(np.float64).sort_index()
    r.index = pd.to_datetime(r.index)
    as_of = pd.Timestamp(as_of)
    r = r.loc[:as_of]
    keys = ("1d", *PERIOD_DAYS, "ytd", "inception")
    if r.empty:
        return dict.fromkeys(keys, float("nan"))
    dates = r.index

    def since(anchor: pd.Timestamp | None) -> float:
        if anchor is None:
            return float("nan")
        return _chain(r.loc[r.index > anchor])

    def last_on_or_before(day: pd.Timestamp) -> pd.Timestamp | None:
        i = dates.searchsorted(day, side="right")
        return dates[i - 1] if i > 0 else None

    out = {"1d": since(dates[-2]) if len(dates) > 1 else float("nan")}
    for key, days in PERIOD_DAYS.items():
        out[key] = since(last_on_or_before(as_of - pd.Timedelta(days=days)))
    out["ytd"] = since(last_on_or_before(pd.Timestamp(as_of.year - 1, 12, 31)) or dates[0])
    out["inception"] = since(dates[0])
    return out


# --- NAV backfill from lots -------------------------------------------------------------------


def _lot_arrays(lots: pd.DataFrame, prices: pd.DataFrame, ffill_prices: bool) -> dict[str, Any]:
    """Per-lot arrays and the dates x lots matrices shared by the backfill helpers."""
    px = prices.sort_index()
    px.index = pd.to_datetime(px.index)
    if ffill_prices:
        px = px.ffill()
    dates = px.index
    entry = pd.to_datetime(lots["entry_date"]).to_numpy()
    exit_ = pd.to_datetime(lots.get("exit_date", pd.Series(pd.NaT, index=lots.index))).to_numpy()
    qm = (
        lots["quantity"].astype(np.float64)
        * lots.get("multiplier", pd.Series(1.0, index=lots.index)).astype(np.float64)
    ).to_numpy()
    close = px.reindex(columns=lots["symbol"]).to_numpy(dtype=np.float64)
    d = dates.to_numpy()[:, None]
    held = (d >= entry[None, :]) & (pd.isna(exit_)[None, :] | (d < exit_[None, :]))
    value = np.where(held, close * qm, 0.0)

    def event_matrix(when: np.ndarray, amount: np.ndarray) -> np.ndarray:
        # An event between two sessions is booked on the next session; before the first: ignored.
        out = np.zeros(held.shape)
        j = dates.searchsorted(when, side="left")
        ok = ~pd.isna(when) & (j < len(dates)) & (when >= dates.to_numpy()[0])
        out[j[ok], np.flatnonzero(ok)] = amount[ok]
        return out

    exit_px = lots.get("exit_price", pd.Series(np.nan, index=lots.index)).astype(np.float64)
    flow = event_matrix(entry, qm * lots["entry_price"].astype(np.float64).to_numpy()) - event_matrix(
        exit_, qm * exit_px.to_numpy()
    )
    return {
        "dates": dates,
        "held": held,
        "value": value,
        "flow": flow,
        "qm": qm,
        "entry": entry,
        "entry_price": lots["entry_price"].astype(np.float64).to_numpy(),
    }


@dataclass(frozen=True)
class LotValues:
    """Per-lot matrices on the price dates (rows) x lots (columns, in ``lots`` order): ``held``
    (bool), ``value`` (quantity x close x multiplier when held, else 0; NaN if held without a
    close) and ``flow`` (the lot's external flow F, see the module doc), currency."""

    dates: pd.DatetimeIndex
    held: np.ndarray
    value: np.ndarray
    flow: np.ndarray


def lot_values(lots: pd.DataFrame, prices: pd.DataFrame, *, ffill_prices: bool = True) -> LotValues:
    """The per-lot matrices :func:`nav_and_flows` sums (same inputs): summing ``value`` and
    ``flow`` over any subset of lots (one portfolio of many) gives that subset's market value and
    flows, so a batch can value many portfolios in one pass."""
    a = _lot_arrays(lots, prices, ffill_prices)
    return LotValues(a["dates"], a["held"], a["value"], a["flow"])


def nav_and_flows(
    lots: pd.DataFrame,
    prices: pd.DataFrame,
    cash: float | pd.Series = 0.0,
    *,
    ffill_prices: bool = True,
) -> pd.DataFrame:
    """Daily NAV and external flows from position lots (backfill), currency.

    ``lots``: one row per position with ``symbol`` (a column of ``prices``), signed
    ``quantity``, ``multiplier`` (default 1), ``entry_price``, ``entry_date``, and optionally
    ``exit_price``/``exit_date``. ``prices``: closes, dates x symbols (an option's column holds
    its per-share price). A lot is held on d when entry_date <= d < exit_date. Output rows: the
    price dates from the earliest entry date on; columns ``market_value`` (sum of quantity x
    close x multiplier of held lots; NaN if a held lot has no close), ``cash`` (scalar or a
    Series forward-filled), ``nav`` = market_value + cash, ``flow`` (F_d, see the module doc;
    an entry or exit between sessions is booked on the next session). ``ffill_prices`` carries a
    missing close forward from the last known one (never backward).
    """
    a = _lot_arrays(lots, prices, ffill_prices)
    frame = pd.DataFrame(
        {"market_value": a["value"].sum(axis=1), "flow": a["flow"].sum(axis=1)}, index=a["dates"]
    )
    if len(lots):
        frame = frame.loc[frame.index >= pd.Timestamp(a["entry"].min())]
    frame["cash"] = (
        _dated(cash.astype(np.float64)).sort_index().reindex(frame.index, method="ffill")
        if isinstance(cash, pd.Series)
        else float(cash)
    )
    frame["nav"] = frame["market_value"] + frame["cash"]
    return frame[["market_value", "cash", "nav", "flow"]]


def position_daily_pnl(
    lots: pd.DataFrame, prices: pd.DataFrame, *, ffill_prices: bool = True
) -> pd.DataFrame:
    """Daily P&L per lot (dates x lot ids, currency): ``V_d - V_d-1 - flow_d`` with V the held
    value; the first date is NaN. Summed over lots it equals ``NAV_d - NAV_d-1 - F_d`` of
    :func:`nav_and_flows` for constant cash, so buying at the close is no P&L and selling at
    the previous close is no loss."""
    a = _lot_arrays(lots, prices, ffill_prices)
    v = pd.DataFrame(a["value"], index=a["dates"], columns=lots.index)
    return v.diff() - pd.DataFrame(a["flow"], index=a["dates"], columns=lots.index)


def pnl_attribution(
    lots: pd.DataFrame,
    prices: pd.DataFrame,
    groups: Mapping[Any, Any] | pd.Series,
    start: date | pd.Timestamp,
    end: date | pd.Timestamp,
    *,
    missing_label: str = "(none)",
) -> pd.DataFrame:
    """P&L over (start, end] grouped by an arbitrary key (position, tag, type, sector...).

    ``groups`` maps a lot id to a key or a list of keys (tags: a lot counts in each of its
    groups, so contributions may then overlap); lots without a key go to ``missing_label``.
    Output indexed by group: ``pnl`` (currency, signed), ``capital`` (currency: sum over lots of
    |value| on the last date <= start if held then, else |quantity x entry price x multiplier|
    if opened in the range, else 0), ``pnl_percent`` = pnl / capital x 100, and
    ``contribution_percent`` = pnl / total P&L of all lots x 100 (NaN when not finite),
    ``positions`` (count).
    """
    a = _lot_arrays(lots, prices, True)
    dates, start, end = a["dates"], pd.Timestamp(start), pd.Timestamp(end)
    daily = position_daily_pnl(lots, prices)
    in_range = (dates > start) & (dates <= end)
    pnl = daily.loc[in_range].sum(axis=0, min_count=1).fillna(0.0)
    i0 = dates.searchsorted(start, side="right") - 1
    start_value = np.abs(a["value"][i0]) if i0 >= 0 else np.zeros(len(lots))
    held_at_start = a["held"][i0] if i0 >= 0 else np.zeros(len(lots), dtype=bool)
    opened = (a["entry"] > start.to_datetime64()) & (a["entry"] <= end.to_datetime64())
    capital = np.where(held_at_start, start_value, np.where(opened, np.abs(a["qm"] * a["entry_price"]), 0.0))
    keys = pd.Series(groups, dtype=object).reindex(lots.index)
    frame = pd.DataFrame(
        {"key": keys.to_numpy(), "pnl": pnl.to_numpy(), "capital": capital, "positions": 1}, index=lots.index
    ).explode("key")
    frame["key"] = frame["key"].where(frame["key"].notna(), missing_label)
    out = frame.groupby("key", sort=True)[["pnl", "capital", "positions"]].sum()
    total = float(pnl.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        out["pnl_percent"] = out["pnl"] / out["capital"] * 100.0
        out["contribution_percent"] = out["pnl"] / total * 100.0
    out = out.replace([np.inf, -np.inf], np.nan)
    out.index.name = "group"
    return out[["pnl", "capital", "pnl_percent", "contribution_percent", "positions"]]
