"""American put exercise boundary: Li's (2009) QD+ approximation, vectorized, with sensitivities.

Pure numpy/scipy: no Django, no clock, no I/O. Used by :mod:`analytics.engines.american` (the
premium integral) and :mod:`analytics.engines.option_pricer`.

The put's exercise boundary ``B(tau)`` (tau = time to maturity) is homogeneous in the strike,
``B = K b(tau; r, q, sigma)``. ``b`` is solved at :data:`CHEBYSHEV_POINTS` Chebyshev-Lobatto
points in ``sqrt(tau)`` on ``[0, T]`` from the QD+ equation (the boundary of QuantLib's
``QdPlusAmericanEngine``) by vectorized Halley iterations in ``ln b``, seeded with the
Barone-Adesi-Whaley critical price (2 full steps, then the few unconverged nodes alone; after the
first step below :data:`_BOUNDARY_TOL` the cubic convergence leaves rounding error only, so the
boundary is a smooth function of the inputs). ``b(0+) = X = min(1, r / q)``.

:func:`put_boundary_sensitivities` adds ``dln b/dsigma`` and ``dln b/drate`` at the nodes by the
implicit function theorem on the QD+ equation, with its partial derivatives in closed form: the
sigma and rate Greeks then need no second solve.

Units: T and tau in years, r, q, sigma decimal per year; b is per unit of strike. Inputs are
validated live put-world options (r > 0, sigma > 0, T > 0) as flat float64 arrays.
"""

from __future__ import annotations

import numpy as np
from numpy.polynomial.chebyshev import chebvander
from numpy.typing import NDArray
from scipy.special import ndtr

__all__ = [
    "CHEBYSHEV_POINTS",
    "VALUES_TO_CHEBYSHEV",
    "exercise_limit",
    "put_boundary",
    "put_boundary_sensitivities",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Chebyshev-Lobatto points of the exercise boundary in sqrt(tau) (one of them is tau = 0).
CHEBYSHEV_POINTS = 5
#: Halley iterations stop after a step in ln b below this (the error after it is ~ its cube).
_BOUNDARY_TOL = 1e-7
_MAX_HALLEY = 40
#: Halley iterations run on every node before the unconverged ones are iterated alone.
_FULL_HALLEY = 2
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)

# Boundary nodes: z_i = cos(pi i / (n - 1)) on [-1, 1]; sqrt(tau_i / T) = (1 + z_i) / 2.
_Z = np.cos(np.pi * np.arange(CHEBYSHEV_POINTS) / (CHEBYSHEV_POINTS - 1))
_TAU_FRACTION = 0.25 * (1.0 + _Z) ** 2
#: Values at the nodes (columns of a boundary matrix) -> Chebyshev coefficients in 2 sqrt(tau / T) - 1.
VALUES_TO_CHEBYSHEV = np.linalg.inv(chebvander(_Z, CHEBYSHEV_POINTS - 1))


def exercise_limit(r: FloatArray, q: FloatArray) -> FloatArray:
    """``X = b(0+)``, the normalized put boundary at maturity: ``min(1, r / q)`` (1 when q <= 0)."""
    return np.where(q > 0.0, np.minimum(1.0, r / np.where(q > 0.0, q, 1.0)), 1.0)


def _qd_constants(r: FloatArray, q: FloatArray, s2: FloatArray, tau: FloatArray) -> tuple[FloatArray, ...]:
    """Per-node constants of the QD+ equation: (v, e^{-r tau}, e^{-q tau}, beta, a) with
    v = sigma sqrt(tau) and a = alpha / (r e^{-r tau}) = -2 / (sigma^2 root)."""
    v = np.sqrt(s2 * tau)
    dr = np.exp(-r * tau)
    dq = np.exp(-q * tau)
    h = 1.0 - dr
    om1 = 2.0 * (r - q) / s2 - 1.0
    root = np.sqrt(om1 * om1 + 8.0 * r / (s2 * h))
    lam = -0.5 * (om1 + root)
    lam_prime = 2.0 * r / (s2 * h * h * root)
    a = -2.0 / (s2 * root)
    alpha = a * r * dr
    beta = alpha * (1.0 / h - lam_prime / root) - lam
    return v, dr, dq, beta, a


