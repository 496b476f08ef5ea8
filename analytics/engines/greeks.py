"""Position-level option Greeks on top of :mod:`analytics.engines.option_pricer`.

Pure numpy/pandas: no Django, no clock, no I/O. Arrays in, DataFrames / frozen dataclasses out.

Conventions (DESIGN.md, "Greeks"):
- Per-share Greeks come from the option pricer with continuous dividend yield: American exercise
  (QD+ early-exercise premium, finite-difference Greeks) or European (BSM closed form) per option;
  T = calendar days to expiry / 365; theta per calendar day, vega per 1 volatility point, rho per
  1 rate point.
- Position Greek = per-share Greek x multiplier x signed quantity (short positions flip the sign).
- ``delta_dollars = delta x S x multiplier x quantity`` (the currency-equivalent exposure to the
  underlying, signed); ``gamma_dollars = gamma x S^2 x 0.01 x multiplier x
  quantity`` (the change of delta_dollars for a 1% move of S).
- sigma, one per option, used by valuation, Greeks, VaR and stress alike (DESIGN "Greeks"): the
  volatility implied by the option's own mark (its last bar, solved with the same pricer and
  exercise style; source ``"implied_from_mark"``) when it has one that solves, else the position's
  implied volatility (``"position"``; ``"given"`` for an explicit request input, which then comes
  first), else the underlying's realized volatility (``"realized"``), else NaN (``"unavailable"``,
  Greeks NaN unless the option is expired). A mark that does not solve (below intrinsic, above the
  no-arbitrage bound) is reported in ``mark_vol_status`` and no vol is invented from it.
- Expired options (days_to_expiry <= 0): price = intrinsic value, all Greeks 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import overload

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from analytics.engines.black_scholes import BSMGreeks
from analytics.engines.conventions import (
    DAYS_PER_YEAR,
    REALIZED_VOL_FLOOR,
    REALIZED_VOL_MIN_OBS,
    REALIZED_VOL_WINDOW,
    TRADING_DAYS_PER_YEAR,
)
from analytics.engines.implied_vol import implied_volatility
from analytics.engines.option_pricer import option_greeks

__all__ = [
    "GREEK_TOTAL_COLUMNS",
    "SIGMA_GIVEN",
    "SIGMA_MARK",
    "SIGMA_NOT_APPLICABLE",
    "SIGMA_POSITION",
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

SIGMA_MARK = "implied_from_mark"
SIGMA_POSITION = "position"
SIGMA_GIVEN = "given"
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


# pandas 3.1 ships no type information (no py.typed, no pandas-stubs installed), so pd.DataFrame and
# pd.Series are Any here and the first overload shadows the others; the overloads are right for
# typed pandas, hence the ignores (warn_unused_ignores flags them once pandas is typed).
@overload
def realized_volatility(
    returns: pd.DataFrame, window: int = ..., floor: float = ..., min_obs: int = ...
) -> pd.Series: ...
@overload
def realized_volatility(  # type: ignore[overload-cannot-match]
    returns: pd.Series, window: int = ..., floor: float = ..., min_obs: int = ...
) -> float: ...
@overload
def realized_volatility(  # type: ignore[overload-cannot-match]
    returns: ArrayLike, window: int = ..., floor: float = ..., min_obs: int = ...
) -> float | FloatArray: ...
def realized_volatility(
    returns: pd.DataFrame | pd.Series | ArrayLike,
    window: int = REALIZED_VOL_WINDOW,
    floor: float = REALIZED_VOL_FLOOR,
    min_obs: int = REALIZED_VOL_MIN_OBS,
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


def choose_sigma(*candidates: tuple[str, ArrayLike]) -> tuple[FloatArray, NDArray[np.object_]]:
    """Pick sigma per option: the first candidate that is finite and > 0, in the order given.

    ``candidates`` are ``(source_label, values)`` pairs of annualized decimal vols that broadcast
    together, e.g. ``(SIGMA_MARK, mark_iv), (SIGMA_POSITION, position_iv), (SIGMA_REALIZED, rv)``.
    Returns (sigma, source); where no candidate is usable sigma is NaN and source
    ``"unavailable"``. Values are used as given (the realized-vol floor is applied by
    :func:`realized_volatility`).
    """
    arrays = np.broadcast_arrays(*(np.asarray(v, dtype=np.float64) for _, v in candidates))
    shape = arrays[0].shape if arrays else ()
    sigma = np.full(shape, np.nan)
    source = np.full(shape, SIGMA_UNAVAILABLE, dtype=object)
    for (label, _), values in zip(reversed(candidates), reversed(arrays), strict=True):
        with np.errstate(invalid="ignore"):
            ok = np.isfinite(values) & (values > 0)
        sigma = np.where(ok, values, sigma)
        source = np.where(ok, label, source).astype(object)
    return sigma, source


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
    mark_price: ArrayLike | None = None,
    is_american: ArrayLike = False,
    implied_vol_source: str = SIGMA_POSITION,
) -> pd.DataFrame:
    """Per-share and position Greeks for a batch of option positions (one row per position).

    Inputs (broadcast together): underlying close S and strike K (currency per share);
    ``days_to_expiry`` calendar days (T = days / 365; <= 0 means expired); ``rate`` DGS3MO in
    decimal; ``dividend_yield`` in decimal (NaN -> 0, the DESIGN default); ``implied_vol`` decimal
    or NaN (the position's, labelled ``implied_vol_source``: ``"position"``, or ``"given"`` for an
    explicit request input, which then takes precedence over the mark); ``realized_vol`` decimal
    (already floored) or NaN; ``mark_price`` the option's own last price per share (NaN or None:
    no mark), from which sigma is implied with the same pricer; ``is_american`` bool per option
    (see :func:`analytics.engines.option_pricer.is_american_exercise`); ``is_call`` bool;
    ``quantity`` signed contracts; ``multiplier`` shares per contract. ``underlying`` (symbols) and
    ``index`` (position ids) are copied onto the frame for grouping.

    Columns: underlying, S, K, days_to_expiry, T, is_call, quantity, multiplier, sigma,
    sigma_source, exercise (``"american"``/``"european"``), mark_price, mark_vol_status (the
    implied-vol solver's status, ``""`` without a mark), expired, per-share price/delta/gamma/
    theta/vega/rho, position_delta/gamma/theta/vega/rho, delta_dollars, gamma_dollars,
    theoretical_value (price x multiplier x quantity, signed). Live options with no usable sigma,
    rate or price get NaN Greeks; expired options get intrinsic value and zero Greeks.
    """
    days = np.asarray(days_to_expiry, dtype=np.float64)
    q = np.asarray(dividend_yield, dtype=np.float64)
    q = np.where(np.isnan(q), 0.0, q)
    arrays = np.broadcast_arrays(
        np.asarray(underlying_price, dtype=np.float64),
        np.asarray(strike, dtype=np.float64),
        days,
        np.asarray(rate, dtype=np.float64),
        q,
        np.asarray(implied_vol, dtype=np.float64),
        np.asarray(realized_vol, dtype=np.float64),
        np.asarray(np.nan if mark_price is None else mark_price, dtype=np.float64),
        np.asarray(is_american).astype(bool),
        np.asarray(is_call).astype(bool),
        np.asarray(quantity, dtype=np.float64),
        np.asarray(multiplier, dtype=np.float64),
    )
    s, k, days, r, q, iv, rv, mark, american, call, qty, mult = (np.ravel(a) for a in arrays)
    t = days / DAYS_PER_YEAR
    has_mark = np.isfinite(mark) & (t > 0)
    mark_iv = np.full(s.shape, np.nan)
    mark_status = np.full(s.shape, "", dtype=object)
    if has_mark.any():
        i = np.flatnonzero(has_mark)
        solved = implied_volatility(mark[i], s[i], k[i], t[i], r[i], q[i], call[i], american[i])
        mark_iv[i] = np.where(solved.status == "ok", solved.vol, np.nan)
        mark_status[i] = solved.status.astype(object)
    if implied_vol_source == SIGMA_GIVEN:
        order = ((SIGMA_GIVEN, iv), (SIGMA_MARK, mark_iv), (SIGMA_REALIZED, rv))
    else:
        order = ((SIGMA_MARK, mark_iv), (implied_vol_source, iv), (SIGMA_REALIZED, rv))
    sigma, source = choose_sigma(*order)
    with np.errstate(all="ignore"):
        per_share = option_greeks(s, k, t, r, q, sigma, call, american)
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
            "exercise": np.where(american, "american", "european").astype(object),
            "mark_price": mark,
            "mark_vol_status": mark_status,
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
            "exercise": np.full(n, "", dtype=object),
            "mark_price": np.full(n, np.nan),
            "mark_vol_status": np.full(n, "", dtype=object),
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
