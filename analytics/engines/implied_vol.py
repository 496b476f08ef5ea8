"""Vectorized implied volatility from an option price, with the pricer of ``option_pricer``.

Pure numpy: no Django, no clock, no I/O. Arguments broadcast like the pricer's.

Conventions: ``price`` per share in currency (the option's mark), other inputs as in
:mod:`analytics.engines.option_pricer` (T in years, r/q decimal, ``is_american`` selects the
exercise style, so European and American marks are inverted with the model that reprices them).
The volatility is annualized, decimal, searched on ``[VOL_MIN, VOL_MAX]`` = [1e-4, 5.0] by a
bracketed Illinois (modified regula falsi) iteration, which always keeps a sign-changing bracket
and converges superlinearly; it stops when the repriced value is within :data:`PRICE_TOL`
(absolute, per share) of the mark.

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

from analytics.engines.option_pricer import option_price

__all__ = ["PRICE_TOL", "VOL_MAX", "VOL_MIN", "ImpliedVol", "implied_volatility"]

VOL_MIN = 1e-4
VOL_MAX = 5.0
#: Convergence tolerance on the repriced value, currency per share.
PRICE_TOL = 1e-10
_MAX_ITERATIONS = 100

FloatArray = NDArray[np.float64]
_Model = Callable[[FloatArray, NDArray[np.intp]], FloatArray]


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
    todo = ~(below | above | at_lo | at_hi)
    solved, ok = _illinois(model, idx[todo], goal[todo], f_lo[todo], f_hi[todo])
    vol[idx[todo]] = np.where(ok, solved, np.nan)
    status[idx[todo]] = np.where(ok, "ok", "not_converged")
    return ImpliedVol(vol=vol.reshape(shape), status=status.reshape(shape))


def _illinois(
    model: _Model, where: NDArray[np.intp], goal: FloatArray, f_lo: FloatArray, f_hi: FloatArray
) -> tuple[FloatArray, NDArray[np.bool_]]:
    """Illinois iterations on brackets [VOL_MIN, VOL_MAX] with f_lo < 0 < f_hi (flat arrays)."""
    a = np.full(where.size, VOL_MIN)
    b = np.full(where.size, VOL_MAX)
    fa, fb = f_lo.copy(), f_hi.copy()
    out = np.full(where.size, np.nan)
    done = np.zeros(where.size, dtype=bool)
    active = np.arange(where.size)
    for _ in range(_MAX_ITERATIONS):
        if active.size == 0:
            break
        aa, bb, ffa, ffb = a[active], b[active], fa[active], fb[active]
        with np.errstate(divide="ignore", invalid="ignore"):
            c = bb - ffb * (bb - aa) / (ffb - ffa)
        lo, hi = np.minimum(aa, bb), np.maximum(aa, bb)
        bad = ~np.isfinite(c) | (c <= lo) | (c >= hi)
        c = np.where(bad, 0.5 * (aa + bb), c)
        fc = model(c, where[active]) - goal[active]
        hit = (np.abs(fc) <= PRICE_TOL) | (hi - lo <= 1e-15 * hi)
        out[active[hit]] = c[hit]
        done[active[hit]] = True
        flip = fc * ffb < 0  # root between b and c: the old b becomes a
        new_a = np.where(flip, bb, aa)
        new_fa = np.where(flip, ffb, 0.5 * ffa)  # Illinois: halve the retained end's value
        a[active], fa[active] = new_a, new_fa
        b[active], fb[active] = c, fc
        active = active[~hit]
    return out, done
