"""One option pricer for European and American exercise, vectorized, with per-share Greeks.

Pure numpy/scipy: no Django, no clock, no I/O. Every argument broadcasts (scalars or arrays of
mutually broadcastable shapes); results have the broadcast shape (0-d arrays for all-scalar
inputs).

Conventions (DESIGN.md, "Greeks"), as in :mod:`analytics.engines.black_scholes`:
- ``S`` underlying price and ``K`` strike in currency per share; ``T`` years = calendar days / 365;
  ``r`` risk-free rate and ``q`` dividend yield, continuous, decimal per year; ``sigma``
  annualized volatility in decimal; ``is_call`` truthy for calls; ``is_american`` truthy for
  American exercise (see :func:`is_american_exercise` for the default by underlying).
- European: the BSM closed form of :mod:`analytics.engines.black_scholes` (analytic Greeks).
- American: European price + early-exercise premium of :mod:`analytics.engines.american`
  (QD+ boundary + integral representation; within 0.5% of a fine finite-difference engine),
  floored at the intrinsic value and at the European price; for sigma x sqrt(T) <
  :data:`ZERO_VOL_LIMIT` the deterministic (zero-volatility) American value is used. An American
  call on a stock with ``q <= 0`` (and a put with ``r <= 0``) is never exercised early: it
  equals the European.
- Greeks per share and per long option: ``delta`` dV/dS; ``gamma`` d2V/dS2; ``theta`` the value
  change over one calendar day; ``vega`` per 1 volatility point; ``rho`` per 1 rate point.
  American Greeks come from ONE boundary solve per option: delta, gamma, vega and rho are the
  analytic derivatives of the American price (European BSM Greeks + derivatives of the premium
  integral, including the move of the exercise boundary with sigma and r by the implicit
  function theorem, see :mod:`analytics.engines.american`); they equal central differences of
  :func:`option_price` to ~1e-5 (tested). Where the value is floored at the payoff (exercise
  region) the Greeks are the payoff's (delta +-1, gamma = vega = rho = 0). ``theta =
  V(T - 1/365) - V(T)`` on the same boundary function, with ``V(T <= 0)`` = intrinsic, so an
  option expiring within a day has theta = intrinsic - value. For sigma x sqrt(T) <
  :data:`ZERO_VOL_LIMIT` the Greeks are central differences of the deterministic value (bumps
  :data:`SPOT_BUMP`, :data:`VOL_BUMP`, :data:`RATE_BUMP`).
- Many spot scenarios of the same options (VaR): :mod:`analytics.engines.option_scenarios`.

NaN policy (never raises on bad numbers), identical for both styles:
- Expired (``T <= 0``) with finite ``S > 0`` and ``K > 0``: price = intrinsic value and every
  Greek is 0 (sigma, r, q may be NaN).
- Live: any NaN/inf input, ``S <= 0``, ``K <= 0`` or ``sigma <= 0`` gives NaN everywhere for that
  element; ``T`` NaN gives NaN.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analytics.engines.american import premium_order, put_premium, put_premium_greeks
from analytics.engines.american_boundary import put_boundary, put_boundary_sensitivities
from analytics.engines.black_scholes import (
    BSMGreeks,
    bsm_greeks,
    bsm_price,
    intrinsic_value,
)
from analytics.engines.conventions import DAYS_PER_YEAR

__all__ = [
    "CHUNK",
    "EUROPEAN_INDEX_UNDERLYINGS",
    "RATE_BUMP",
    "SPOT_BUMP",
    "VOL_BUMP",
    "ZERO_VOL_LIMIT",
    "OptionGreeks",
    "american_boundary",
    "american_price",
    "is_american_exercise",
    "option_greeks",
    "option_price",
    "option_price_vega",
    "premium_eligible",
    "tiny_vol_value",
]

FloatArray = NDArray[np.float64]
_Arr = NDArray[Any]  # flat float or bool arrays inside the private helpers

#: The per-share Greek record shared by both exercise styles (same fields and units as BSM).
OptionGreeks = BSMGreeks

#: Underlyings whose listed options are European (cash-settled index options).
EUROPEAN_INDEX_UNDERLYINGS: frozenset[str] = frozenset({"VIX", "SPX", "NDX", "RUT", "XSP", "DJX"})
#: Finite-difference bumps of the Greeks of the deterministic (sigma sqrt(T) < ZERO_VOL_LIMIT)
#: American value: relative spot bump (h = SPOT_BUMP x S), absolute vol bump (at most sigma / 2)
#: and absolute rate bump (1 basis point).
SPOT_BUMP = 1e-3
VOL_BUMP = 1e-3
RATE_BUMP = 1e-4
#: Below this sigma x sqrt(T) the American value is the deterministic (zero-vol) one: the premium
#: integral cannot resolve the near-step exercise boundary of an almost riskless underlying.
ZERO_VOL_LIMIT = 0.01
_ONE_DAY = 1.0 / DAYS_PER_YEAR
#: Options per chunk of the American kernels (their (options x nodes) temporaries stay in cache).
CHUNK = 2048
_GREEK_NAMES = ("price", "delta", "gamma", "theta", "vega", "rho")


def is_american_exercise(
    underlyings: Iterable[str | None] | str | None,
    exercise: Iterable[str | None] | str | None = None,
) -> NDArray[np.bool_]:
    """Exercise style per option: True = American, False = European.

    Default by underlying symbol: European for the index options of
    :data:`EUROPEAN_INDEX_UNDERLYINGS` (also written with a ``^`` prefix, case-insensitive),
    American for everything else (stocks, ETFs). ``exercise`` overrides per option with
    ``"american"`` or ``"european"`` (case-insensitive); None or "" keeps the default. A scalar
    ``exercise`` applies to every option. Raises ValueError on any other override value.
    """
    symbols = [underlyings] if underlyings is None or isinstance(underlyings, str) else list(underlyings)
    default = [(s or "").strip().upper().lstrip("^") not in EUROPEAN_INDEX_UNDERLYINGS for s in symbols]
    if exercise is None or isinstance(exercise, str):
        overrides: list[str | None] = [exercise] * len(symbols)
    else:
        overrides = list(exercise)
        if len(overrides) != len(symbols):
            raise ValueError(f"{len(overrides)} exercise overrides for {len(symbols)} underlyings")
    out = np.empty(len(symbols), dtype=bool)
    for i, (style, flag) in enumerate(zip(overrides, default, strict=True)):
        key = (style or "").strip().lower()
        if key not in ("", "american", "european"):
            raise ValueError(f"unknown exercise style {style!r} (american or european)")
        out[i] = flag if key == "" else key == "american"
    return out


def _broadcast(*args: ArrayLike) -> tuple[tuple[int, ...], list[_Arr]]:
    """(S, K, T, r, q, sigma, is_call, is_american) -> broadcast shape and flat arrays
    (six float64, then two bool)."""
    floats = [np.asarray(a, dtype=np.float64) for a in args[:6]]
    flags = [np.asarray(a).astype(bool) for a in args[6:]]
    arrays = np.broadcast_arrays(*floats, *flags)
    return arrays[0].shape, [np.ravel(a) for a in arrays]


def _premium_mask(
    S: _Arr,
    K: _Arr,
    T: _Arr,
    r: _Arr,
    q: _Arr,
    sigma: _Arr,
    call: _Arr,
) -> _Arr:
    """Live, valid options with a possible early-exercise premium (put-world rate > 0)."""
    with np.errstate(invalid="ignore"):
        live = (
            np.isfinite(S)
            & np.isfinite(K)
            & np.isfinite(T)
            & np.isfinite(r)
            & np.isfinite(q)
            & np.isfinite(sigma)
        )
        live &= (S > 0) & (K > 0) & (T > 0) & (sigma > 0)
        return live & (np.where(call, q, r) > 0.0)


def premium_eligible(K: _Arr, T: _Arr, r: _Arr, q: _Arr, sigma: _Arr, call: _Arr) -> _Arr:
    """Per option (no spot): live, valid and with a possible early-exercise premium."""
    return _premium_mask(K, K, T, r, q, sigma, call)


def _put_world(S: _Arr, K: _Arr, r: _Arr, q: _Arr, call: _Arr) -> tuple[_Arr, _Arr, _Arr, _Arr]:
    """Put-call symmetry: C(S, K, r, q) = P(K, S, q, r). Returns (S', K', r', q') of the put."""
    return np.where(call, K, S), np.where(call, S, K), np.where(call, q, r), np.where(call, r, q)


def _american(
    S: _Arr,
    K: _Arr,
    T: _Arr,
    r: _Arr,
    q: _Arr,
    sigma: _Arr,
    call: _Arr,
    boundary: _Arr,
    horizon: _Arr | None = None,
) -> _Arr:
    """American price of flat, premium-eligible options on a solved put-world boundary."""
    t_eff = T if horizon is None else horizon
    european = bsm_price(S, K, t_eff, r, q, sigma, call)
    ps, pk, pr, pq = _put_world(S, K, r, q, call)
    live = t_eff > 0
    premium = np.zeros_like(S)
    if live.all():
        premium = pk * put_premium(ps / pk, pr, pq, sigma, T, boundary, horizon)
    elif live.any():
        idx = np.flatnonzero(live)
        premium[idx] = pk[idx] * put_premium(
            ps[idx] / pk[idx], pr[idx], pq[idx], sigma[idx], T[idx], boundary[idx], t_eff[idx]
        )
    value = np.maximum(european + premium, intrinsic_value(S, K, call))
    with np.errstate(invalid="ignore"):
        tiny = sigma * np.sqrt(t_eff) < ZERO_VOL_LIMIT
    if tiny.any():
        value = np.where(tiny, np.maximum(_zero_vol_put(ps, pk, pr, pq, t_eff), european), value)
    return value


def tiny_vol_value(S: _Arr, K: _Arr, T: _Arr, r: _Arr, q: _Arr, sigma: _Arr, call: _Arr) -> _Arr:
    """American value for sigma x sqrt(T) < ZERO_VOL_LIMIT: the deterministic (zero-volatility)
    value, floored at the European one (arrays broadcast)."""
    european = bsm_price(S, K, T, r, q, sigma, call)
    return np.maximum(_zero_vol_put(*_put_world(S, K, r, q, call), T), european)


def _zero_vol_put(S: _Arr, K: _Arr, r: _Arr, q: _Arr, T: _Arr) -> _Arr:
    """American put value on a deterministic path: max over t in [0, T] of (K e^{-rt} - S e^{-qt})+."""

    def payoff(t: _Arr) -> _Arr:
        return np.maximum(K * np.exp(-r * t) - S * np.exp(-q * t), 0.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        t_star = np.log(r * K / (q * S)) / (r - q)
    t_star = np.where(np.isfinite(t_star) & (t_star > 0) & (t_star < T), t_star, 0.0)
    return np.maximum(np.maximum(payoff(np.zeros_like(T)), payoff(T)), payoff(t_star))


def american_boundary(r: _Arr, q: _Arr, sigma: _Arr, T: _Arr, call: _Arr) -> _Arr:
    """Put-world exercise boundary (:func:`american.put_boundary`) of premium-eligible options
    given in their own world (calls swap r and q); flat arrays."""
    return put_boundary(np.where(call, q, r), np.where(call, r, q), sigma, T)


def _american_values(S: _Arr, K: _Arr, T: _Arr, r: _Arr, q: _Arr, sigma: _Arr, call: _Arr) -> dict[str, _Arr]:
    """American prices of premium-eligible options (one chunk)."""
    return {"price": _american(S, K, T, r, q, sigma, call, american_boundary(r, q, sigma, T, call))}


def american_price(
    S: ArrayLike, K: ArrayLike, T: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, is_call: ArrayLike
) -> FloatArray:
    """American option value per share (currency), >= intrinsic and >= the European value.

    Inputs and NaN policy as in the module docstring.
    """
    return option_price(S, K, T, r, q, sigma, is_call, True)


def option_price(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
    is_american: ArrayLike = False,
) -> FloatArray:
    """Option value per share (currency, >= 0, long option) for either exercise style.

    European elements are exactly :func:`black_scholes.bsm_price`; American elements add the
    early-exercise premium. NaN policy as in the module docstring.
    """
    shape, (s, k, t, rr, qq, vol, c, am) = _broadcast(S, K, T, r, q, sigma, is_call, is_american)
    out = np.asarray(bsm_price(s, k, t, rr, qq, vol, c), dtype=np.float64).copy()
    eligible = am & _premium_mask(s, k, t, rr, qq, vol, c)
    with np.errstate(invalid="ignore"):
        tiny = eligible & (vol * np.sqrt(t) < ZERO_VOL_LIMIT)
    if tiny.any():
        out[tiny] = tiny_vol_value(s[tiny], k[tiny], t[tiny], rr[tiny], qq[tiny], vol[tiny], c[tiny])
    regular = eligible & ~tiny
    if regular.any():
        out[regular] = _in_chunks(_american_values, [s, k, t, rr, qq, vol, c], regular)["price"][regular]
    return out.reshape(shape)


def option_greeks(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
    is_american: ArrayLike = False,
) -> OptionGreeks:
    """Price and per-share Greeks of a long option for either exercise style.

    European elements (and American ones that are never exercised early: calls with q <= 0,
    puts with r <= 0) are exactly :func:`black_scholes.bsm_greeks` (analytic). Other American
    elements are the analytic derivatives of the American pricer on one boundary solve per
    option (module docstring). Units: price currency per share; delta dimensionless; gamma per currency unit of
    S; theta per calendar day; vega per 1 vol point; rho per 1 rate point. NaN policy as in the
    module docstring (expired: intrinsic and zero Greeks).
    """
    shape, (s, k, t, rr, qq, vol, c, am) = _broadcast(S, K, T, r, q, sigma, is_call, is_american)
    eu = bsm_greeks(s, k, t, rr, qq, vol, c)
    fields = {name: np.array(getattr(eu, name), dtype=np.float64) for name in _GREEK_NAMES}
    idx = np.flatnonzero(am & _premium_mask(s, k, t, rr, qq, vol, c))
    if idx.size:
        for name, values in _american_greeks(*(a[idx] for a in (s, k, t, rr, qq, vol, c))).items():
            fields[name][idx] = values
    return OptionGreeks(**{name: values.reshape(shape) for name, values in fields.items()})


def option_price_vega(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
    is_american: ArrayLike = False,
) -> tuple[FloatArray, FloatArray]:
    """Price and vega (per 1 vol point) per share, as :func:`option_greeks` computes them but
    without the theta revaluation (the Newton steps of the implied-vol solver). Flat float64
    arrays of the broadcast size."""
    _, (s, k, t, rr, qq, vol, c, am) = _broadcast(S, K, T, r, q, sigma, is_call, is_american)
    eu = bsm_greeks(s, k, t, rr, qq, vol, c)
    price, vega = np.array(eu.price, dtype=np.float64), np.array(eu.vega, dtype=np.float64)
    mask = am & _premium_mask(s, k, t, rr, qq, vol, c)
    if mask.any():
        with np.errstate(invalid="ignore"):
            tiny = vol * np.sqrt(t) < ZERO_VOL_LIMIT
        args = [s, k, t, rr, qq, vol, c]
        for sub, kernel in (
            (mask & ~tiny, partial(_analytic_greeks, with_theta=False)),
            (mask & tiny, _tiny_greeks),
        ):
            if sub.any():
                out = _in_chunks(kernel, args, sub)
                price[sub], vega[sub] = out["price"][sub], out["vega"][sub]
    return price, vega


def _american_greeks(
    S: _Arr,
    K: _Arr,
    T: _Arr,
    r: _Arr,
    q: _Arr,
    sigma: _Arr,
    call: _Arr,
) -> dict[str, _Arr]:
    """Greeks of premium-eligible American options (flat arrays)."""
    with np.errstate(invalid="ignore"):
        tiny = sigma * np.sqrt(T) < ZERO_VOL_LIMIT
    out = _in_chunks(_analytic_greeks, [S, K, T, r, q, sigma, call], ~tiny)
    if tiny.any():
        for name, values in _in_chunks(_tiny_greeks, [S, K, T, r, q, sigma, call], tiny).items():
            out[name][tiny] = values[tiny]
    return out


def _in_chunks(kernel: Callable[..., dict[str, _Arr]], args: list[_Arr], mask: _Arr) -> dict[str, _Arr]:
    """``kernel(*args)`` on the elements of ``mask``, in chunks of at most CHUNK elements of one
    quadrature level (ordered by :func:`american.premium_order`) so that the (options x nodes)
    temporaries stay in cache; the results are full-size arrays (NaN outside ``mask``)."""
    idx = np.flatnonzero(mask)
    out: dict[str, _Arr] = {}
    if idx.size == 0:
        return {name: np.full(mask.size, np.nan) for name in _GREEK_NAMES}
    S, K, T, r, q, sigma, call = args
    pr, pq = np.where(call, q, r), np.where(call, r, q)
    idx = idx[premium_order(pr[idx], pq[idx], sigma[idx], T[idx])]
    for start in range(0, idx.size, CHUNK):
        part = idx[start : start + CHUNK]
        for name, values in kernel(*(a[part] for a in args)).items():
            if name not in out:
                out[name] = np.full(mask.size, np.nan)
            out[name][part] = values
    return out


def _analytic_greeks(
    S: _Arr,
    K: _Arr,
    T: _Arr,
    r: _Arr,
    q: _Arr,
    sigma: _Arr,
    call: _Arr,
    with_theta: bool = True,
) -> dict[str, _Arr]:
    """European Greeks + derivatives of the premium on one boundary solve (sigma sqrt(T) not tiny).

    Put world (S', K', r', q'): premium = K' p(S' / K'); a call's K' is its S, so its premium
    derivatives in S carry the chain rule of p(K / S) S.
    """
    ps, pk, pr, pq = _put_world(S, K, r, q, call)
    boundary, dlnb_sigma, dlnb_rate = put_boundary_sensitivities(pr, pq, sigma, T, call)
    m = ps / pk
    pg = put_premium_greeks(m, pr, pq, sigma, T, boundary, dlnb_sigma, dlnb_rate, call)
    eu = bsm_greeks(S, K, T, r, q, sigma, call)
    price = eu.price + pk * pg.premium
    delta = eu.delta + np.where(call, pg.premium - m * pg.d_m, pg.d_m)
    gamma = eu.gamma + np.where(call, m * m / S, 1.0 / K) * pg.d_mm
    vega = eu.vega + pk * pg.d_sigma / 100.0
    rho = eu.rho + pk * pg.d_rate / 100.0
    intrinsic = intrinsic_value(S, K, call)
    exercised = (price <= intrinsic) & (intrinsic > 0.0)  # exercise region: the value is the payoff
    zero = np.zeros_like(S)
    price = np.where(exercised, intrinsic, price)
    if with_theta:
        later = _american(S, K, T, r, q, sigma, call, boundary, np.maximum(T - _ONE_DAY, 0.0))
    else:
        later = np.full_like(price, np.nan)
    return {
        "price": price,
        "delta": np.where(exercised, np.where(call, 1.0, -1.0), delta),
        "gamma": np.where(exercised, zero, gamma),
        "theta": later - price,
        "vega": np.where(exercised, zero, vega),
        "rho": np.where(exercised, zero, rho),
    }


def _tiny_greeks(
    S: _Arr,
    K: _Arr,
    T: _Arr,
    r: _Arr,
    q: _Arr,
    sigma: _Arr,
    call: _Arr,
) -> dict[str, _Arr]:
    """Finite-difference Greeks of the deterministic value (sigma sqrt(T) < ZERO_VOL_LIMIT)."""

    def price(spot: _Arr = S, t: _Arr = T, rate: _Arr = r, vol: _Arr = sigma) -> _Arr:
        return tiny_vol_value(spot, K, t, rate, q, vol, call)

    v0 = price()
    h_s = SPOT_BUMP * S
    up, down = price(spot=S + h_s), price(spot=S - h_s)
    h_v = np.minimum(VOL_BUMP, 0.5 * sigma)
    return {
        "price": v0,
        "delta": (up - down) / (2.0 * h_s),
        "gamma": (up - 2.0 * v0 + down) / (h_s * h_s),
        "theta": price(t=np.maximum(T - _ONE_DAY, 0.0)) - v0,
        "vega": (price(vol=sigma + h_v) - price(vol=sigma - h_v)) / (2.0 * h_v) / 100.0,
        "rho": (price(rate=r + RATE_BUMP) - price(rate=r - RATE_BUMP)) / (2.0 * RATE_BUMP) / 100.0,
    }
