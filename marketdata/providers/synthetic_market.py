"""Per-symbol returns, anchored price paths and OHLCV bars of the synthetic market (pure, vectorized).

Return model (simple daily returns, one per NYSE session), for every universe symbol but VIX::

    r = drift / 252 + sum_k beta_k x X_k + b_rate x dDGS10 + b_oil x oil_shock
        + b_intl x intl_shock + idio_vol / sqrt(252) x z

with X = the 7 factor regressors (Market = SPY's return, each style = its ETF's return minus SPY's),
dDGS10 the daily change of the rounded 10-year yield (decimal), the oil / international own shocks
of :mod:`synthetic_factors`, and z a standard normal of the symbol's own stream (seed, symbol, date).
Returns are floored at -95%. VIX's "return" is the relative change of its level.

Prices: close = anchor_price x prod(1 + r) from the anchor session (forwards and backwards), so a
symbol's close on its anchor date is exactly its anchor price; no dividends or splits are simulated,
so ``adjusted_close == close``. Open gaps from the previous close, high/low extend beyond the
open/close range by half-normal amounts scaled by the symbol's daily vol; mutual funds have one
NAV a day (open = high = low = close). Prices are rounded to 4 decimals, volumes are positive ints.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from marketdata.providers.base import BAR_COLUMNS
from marketdata.providers.calendar import last_session_before, sessions_between
from marketdata.providers.synthetic_factors import (
    DGS10_DAILY_CHANGE_VOL,
    FACTOR_DAILY_COVARIANCE,
    INTL_OWN_DAILY_VOL,
    LEVEL_START,
    OIL_OWN_DAILY_VOL,
    TRADING_DAYS,
    CommonPaths,
    common_paths,
    normal_draws,
)
from marketdata.providers.synthetic_universe import FACTOR_NAMES, exposure_of, load_universe

FloatArray = npt.NDArray[np.float64]

#: first bar of the synthetic market
DATA_START = dt.date(2022, 1, 3)
SOURCE = "synthetic"
VIX_SYMBOL = "VIX"
_VIX_DAILY_VOL = 0.045  # typical relative daily move of VIX, scales its intraday range
_SYMBOL_WIDTH = 5  # own stream columns: return, open gap, high, low, volume
_TURNOVER = {"stock": 0.006, "etf": 0.03, "mutual_fund": 0.0005, "index": 0.0}
_DEFAULT_DOLLAR_VOLUME = 5.0e7

# regressors X = T @ (ETF returns): Market = SPY, style k = ETF_k - SPY
_SPREAD = np.eye(7)
_SPREAD[1:, 0] = -1.0


def annual_total_vol(symbol: str) -> float:
    """The model's annualized volatility of ``symbol``'s simple daily returns (decimal): factor
    part w' Sigma w with ETF weights w = T' beta, plus macro and idiosyncratic variance. For VIX,
    its typical relative daily move x sqrt(252)."""
    if symbol == VIX_SYMBOL:
        return _VIX_DAILY_VOL * np.sqrt(TRADING_DAYS)
    exp = exposure_of(symbol)
    w = _SPREAD.T @ exp.betas
    macro_sd = np.array([DGS10_DAILY_CHANGE_VOL, OIL_OWN_DAILY_VOL, INTL_OWN_DAILY_VOL])
    var = w @ FACTOR_DAILY_COVARIANCE @ w + np.sum((exp.macro * macro_sd) ** 2)
    var += exp.idio_vol**2 / TRADING_DAYS
    return float(np.sqrt(var * TRADING_DAYS))


def _regressors(paths: CommonPaths, rows: npt.NDArray[np.intp]) -> FloatArray:
    f = paths.factor_returns[rows]
    x = f - f[:, [0]]
    x[:, 0] = f[:, 0]
    return x


def _symbol_returns(
    symbols: Sequence[str], paths: CommonPaths, rows: npt.NDArray[np.intp], z: FloatArray
) -> FloatArray:
    """Simple returns (len(rows), len(symbols)) on sessions ``paths.sessions[rows]``; ``z`` holds
    each symbol's own standard normals for those sessions. Loops over terms, not BLAS, so every
    column is bitwise independent of which other symbols are simulated."""
    x = _regressors(paths, rows)
    d10 = paths.dgs10[rows] - paths.dgs10[rows - 1]
    macro = (d10, paths.oil_shock[rows], paths.intl_shock[rows])
    out = np.zeros((len(rows), len(symbols)))
    for j, sym in enumerate(symbols):
        if sym == VIX_SYMBOL:
            out[:, j] = paths.vix[rows] / paths.vix[rows - 1] - 1.0
            continue
        e = exposure_of(sym)
        col = np.full(len(rows), e.drift / TRADING_DAYS)
        for k in range(7):
            if e.betas[k] != 0.0:
                col = col + e.betas[k] * x[:, k]
        for k in range(3):
            if e.macro[k] != 0.0:
                col = col + e.macro[k] * macro[k]
        if e.idio_vol > 0.0:
            col = col + (e.idio_vol / np.sqrt(TRADING_DAYS)) * z[:, j]
        out[:, j] = col
    return np.maximum(out, -0.95)


def _own_draws(seed: int, symbols: Sequence[str], days: npt.NDArray[np.datetime64]) -> FloatArray:
    """(len(days), len(symbols), _SYMBOL_WIDTH) own standard normals of each symbol."""
    first, last = days[0].item(), days[-1].item()
    offsets = (days - days[0]).astype(np.int64)
    out = np.empty((len(days), len(symbols), _SYMBOL_WIDTH))
    for j, sym in enumerate(symbols):
        out[:, j, :] = normal_draws(seed, f"symbol:{sym}", first, last, _SYMBOL_WIDTH)[offsets]
    return out


def _check_symbols(symbols: Sequence[str]) -> list[str]:
    universe = load_universe()
    unknown = [s for s in symbols if s not in universe]
    if unknown:
        raise KeyError(f"Not in the synthetic universe: {', '.join(unknown)}")
    return list(symbols)


def simulate_returns(symbols: Sequence[str], start: dt.date, end: dt.date, *, seed: int) -> pd.DataFrame:
    """Simple daily returns (decimal) of universe ``symbols`` on NYSE sessions in [start, end],
    any range after 2000-01-03 (not clipped to the provider's window): index ``date``, one column
    per symbol. Raises ``KeyError`` for symbols outside the universe."""
    symbols = _check_symbols(symbols)
    days = sessions_between(max(start, LEVEL_START + dt.timedelta(days=1)), end)
    if len(days) == 0:
        return pd.DataFrame(columns=symbols, dtype=float)
    paths = common_paths(seed, days[-1].item())
    rows = paths.index_of(days)
    z = _own_draws(seed, symbols, days)[:, :, 0]
    values = _symbol_returns(symbols, paths, rows, z)
    return pd.DataFrame(values, index=pd.Index([d.item() for d in days], name="date"), columns=symbols)


@dataclass(frozen=True)
class WideBars:
    """Bars as (sessions, symbols) arrays: prices in USD per share, volume in shares."""

    sessions: npt.NDArray[np.datetime64]
    symbols: list[str]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: npt.NDArray[np.int64]

    def to_frame(self, source: str = SOURCE) -> pd.DataFrame:
        """Long bars frame with the columns of ``BAR_COLUMNS`` (dates as ``datetime.date``)."""
        n, k = self.close.shape
        dates = np.array([d.item() for d in self.sessions], dtype=object)
        close = self.close.T.ravel()
        frame = pd.DataFrame(
            {
                "symbol": np.repeat(np.array(self.symbols, dtype=object), n),
                "date": np.tile(dates, k),
                "open": self.open.T.ravel(),
                "high": self.high.T.ravel(),
                "low": self.low.T.ravel(),
                "close": close,
                "adjusted_close": close.copy(),
                "volume": self.volume.T.ravel(),
                "source": source,
            }
        )
        return frame[list(BAR_COLUMNS)]


def simulate_wide_bars(symbols: Sequence[str], start: dt.date, end: dt.date, *, seed: int) -> WideBars:
    """Anchored OHLCV of universe ``symbols`` on sessions in [start, end] (any range after
    2000-01-03). The simulation always runs from the session before min(start, DATA_START) to
    max(end, the latest anchor), so the bars of a date never depend on the requested window."""
    symbols = _check_symbols(symbols)
    universe = load_universe()
    start = max(start, LEVEL_START + dt.timedelta(days=2))
    anchors = [universe[s].anchor_date or DATA_START for s in symbols]
    span_first = last_session_before(min(start, DATA_START))
    span_last = max([end, *anchors])
    span = sessions_between(span_first, span_last)
    paths = common_paths(seed, span[-1].item())
    rows = paths.index_of(span)
    z = _own_draws(seed, symbols, span)
    ret = _symbol_returns(symbols, paths, rows, z[:, :, 0])
    ret[0] = 0.0  # the first span session only provides the previous close

    cum = np.cumsum(np.log1p(ret), axis=0)
    close = np.empty_like(cum)
    for j, sym in enumerate(symbols):
        sec = universe[sym]
        if sym == VIX_SYMBOL:
            close[:, j] = paths.vix[rows]
        else:
            a = int(np.searchsorted(span, np.datetime64(sec.anchor_date, "D")))
            close[:, j] = float(sec.anchor_price or 0.0) * np.exp(cum[:, j] - cum[a, j])

    vol_d = np.array([annual_total_vol(s) for s in symbols]) / np.sqrt(TRADING_DAYS)
    prev = np.vstack([close[:1], close[:-1]])
    open_ = prev * np.exp(0.3 * vol_d * z[:, :, 1])
    high = np.maximum(open_, close) * np.exp(0.4 * vol_d * np.abs(z[:, :, 2]))
    low = np.minimum(open_, close) * np.exp(-0.4 * vol_d * np.abs(z[:, :, 3]))
    funds = np.array([universe[s].asset_type == "mutual_fund" for s in symbols])
    open_[:, funds] = high[:, funds] = low[:, funds] = close[:, funds]

    cap = np.array([universe[s].market_cap or 0.0 for s in symbols])
    turnover = np.array([_TURNOVER[universe[s].asset_type] for s in symbols])
    dollars = np.where(cap * turnover > 0, cap * turnover, _DEFAULT_DOLLAR_VOLUME)
    shares = dollars / np.array([universe[s].base_price for s in symbols])
    activity = np.exp(0.35 * z[:, :, 4]) * (1.0 + 0.5 * np.abs(ret) / vol_d)
    volume = np.maximum(np.round(shares * activity), 1).astype(np.int64)

    keep = (span >= np.datetime64(start, "D")) & (span <= np.datetime64(end, "D"))
    keep[0] = False
    o, h, lo, c = (np.round(a[keep], 4) for a in (open_, high, low, close))
    return WideBars(
        sessions=span[keep],
        symbols=symbols,
        open=o,
        high=np.maximum(h, np.maximum(o, c)),
        low=np.maximum(np.minimum(lo, np.minimum(o, c)), 1e-4),
        close=c,
        volume=volume[keep],
    )


def simulate_bars(symbols: Sequence[str], start: dt.date, end: dt.date, *, seed: int) -> pd.DataFrame:
    """Long bars frame (``BAR_COLUMNS``, source ``synthetic``) of :func:`simulate_wide_bars`."""
    return simulate_wide_bars(symbols, start, end, seed=seed).to_frame()


def _session_index(days: npt.NDArray[np.datetime64]) -> pd.Index:
    return pd.Index([d.item() for d in days], name="date")


def _common_window(start: dt.date, end: dt.date, seed: int) -> tuple[CommonPaths, npt.NDArray[np.intp]]:
    days = sessions_between(max(start, LEVEL_START + dt.timedelta(days=1)), end)
    if len(days) == 0:
        return common_paths(seed, LEVEL_START + dt.timedelta(days=7)), np.empty(0, dtype=np.intp)
    paths = common_paths(seed, days[-1].item())
    return paths, paths.index_of(days)


def factor_regressors(start: dt.date, end: dt.date, *, seed: int) -> pd.DataFrame:
    """The 7 factor regressors on sessions in [start, end]: Market = SPY's simple daily return,
    each style = its ETF's return minus SPY's (columns ``FACTOR_NAMES``, decimal)."""
    paths, rows = _common_window(start, end, seed)
    return pd.DataFrame(
        _regressors(paths, rows), index=_session_index(paths.sessions[rows]), columns=list(FACTOR_NAMES)
    )


def macro_levels(start: dt.date, end: dt.date, *, seed: int) -> pd.DataFrame:
    """DGS3MO and DGS10 (decimal yields) and VIXCLS (index points) on sessions in [start, end]."""
    paths, rows = _common_window(start, end, seed)
    return pd.DataFrame(
        {"DGS3MO": paths.dgs3mo[rows], "DGS10": paths.dgs10[rows], "VIXCLS": paths.vix[rows]},
        index=_session_index(paths.sessions[rows]),
    )
