"""Vectorized Black-Scholes-Merton pricing and Greeks with a continuous dividend yield.

Pure numpy/scipy: no Django, no clock, no I/O. Every argument broadcasts (scalars or arrays of
any mutually broadcastable shapes) and the results have the broadcast shape (0-d arrays for
all-scalar inputs; ``float(x)`` works on them).

Conventions (DESIGN.md, "Greeks"):
- ``S`` underlying price and ``K`` strike in currency per share, both > 0.
- ``T`` in years = calendar days to expiry / 365.
- ``r`` continuously compounded risk-free rate and ``q`` continuous dividend yield, both in
  decimal per year (0.05 = 5%).
- ``sigma`` annualized volatility in decimal (0.20 = 20%), must be > 0 for a live option.
- ``is_call`` truthy for calls, falsy for puts.
- Greeks are per share and per long option: ``delta`` dV/dS; ``gamma`` d2V/dS2 (per currency
  unit of S); ``theta`` = -dV/dT / 365, i.e. the value change over one calendar day (negative
  for a typical long option); ``vega`` = dV/dsigma / 100, i.e. per 1 volatility point;
  ``rho`` = dV/dr / 100, i.e. per 1 rate point.

NaN policy (never raises on bad numbers):
- Expired (``T <= 0``) with finite ``S > 0`` and ``K > 0``: price = intrinsic value
  ``max(S - K, 0)`` / ``max(K - S, 0)`` and all Greeks are exactly 0; ``sigma``, ``r`` and ``q``
  are not needed and may be NaN.
- Live (``T > 0``): any NaN/inf input, ``S <= 0``, ``K <= 0`` or ``sigma <= 0`` gives NaN for the
  price and every Greek of that element (a zero or unknown volatility is a data problem, not a
  degenerate option: the caller chooses a fallback volatility, see ``greeks.py``).
- ``T`` NaN gives NaN.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.special import ndtr

from analytics.engines.conventions import DAYS_PER_YEAR

__all__ = ["BSMGreeks", "bsm_greeks", "bsm_price", "intrinsic_value"]

_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class BSMGreeks:
    """Per-share BSM price and Greeks (arrays of the broadcast input shape).

    ``theta`` per calendar day, ``vega`` per 1 volatility point, ``rho`` per 1 rate point.
    """

    price: FloatArray
    delta: FloatArray
    gamma: FloatArray
    theta: FloatArray
    vega: FloatArray
    rho: FloatArray


@dataclass(frozen=True)
class _Inputs:
    S: FloatArray
    K: FloatArray
    T: FloatArray
    r: FloatArray
    q: FloatArray
    sigma: FloatArray
    call: NDArray[np.bool_]
    expired: NDArray[np.bool_]
    live: NDArray[np.bool_]


def _prepare(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
) -> _Inputs:
    """Broadcast to float64 and classify each element as expired, live-valid or invalid."""
    s, k, t, rr, qq, vol, c = np.broadcast_arrays(
        np.asarray(S, dtype=np.float64),
        np.asarray(K, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
        np.asarray(r, dtype=np.float64),
        np.asarray(q, dtype=np.float64),
        np.asarray(sigma, dtype=np.float64),
        np.asarray(is_call),
    )
    call = c.astype(bool)
    with np.errstate(invalid="ignore"):
        spot_ok = np.isfinite(s) & np.isfinite(k) & (s > 0) & (k > 0)
        expired = spot_ok & (t <= 0)
        live = (
            spot_ok
            & np.isfinite(t)
            & (t > 0)
            & np.isfinite(rr)
            & np.isfinite(qq)
            & np.isfinite(vol)
            & (vol > 0)
        )
    return _Inputs(s, k, t, rr, qq, vol, call, expired, live)


def intrinsic_value(S: ArrayLike, K: ArrayLike, is_call: ArrayLike) -> FloatArray:
    """Exercise value per share: ``max(S - K, 0)`` for calls, ``max(K - S, 0)`` for puts.

    Units: currency per share. NaN in S or K propagates.
    """
    s, k, c = np.broadcast_arrays(
        np.asarray(S, dtype=np.float64), np.asarray(K, dtype=np.float64), np.asarray(is_call)
    )
    return np.where(c.astype(bool), np.maximum(s - k, 0.0), np.maximum(k - s, 0.0))


def _d1_d2(x: _Inputs) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """d1, d2, sqrt(T), e^{-qT}, e^{-rT}, computed on safe placeholders where not live."""
    one = np.ones_like(x.S)
    s = np.where(x.live, x.S, one)
    k = np.where(x.live, x.K, one)
    t = np.where(x.live, x.T, one)
    vol = np.where(x.live, x.sigma, one)
    r = np.where(x.live, x.r, 0.0)
    q = np.where(x.live, x.q, 0.0)
    sqrt_t = np.sqrt(t)
    d1 = (np.log(s / k) + (r - q + 0.5 * vol * vol) * t) / (vol * sqrt_t)
    d2 = d1 - vol * sqrt_t
    return d1, d2, sqrt_t, np.exp(-q * t), np.exp(-r * t)


def bsm_price(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
) -> FloatArray:
    """BSM value per share of a European option with continuous dividend yield.

    Inputs as in the module docstring (T in years, r/q/sigma in decimal). Returns currency per
    share, >= 0 (sign is that of a long option; the caller applies the signed quantity).
    Expired (T <= 0): intrinsic value. Invalid live inputs (NaN, S/K/sigma <= 0): NaN.
    """
    x = _prepare(S, K, T, r, q, sigma, is_call)
    d1, d2, _, disc_q, disc_r = _d1_d2(x)
    s_fwd = x.S * disc_q
    k_disc = x.K * disc_r
    call = s_fwd * ndtr(d1) - k_disc * ndtr(d2)
    put = k_disc * ndtr(-d2) - s_fwd * ndtr(-d1)
    live_price = np.where(x.call, call, put)
    out = np.where(x.live, live_price, np.nan)
    return np.where(x.expired, intrinsic_value(x.S, x.K, x.call), out)


def bsm_greeks(
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    sigma: ArrayLike,
    is_call: ArrayLike,
) -> BSMGreeks:
    """BSM price and per-share Greeks of a long European option (continuous dividend yield).

    Units: price in currency per share; delta dimensionless (e^{-qT} N(d1) for calls,
    -e^{-qT} N(-d1) for puts); gamma per currency unit of S; theta in currency per share per
    calendar day (annual theta / 365); vega per 1 volatility point (dV/dsigma / 100); rho per
    1 rate point (dV/dr / 100). Expired (T <= 0): price = intrinsic, every Greek 0.
    Invalid live inputs (NaN, S/K/sigma <= 0): NaN everywhere for that element.
    """
    x = _prepare(S, K, T, r, q, sigma, is_call)
    d1, d2, sqrt_t, disc_q, disc_r = _d1_d2(x)
    s_fwd = x.S * disc_q
    k_disc = x.K * disc_r
    n_d1, n_d2 = ndtr(d1), ndtr(d2)
    n_md1, n_md2 = ndtr(-d1), ndtr(-d2)
    pdf_d1 = _INV_SQRT_2PI * np.exp(-0.5 * d1 * d1)
    sigma_safe = np.where(x.live, x.sigma, 1.0)
    t_safe = np.where(x.live, x.T, 1.0)
    r_safe = np.where(x.live, x.r, 0.0)
    q_safe = np.where(x.live, x.q, 0.0)

    price = np.where(x.call, s_fwd * n_d1 - k_disc * n_d2, k_disc * n_md2 - s_fwd * n_md1)
    delta = np.where(x.call, disc_q * n_d1, -disc_q * n_md1)
    gamma = disc_q * pdf_d1 / (x.S * sigma_safe * sqrt_t)
    vega = s_fwd * pdf_d1 * sqrt_t / 100.0
    decay = -s_fwd * pdf_d1 * sigma_safe / (2.0 * sqrt_t)
    theta_call = decay + q_safe * s_fwd * n_d1 - r_safe * k_disc * n_d2
    theta_put = decay - q_safe * s_fwd * n_md1 + r_safe * k_disc * n_md2
    theta = np.where(x.call, theta_call, theta_put) / DAYS_PER_YEAR
    rho = np.where(x.call, k_disc * t_safe * n_d2, -k_disc * t_safe * n_md2) / 100.0

    def finish(live_values: FloatArray, expired_value: FloatArray | float) -> FloatArray:
        out = np.where(x.live, live_values, np.nan)
        return np.where(x.expired, expired_value, out)

    return BSMGreeks(
        price=finish(price, intrinsic_value(x.S, x.K, x.call)),
        delta=finish(delta, 0.0),
        gamma=finish(gamma, 0.0),
        theta=finish(theta, 0.0),
        vega=finish(vega, 0.0),
        rho=finish(rho, 0.0),
    )
