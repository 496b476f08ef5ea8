"""Position-level option Greeks on top of :mod:`analytics.engines.black_scholes`.

Pure numpy/pandas: no Django, no clock, no I/O. Arrays in, DataFrames / frozen dataclasses out.

Conventions (DESIGN.md, "Greeks"):
- Per-share Greeks come from BSM with continuous dividend yield; T = calendar days to expiry / 365;
  theta per calendar day, vega per 1 volatility point, rho per 1 rate point.
- Position Greek = per-share Greek x multiplier x signed quantity (short positions flip the sign).
- ``delta_dollars = delta x S x multiplier x quantity`` (the currency-equivalent exposure to the
  underlying, signed); ``gamma_dollars = gamma x S^2 x 0.01 x multiplier x
  quantity`` (the change of delta_dollars for a 1% move of S).
- sigma = the position's implied volatility when finite and > 0 (source ``"implied"``), else the
  underlying's realized volatility (source ``"realized"``), else NaN (source ``"unavailable"``,
  Greeks NaN unless the option is expired).
- Expired options (days_to_expiry <= 0): price = intrinsic value, all Greeks 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analytics.engines.black_scholes import DAYS_PER_YEAR, BSMGreeks, bsm_greeks

__all__ = [
    "GREEK_TOTAL_COLUMNS",
    "SIGMA_IMPLIED",
    "SIGMA_NOT_APPLICABLE",
    "SIGMA_REALIZED",
    "SIGMA_UNAVAILABLE",
    "PositionGreeks",
    "choose_sigma",
    "greeks_totals",
    "option_position_greeks",
    "position_greeks",
    "realized_volatility",
    "stock_position_greeks",
]

TRADING_DAYS_PER_YEAR = 252
SIGMA_IMPLIED = "implied"
SIGMA_REALIZED = "realized"
SIGMA_UNAVAILABLE = "unavailable"
SIGMA_NOT_APPLICABLE = "not_applicable"

_POSITION_COLUMNS = {
    "position_delta": "delta",
    "position_gamma": "gamma",
    "position_theta": "theta",
    "position_vega": "vega",
    "position_rho": "rho",
    "delta_dollars": "delta_dollars",
    "gamma_dollars": "gamma_dollars",
}
GREEK_TOTAL_COLUMNS: tuple[str, ...] = tuple(_POSITION_COLUMNS.values())

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class PositionGreeks:
    """Position Greeks (per-share x multiplier x signed quantity) and dollar Greeks."""

    delta: FloatArray
    gamma: FloatArray
    theta: FloatArray
    vega: FloatArray
    rho: FloatArray
    delta_dollars: FloatArray
    gamma_dollars: FloatArray


@overload
def realized_volatility(
    returns: pd.DataFrame, window: int = ..., floor: float = ..., min_obs: int = ...
) -> pd.Series: ...
@overload
def realized_volatility(
    returns: pd.Series, window: int = ..., floor: float = ..., min_obs: int = ...
) -> float: ...
@overload
def realized_volatility(
    returns: ArrayLike, window: int = ..., floor: float = ..., min_obs: int = ...
) -> float | FloatArray: ...
def realized_volatility(
    returns: pd.DataFrame | pd.Series | ArrayLike,
    window: int = 60,
    floor: float = 0.05,
    min_obs: int = 20,
) -> pd.Series | float | FloatArray:
    """Annualized realized volatility, the fallback sigma for options without an implied vol.

    ``returns``: SIMPLE daily returns in decimal, oldest first, already cut at the as-of date; a
    1-D array/Series (one symbol -> float) or a 2-D array/DataFrame [date x symbol] (one value
    per column -> ndarray/Series). The window is the last ``window`` rows; NaNs inside it are
    skipped. vol = sample std (ddof=1) x sqrt(252), then floored at ``floor`` (decimal, 0.05 = 5%).
    NaN when fewer than ``max(min_obs, 2)`` finite returns lie in the window (no floor applied).
    """
    if isinstance(returns, pd.DataFrame):
        values = returns.to_numpy(dtype=np.float64)
        return pd.Series(
            _realized_vol_2d(values, window, floor, min_obs),
            index=returns.columns,
            name="realized_volatility",
        )
    arr = np.asarray(returns, dtype=np.float64)
    if arr.ndim == 1:
        return float(_realized_vol_2d(arr[:, None], window, floor, min_obs)[0])
    return _realized_vol_2d(arr, window, floor, min_obs)


def _realized_vol_2d(values: FloatArray, window: int, floor: float, min_obs: int) -> FloatArray:
    tail = values[-window:] if window > 0 else values[:0]
    finite = np.isfinite(tail)
    count = finite.sum(axis=0)
    x = np.where(finite, tail, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = x.sum(axis=0) / count
        dev = np.where(finite, tail - mean, 0.0)
        var = (dev * dev).sum(axis=0) / (count - 1)
        vol = np.sqrt(var * TRADING_DAYS_PER_YEAR)
    ok = (count >= max(min_obs, 2)) & np.isfinite(vol)
    return np.where(ok, np.maximum(vol, floor), np.nan)


def choose_sigma(implied_vol: ArrayLike, realized_vol: ArrayLike) -> tuple[FloatArray, NDArray[np.object_]]:
    """Pick sigma per option: implied when finite and > 0, else realized when finite and > 0.

    Both in decimal annualized. Returns (sigma, source) with source ``"implied"``,
    ``"realized"`` or ``"unavailable"`` (sigma NaN). Realized vol is used as given (the floor is
    applied by :func:`realized_volatility`).
    """
    iv, rv = np.broadcast_arrays(
        np.asarray(implied_vol, dtype=np.float64), np.asarray(realized_vol, dtype=np.float64)
    )
    with np.errstate(invalid="ignore"):
        iv_ok = np.isfinite(iv) & (iv > 0)
        rv_ok = np.isfinite(rv) & (rv > 0)
    sigma = np.where(iv_ok, iv, np.where(rv_ok, rv, np.nan))
    source = np.where(iv_ok, SIGMA_IMPLIED, np.where(rv_ok, SIGMA_REALIZED, SIGMA_UNAVAILABLE))
    return sigma, source.astype(object)


def position_greeks(
    per_share: BSMGreeks, underlying_price: ArrayLike, quantity: ArrayLike, multiplier: ArrayLike
) -> PositionGreeks:
    """Scale per-share Greeks to positions.

    Position Greek = per-share x multiplier x signed quantity (theta per day, vega per vol point,
    rho per rate point, all in currency). delta_dollars = delta x S x multiplier x quantity;
    gamma_dollars = gamma x S^2 x 0.01 x multiplier x quantity. NaN propagates.
    """
    s = np.asarray(underlying_price, dtype=np.float64)
    scale = np.asarray(quantity, dtype=np.float64) * np.asarray(multiplier, dtype=np.float64)
    # "+ 0.0" turns the -0.0 of a short expired option into 0.0 (cosmetic, same value).
    delta = per_share.delta * scale + 0.0
    gamma = per_share.gamma * scale + 0.0
    return PositionGreeks(
        delta=delta,
        gamma=gamma,
        theta=per_share.theta * scale + 0.0,
        vega=per_share.vega * scale + 0.0,
        rho=per_share.rho * scale + 0.0,
        delta_dollars=delta * s + 0.0,
        gamma_dollars=gamma * s * s * 0.01 + 0.0,
    )


def option_position_greeks(
    *,
    underlying_price: ArrayLike,
    strike: ArrayLike,
    days_to_expiry: ArrayLike,
    rate: ArrayLike,
    dividend_yield: ArrayLike,
    implied_vol: ArrayLike,
    realized_vol: ArrayLike,
    is_call: ArrayLike,
    quantity: ArrayLike,
    multiplier: ArrayLike = 100.0,
    underlying: ArrayLike | None = None,
    index: pd.Index | ArrayLike | None = None,
) -> pd.DataFrame:
    """Per-share and position Greeks for a batch of option positions (one row per position).

    Inputs (broadcast together): underlying close S and strike K (currency per share);
    ``days_to_expiry`` calendar days (T = days / 365; <= 0 means expired); ``rate`` DGS3MO in
    decimal; ``dividend_yield`` in decimal (NaN -> 0, the DESIGN default); ``implied_vol`` decimal
    or NaN; ``realized_vol`` decimal (already floored) or NaN; ``is_call`` bool; ``quantity``
    signed contracts; ``multiplier`` shares per contract. ``underlying`` (symbols) and ``index``
    (position ids) are copied onto the frame for grouping.

    Columns: underlying, S, K, days_to_expiry, T, is_call, quantity, multiplier, sigma,
    sigma_source, expired, per-share price/delta/gamma/theta/vega/rho, position_delta/gamma/
    theta/vega/rho, delta_dollars, gamma_dollars, theoretical_value (price x multiplier x
    quantity, signed). Live options with no usable sigma, rate or price get NaN Greeks; expired
    options get intrinsic value and zero Greeks.
    """
    days = np.asarray(days_to_expiry, dtype=np.float64)
    q = np.asarray(dividend_yield, dtype=np.float64)
    q = np.where(np.isnan(q), 0.0, q)
    sigma, source = choose_sigma(implied_vol, realized_vol)
    arrays = np.broadcast_arrays(
        np.asarray(underlying_price, dtype=np.float64),
        np.asarray(strike, dtype=np.float64),
        days,
        np.asarray(rate, dtype=np.float64),
        q,
        sigma,
        np.asarray(is_call).astype(bool),
        np.asarray(quantity, dtype=np.float64),
        np.asarray(multiplier, dtype=np.float64),
        source,
    )
    s, k, days, r, q, sigma, call, qty, mult, source = (np.ravel(a) for a in arrays)
    t = days / DAYS_PER_YEAR
    per_share = bsm_greeks(s, k, t, r, q, sigma, call)
    pos = position_greeks(per_share, s, qty, mult)
    frame = pd.DataFrame(
        {
            "S": s,
            "K": k,
            "days_to_expiry": days,
            "T": t,
            "is_call": call,
            "quantity": qty,
            "multiplier": mult,
            "sigma": sigma,
            "sigma_source": source,
            "expired": days <= 0,
            "price": per_share.price,
            "delta": per_share.delta,
            "gamma": per_share.gamma,
            "theta": per_share.theta,
            "vega": per_share.vega,
            "rho": per_share.rho,
            "position_delta": pos.delta,
            "position_gamma": pos.gamma,
            "position_theta": pos.theta,
            "position_vega": pos.vega,
            "position_rho": pos.rho,
            "delta_dollars": pos.delta_dollars,
            "gamma_dollars": pos.gamma_dollars,
            "theoretical_value": per_share.price * mult * qty,
        },
        index=None if index is None else pd.Index(index),
    )
    if underlying is not None:
        frame.insert(0, "underlying", np.ravel(np.broadcast_to(np.asarray(underlying), s.shape)))
    return frame


def stock_position_greeks(
    *,
    underlying_price: ArrayLike,
    quantity: ArrayLike,
    multiplier: ArrayLike = 1.0,
    underlying: ArrayLike | None = None,
    index: pd.Index | ArrayLike | None = None,
) -> pd.DataFrame:
    """Greeks of stock/ETF positions in the same columns as :func:`option_position_greeks`.

    Per share: delta 1, every other Greek 0; so position_delta = shares (quantity x
    multiplier, signed) and delta_dollars = market value. sigma NaN, source ``"not_applicable"``.
    """
    s, qty, mult = (
        np.ravel(a)
        for a in np.broadcast_arrays(
            np.asarray(underlying_price, dtype=np.float64),
            np.asarray(quantity, dtype=np.float64),
            np.asarray(multiplier, dtype=np.float64),
        )
    )
    zeros = np.where(np.isfinite(s), 0.0, np.nan)
    per_share = BSMGreeks(price=s, delta=zeros + 1.0, gamma=zeros, theta=zeros, vega=zeros, rho=zeros)
    pos = position_greeks(per_share, s, qty, mult)
    n = s.shape[0]
    frame = pd.DataFrame(
        {
            "S": s,
            "K": np.full(n, np.nan),
            "days_to_expiry": np.full(n, np.nan),
            "T": np.full(n, np.nan),
            "is_call": np.zeros(n, dtype=bool),
            "quantity": qty,
            "multiplier": mult,
            "sigma": np.full(n, np.nan),
            "sigma_source": np.full(n, SIGMA_NOT_APPLICABLE, dtype=object),
            "expired": np.zeros(n, dtype=bool),
            "price": per_share.price,
            "delta": per_share.delta,
            "gamma": per_share.gamma,
            "theta": per_share.theta,
            "vega": per_share.vega,
            "rho": per_share.rho,
            "position_delta": pos.delta,
            "position_gamma": pos.gamma,
            "position_theta": pos.theta,
            "position_vega": pos.vega,
            "position_rho": pos.rho,
            "delta_dollars": pos.delta_dollars,
            "gamma_dollars": pos.gamma_dollars,
            "theoretical_value": s * mult * qty,
        },
        index=None if index is None else pd.Index(index),
    )
    if underlying is not None:
        frame.insert(0, "underlying", np.ravel(np.broadcast_to(np.asarray(underlying), s.shape)))
    return frame


def greeks_totals(positions: pd.DataFrame, by: str | list[str] | None = None) -> pd.Series | pd.DataFrame:
    """Sum position Greeks, for the whole frame (-> Series) or per group (-> DataFrame).

    ``positions`` is the output of :func:`option_position_greeks` / :func:`stock_position_greeks`
    (concatenated, possibly with extra key columns such as ``portfolio_id``); ``by`` is a key
    column or list (``"underlying"``, ``["portfolio_id", "underlying"]``). Output columns:
    delta, gamma, theta, vega, rho, delta_dollars, gamma_dollars (currency units as in the
    position columns), positions (row count) and missing (rows whose Greeks are NaN; those rows
    are left out of the sums rather than turning the totals into NaN).
    """
    cols = list(_POSITION_COLUMNS)
    data = positions[cols].rename(columns=_POSITION_COLUMNS)
    data["positions"] = 1
    data["missing"] = positions[cols].isna().any(axis=1).astype(np.int64)
    if by is None:
        return data.sum(axis=0)
    keys = [by] if isinstance(by, str) else list(by)
    grouped = data.groupby([positions[key] for key in keys], sort=True).sum()
    return grouped
