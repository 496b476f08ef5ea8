"""Vectorized implied volatility from an option price, with the pricer of ``option_pricer``.

Pure numpy: no Django, no clock, no I/O. Arguments broadcast like the pricer's.

Conventions: ``price`` per share in currency (the option's mark), other inputs as in
:mod:`analytics.engines.option_pricer` (T in years, r/q decimal, ``is_american`` selects the
exercise style, so European and American marks are inverted with the model that reprices them).
The volatility is annualized, decimal, searched on ``[VOL_MIN, VOL_MAX]`` = [1e-4, 5.0] by
Newton steps on the pricer's analytic vega (:func:`option_pricer.option_price_vega`), started
from the Corrado-Miller approximation and safeguarded by a sign-changing bracket: a step that
leaves the bracket, or that follows a step which did not reduce the mispricing, is replaced by
bisection. It stops
when the repriced value is within :data:`PRICE_TOL` (absolute, per share) of the mark.

Status per element (``ImpliedVol.status``, a string array), vol is NaN unless ``"ok"``:
- ``"ok"``: solved; ``option_price(..., vol) == price`` within PRICE_TOL.
- ``"below_intrinsic"``: the price is below the lower no-arbitrage bound, the model value at
  VOL_MIN (>= intrinsic value; for a European option the discounted forward intrinsic value).
- ``"above_bound"``: the price is above the model value at VOL_MAX (e.g. a call above S e^{-qT}).
- ``"expired"``: T <= 0 (no time value to invert).
- ``"invalid"``: a NaN/inf input, S <= 0, K <= 0 or price < 0.
- ``"not_converged"``: no solution within the iteration cap (not expected in practice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from analytics.engines.option_pricer import option_price, option_price_vega

__all__ = ["PRICE_TOL", "VOL_MAX", "VOL_MIN", "ImpliedVol", "implied_volatility"]

VOL_MIN = 1e-4
VOL_MAX = 5.0
#: Convergence tolerance on the repriced value, currency per share.
PRICE_TOL = 1e-10
_MAX_ITERATIONS = 100

FloatArray = NDArray[np.float64]
_Model = Callable[[FloatArray, NDArray[np.intp]], tuple[FloatArray, FloatArray]]


@dataclass(frozen=True)
class ImpliedVol:
    """Implied volatilities (decimal, NaN where not solved) and a status string per element."""

    vol: FloatArray
    status: NDArray[np.str_]


def implied_volatility(
    price: ArrayLike,
    S: ArrayLike,
    K: ArrayLike,
    T: ArrayLike,
    r: ArrayLike,
    q: ArrayLike,
    is_call: ArrayLike,
    is_american: ArrayLike = False,
) -> ImpliedVol:
    """Volatility that reprices each option at ``price`` with the same (European/American) pricer.

    See the module docstring for units, the search interval, the tolerance and the status flags.
    Never raises on bad numbers.
    """
    arrays = np.broadcast_arrays(
        *(np.asarray(a, dtype=np.float64) for a in (price, S, K, T, r, q)),
        np.asarray(is_call).astype(bool),
        np.asarray(is_american).astype(bool),
    )
    shape = arrays[0].shape
    target, s, k, t, rr, qq, call, am = (np.ravel(a) for a in arrays)
    vol = np.full(target.shape, np.nan)
    status = np.full(target.shape, "invalid", dtype="<U15")
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(target) & np.isfinite(s) & np.isfinite(k) & np.isfinite(t) & (s > 0) & (k > 0)
        valid &= target >= 0
        status[valid & (t <= 0)] = "expired"
        live = valid & (t > 0) & np.isfinite(rr) & np.isfinite(qq)
    idx = np.flatnonzero(live)
    if idx.size == 0:
        return ImpliedVol(vol=vol.reshape(shape), status=status.reshape(shape))

    def model(sigma: FloatArray, where: NDArray[np.intp]) -> FloatArray:
        return np.asarray(
            option_price(s[where], k[where], t[where], rr[where], qq[where], sigma, call[where], am[where]),
            dtype=np.float64,
        )

    def model_vega(sigma: FloatArray, where: NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        args = (s[where], k[where], t[where], rr[where], qq[where], sigma, call[where], am[where])
        return option_price_vega(*args)

    goal = target[idx]
    f_lo = model(np.full(idx.size, VOL_MIN), idx) - goal
    f_hi = model(np.full(idx.size, VOL_MAX), idx) - goal
    below = f_lo > PRICE_TOL
    above = f_hi < -PRICE_TOL
    status[idx[below]] = "below_intrinsic"
    status[idx[above]] = "above_bound"
    at_lo = ~below & ~above & (np.abs(f_lo) <= PRICE_TOL)
    at_hi = ~below & ~above & ~at_lo & (np.abs(f_hi) <= PRICE_TOL)
    vol[idx[at_lo]], status[idx[at_lo]] = VOL_MIN, "ok"
    vol[idx[at_hi]], status[idx[at_hi]] = VOL_MAX, "ok"
    pending = ~(below | above | at_lo | at_hi)
    w = idx[pending]
    start = _corrado_miller(goal[pending], s[w], k[w], t[w], rr[w], qq[w], call[w])
    solved, ok = _newton(model_vega, w, goal[pending], start)
    vol[idx[pending]] = np.where(ok, solved, np.nan)
    status[idx[pending]] = np.where(ok, "ok", "not_converged")
    return ImpliedVol(vol=vol.reshape(shape), status=status.reshape(shape))


def _corrado_miller(
    price: FloatArray,
    S: FloatArray,
    K: FloatArray,
    T: FloatArray,
    r: FloatArray,
    q: FloatArray,
    call: NDArray[np.bool_],
) -> FloatArray:
    """Corrado-Miller (1996) closed-form volatility guess from a (European-equivalent) price."""
    fwd_s, fwd_k = S * np.exp(-q * T), K * np.exp(-r * T)
    c = np.where(call, price, price + fwd_s - fwd_k)  # put-call parity
    a = c - 0.5 * (fwd_s - fwd_k)
    disc = np.maximum(a * a - (fwd_s - fwd_k) ** 2 / np.pi, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.sqrt(2.0 * np.pi) / (fwd_s + fwd_k) * (a + np.sqrt(disc)) / np.sqrt(T)
    return np.clip(np.where(np.isfinite(guess), guess, 0.3), 0.01, 3.0)


def _newton(
    model: _Model, where: NDArray[np.intp], goal: FloatArray, start: FloatArray
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Newton iterations from ``start`` inside brackets [VOL_MIN, VOL_MAX] (the caller checked
    f(VOL_MIN) < 0 < f(VOL_MAX)); a step that leaves the bracket, or taken from a point whose
    mispricing did not decrease, is replaced by bisection (flat arrays)."""
    lo, hi = np.full(where.size, VOL_MIN), np.full(where.size, VOL_MAX)
    x = start.copy()
    last = np.full(where.size, np.inf)  # |f| of the previous iterate
    out = np.full(where.size, np.nan)
    done = np.zeros(where.size, dtype=bool)
    active = np.arange(where.size)
    for _ in range(_MAX_ITERATIONS):
        if active.size == 0:
            break
        xa = x[active]
        price, vega = model(xa, where[active])
        f = price - goal[active]
        below = f < 0.0
        lo_a, hi_a = np.where(below, xa, lo[active]), np.where(below, hi[active], xa)
        hit = (np.abs(f) <= PRICE_TOL) | (hi_a - lo_a <= 1e-15 * hi_a)
        out[active[hit]] = xa[hit]
        done[active[hit]] = True
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xa - f / (100.0 * vega)  # vega is per vol point
        good = np.isfinite(newton) & (newton > lo_a) & (newton < hi_a) & (np.abs(f) < last[active])
        x[active] = np.where(good, newton, 0.5 * (lo_a + hi_a))
        lo[active], hi[active], last[active] = lo_a, hi_a, np.abs(f)
        active = active[~hit]
    return out, done