def _qd_constant_derivatives(
    r: FloatArray, q: FloatArray, s2: FloatArray, tau: FloatArray, on_q: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """(dbeta/dsigma, da/dsigma, dbeta/drate, da/drate) of :func:`_qd_constants`; the rate is q
    where ``on_q``, else r (forward-mode differentiation written out)."""
    sigma = np.sqrt(s2)
    dr = np.exp(-r * tau)
    h = 1.0 - dr
    om1 = 2.0 * (r - q) / s2 - 1.0
    w = 8.0 * r / (s2 * h)
    root = np.sqrt(om1 * om1 + w)
    lam_prime = 2.0 * r / (s2 * h * h * root)
    a = -2.0 / (s2 * root)
    alpha = a * r * dr
    zero = np.zeros_like(r)
    on_r = ~on_q
    out = []
    # per direction: d om1, d h, d w, d ln s2, d ln r, d (r e^{-r tau})
    for d_om1, d_h, d_w, d_ls2, d_lr, d_rdr in (
        (-2.0 * (om1 + 1.0) / sigma, zero, -2.0 * w / sigma, 2.0 / sigma, zero, zero),
        (
            np.where(on_q, -2.0, 2.0) / s2,
            np.where(on_r, tau * dr, 0.0),
            np.where(on_r, w * (1.0 / r - tau * dr / h), 0.0),
            zero,
            np.where(on_r, 1.0 / r, 0.0),
            np.where(on_r, dr * (1.0 - r * tau), 0.0),
        ),
    ):
        d_root = (2.0 * om1 * d_om1 + d_w) / (2.0 * root)
        d_a = -a * (d_ls2 + d_root / root)
        d_alpha = d_a * r * dr + a * d_rdr
        d_lam = -0.5 * (d_om1 + d_root)
        d_lp = lam_prime * (d_lr - d_ls2 - 2.0 * d_h / h - d_root / root)
        d_beta = (
            d_alpha / h
            - alpha * d_h / (h * h)
            - (d_alpha * lam_prime + alpha * d_lp) / root
            + alpha * lam_prime * d_root / (root * root)
            - d_lam
        )
        out += [d_beta, d_a]
    return out[0], out[1], out[2], out[3]


def _qd_terms(
    y: FloatArray,
    r: FloatArray,
    q: FloatArray,
    s2: FloatArray,
    tau: FloatArray,
    c: tuple[FloatArray, ...],
) -> tuple[FloatArray, FloatArray, FloatArray, tuple[FloatArray, ...]]:
    """Li's QD+ boundary function f at x = e^y (K = 1), df/dx, d2f/dx2 and the intermediate
    terms (x, d+, d-, N(-d+), N(-d-), n(d+), European put, its theta) for the sensitivities."""
    v, dr, dq, beta, a = c
    x = np.exp(y)
    dp = (y + (r - q) * tau) / v + 0.5 * v
    dm = dp - v
    n_dp = ndtr(-dp)
    n_dm = ndtr(-dm)
    pdf = _INV_SQRT_2PI * np.exp(-0.5 * dp * dp)
    xdq = x * dq
    npv = dr * n_dm - xdq * n_dp
    theta = r * dr * n_dm - xdq * (q * n_dp + s2 / (2.0 * v) * pdf)
    one_minus = 1.0 - dq * n_dp
    f = one_minus * x - beta * (1.0 - x - npv) + a * theta
    charm = -dq * (pdf * ((r - q) / v - dm / (2.0 * tau)) + q * n_dp)
    f1 = one_minus + dq * pdf / v + beta * one_minus + a * charm
    gamma = pdf * dq / (v * x)
    colour = gamma * (q + (r - q) * dp / v + (1.0 - dp * dm) / (2.0 * tau))
    f2 = gamma * (1.0 - dp / v) + beta * gamma + a * colour
    return f, f1, f2, (x, dp, dm, n_dp, n_dm, pdf, npv, theta, f1)


def _log_halley_step(
    y: FloatArray, r: FloatArray, q: FloatArray, s2: FloatArray, tau: FloatArray, c: tuple[FloatArray, ...]
) -> tuple[FloatArray, tuple[FloatArray, ...]]:
    """Halley step in y = ln x; returns (step, intermediate terms of :func:`_qd_terms`)."""
    f, f1, f2, terms = _qd_terms(y, r, q, s2, tau, c)
    x = terms[0]
    fy = f1 * x
    fyy = (f2 * x + f1) * x
    step = f / fy / (1.0 - 0.5 * f * fyy / (fy * fy))
    return np.clip(step, -1.0, 27.0), terms  # at most e x and at least 1e-12 x per step


def _baw_seed(r: FloatArray, q: FloatArray, s2: FloatArray, tau: FloatArray, x_lim: FloatArray) -> FloatArray:
    """ln of the Barone-Adesi-Whaley critical-price seed, from X (tau = 0) to the perpetual boundary."""
    n1 = 2.0 * (r - q) / s2 - 1.0
    q1 = -0.5 * (n1 + np.sqrt(n1 * n1 + 8.0 * r / s2))
    b_inf = 1.0 / (1.0 - 1.0 / q1)
    gap = x_lim - b_inf
    v = np.sqrt(s2 * tau)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = np.minimum(((r - q) * tau - 2.0 * v) * x_lim / gap, 0.0)
    seed = np.where(gap > 0.0, b_inf + gap * np.exp(h), x_lim * np.exp(-v))
    return np.log(np.minimum(seed, x_lim))


def _solve_nodes(
    r: FloatArray, q: FloatArray, s2: FloatArray, tau: FloatArray, x_lim: FloatArray
) -> tuple[FloatArray, tuple[FloatArray, ...], tuple[FloatArray, ...]]:
    """ln b at ``tau`` (> 0) by Halley iterations (flat arrays); also the terms of the last
    evaluation of :func:`_qd_terms` (one step before the result) and the QD+ constants."""
    consts = _qd_constants(r, q, s2, tau)
    y = _baw_seed(r, q, s2, tau, x_lim)
    for _ in range(_FULL_HALLEY):  # most nodes converge here; no indexing overhead
        y = y - _log_halley_step(y, r, q, s2, tau, consts)[0]
    # every node then takes steps until one is below the tolerance; after it (Halley is cubic) y
    # is exact to rounding, so the price is a smooth function of the inputs and f(y) = 0
    step, terms = _log_halley_step(y, r, q, s2, tau, consts)
    y = y - step
    active = np.flatnonzero(~(np.abs(step) <= _BOUNDARY_TOL))  # NaN counts as moving
    for _ in range(_MAX_HALLEY - _FULL_HALLEY):
        if active.size == 0:
            break
        sub = tuple(a[active] for a in consts)
        ya = y[active]
        step_a, terms_a = _log_halley_step(ya, r[active], q[active], s2[active], tau[active], sub)
        y[active] = ya - step_a
        for full, part in zip(terms, terms_a, strict=True):
            full[active] = part
        active = active[~(np.abs(step_a) <= _BOUNDARY_TOL) & np.isfinite(step_a)]
    return y, terms, consts


def _node_inputs(
    r: FloatArray, q: FloatArray, sigma: FloatArray, T: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray]:
    """(r, q, sigma^2, tau, X) repeated over the boundary nodes with tau > 0 (flat, node-minor)."""
    m = CHEBYSHEV_POINTS - 1
    tau = (T[:, None] * _TAU_FRACTION[None, :-1]).ravel()
    x_lim = exercise_limit(r, q)
    return np.repeat(r, m), np.repeat(q, m), np.repeat(sigma * sigma, m), tau, np.repeat(x_lim, m)


def _nodes_to_matrix(values: FloatArray, last: FloatArray) -> FloatArray:
    """Flat node values (tau > 0) and the tau = 0 column -> (n, CHEBYSHEV_POINTS)."""
    n = last.size
    out = np.empty((n, CHEBYSHEV_POINTS))
    out[:, :-1] = values.reshape(n, CHEBYSHEV_POINTS - 1)
    out[:, -1] = last
    return out


def put_boundary(r: FloatArray, q: FloatArray, sigma: FloatArray, T: FloatArray) -> FloatArray:
    """Normalized (K = 1) American put exercise boundary at the Chebyshev nodes, shape (n, points).

    Column i is ``b(tau_i)`` with ``tau_i = T (1 + z_i)^2 / 4``; the last column (tau = 0) is
    ``X = min(1, r / q)``. Requires r > 0, sigma > 0, T > 0.
    """
    rr, qq, s2, tau, x_lim = _node_inputs(r, q, sigma, T)
    y = _solve_nodes(rr, qq, s2, tau, x_lim)[0]
    return _nodes_to_matrix(np.exp(np.minimum(y, np.log(x_lim))), exercise_limit(r, q))


def put_boundary_sensitivities(
    r: FloatArray, q: FloatArray, sigma: FloatArray, T: FloatArray, rate_is_q: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Boundary (as :func:`put_boundary`) and ``dln b/dsigma``, ``dln b/drate`` at the nodes.

    The rate is the put-world ``r`` per option, or ``q`` where ``rate_is_q`` (an American call's
    own rate is its put world's dividend yield). From the implicit function theorem on the QD+
    equation ``f(b; theta) = 0``: ``db/dtheta = -(df/dtheta) / (df/db)``, with the partial
    derivative df/dtheta at the solved boundary in closed form (no re-solve, no extra normal CDF).
    Column tau = 0: the derivatives of X.
    """
    rr, qq, s2, tau, x_lim = _node_inputs(r, q, sigma, T)
    y, (x, dp, dm, n_dp, n_dm, pdf, npv, theta, f1), consts = _solve_nodes(rr, qq, s2, tau, x_lim)
    y = np.minimum(y, np.log(x_lim))
    v, dr, dq, beta, a = consts
    on_q = np.repeat(rate_is_q, CHEBYSHEV_POINTS - 1)
    db_sigma, da_sigma, db_rate, da_rate = _qd_constant_derivatives(rr, qq, s2, tau, on_q)
    # partial derivatives of f at a fixed boundary x (terms of _qd_terms, one step before the
    # result: relative error ~ the last step, < _BOUNDARY_TOL), per unit of sigma and of the rate
    sigma = np.sqrt(s2)
    root_tau = np.sqrt(tau)
    xdq_pdf = x * dq * pdf
    rest = 1.0 - x - npv
    df_sigma = (
        -x * dq * pdf * dm / sigma
        - db_sigma * rest
        + beta * xdq_pdf * root_tau
        + da_sigma * theta
        + a * xdq_pdf * ((rr * dp - qq * dm) / sigma - (1.0 + dp * dm) / (2.0 * root_tau))
    )
    t_v = tau / v
    half_sigma = sigma / (2.0 * root_tau)
    d_dqnp = np.where(on_q, dq * (pdf * t_v - tau * n_dp), -dq * pdf * t_v)
    d_npv = np.where(on_q, tau * x * dq * n_dp, -tau * dr * n_dm)
    d_theta = np.where(
        on_q,
        -x * dq * n_dp * (1.0 - qq * tau) + xdq_pdf * tau * ((rr - qq) / v - half_sigma * (dp / v - 1.0)),
        dr * n_dm * (1.0 - rr * tau) + xdq_pdf * t_v * (qq - rr + half_sigma * dp),
    )
    df_rate = -x * d_dqnp - db_rate * rest + beta * d_npv + da_rate * theta + a * d_theta
    x = np.exp(y)
    dlnb_sigma = -df_sigma / (f1 * x)
    dlnb_rate = -df_rate / (f1 * x)
    # X = r / q when r < q: dln X/dr = 1 / r, dln X/dq = -1 / q
    x_lim0 = exercise_limit(r, q)
    binding = x_lim0 < 1.0
    dlnx_rate = np.where(binding, np.where(rate_is_q, -1.0 / np.where(binding, q, 1.0), 1.0 / r), 0.0)
    return (
        _nodes_to_matrix(x, x_lim0),
        _nodes_to_matrix(dlnb_sigma, np.zeros_like(r)),
        _nodes_to_matrix(dlnb_rate, dlnx_rate),
    )
