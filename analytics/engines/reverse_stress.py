"""Reverse stress test: the most likely factor move that loses a given amount.

Pure numpy/scipy: no Django, no clock, no I/O.

Problem: over the 11 stress variables (``stress.STRESS_VARIABLES``) find the move ``x`` of minimum
Mahalanobis distance ``d = sqrt(x' Sigma^-1 x)`` under the stress covariance ``Sigma`` (the EWMA
covariance of engine 7, daily units, Volatility in log changes) such that the book's P&L on the
full revaluation of ``stress.run_stress_tests`` (betas and macro sensitivities, options repriced
with their exercise style at sigma x (1 + Volatility move) and r + the Interest Rate move) equals
``-L`` (a loss of ``L`` USD).

Method:

1. Whitening: ``Sigma = V diag(lambda) V'`` and ``x = A u`` with ``A = V diag(sqrt(lambda))`` over
   the eigenvalues above ``1e-12 x max(lambda)`` (directions without variance cannot move), so
   ``d = |u|``. Non-finite covariance entries count as 0.
2. Linear closed form: with ``b = dP&L/dx`` at 0 (central differences in ``u``, 1 % of a standard
   deviation), the minimum-distance move losing ``L`` is ``x* = -L Sigma b / (b' Sigma b)``
   (in ``u``: ``-L A'b / |A'b|^2``).
3. Full revaluation: a 1-D root-find (Brent) of ``P&L(t x*) = -L`` along that direction, then
   SLSQP (minimize ``|u|^2`` subject to ``P&L(A u) = -L``) from that point; the SLSQP result is kept
   only if it meets the loss within ``1e-6 x L`` and is closer.
The Volatility coordinate is the log change: its reported move is ``exp(x) - 1`` (relative VIX
change, > -100 %). Every move is reported (all 11), so applying them as shocks (every variable
shocked: conditional = isolated) reproduces the loss. Loss unreachable (a book that gains in
every direction, or cannot lose ``L`` before its floors) -> ``achieved`` = False.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq, minimize

from analytics.engines.revaluation import PositionSet
from analytics.engines.stress import LOG_VARIABLES, STRESS_VARIABLES, Scenario, run_stress_tests

__all__ = ["ReverseStress", "reverse_stress"]

#: Largest multiple of the linear solution searched along its direction.
MAX_SCALE = 64.0


@dataclass(frozen=True, eq=False)
class ReverseStress:
    """target_loss and achieved_loss: USD, positive losses; factor_moves: all 11 moves (units of
    ``stress``: Volatility relative); linear_moves: the closed form; mahalanobis_distance: ``|u|``
    (in standard deviations of the daily covariance); position_pnl: USD per position (NaN =
    unmodeled); method: ``linear`` / ``line_search`` / ``slsqp``; achieved: the loss was met."""

    target_loss: float
    achieved_loss: float
    factor_moves: dict[str, float]
    linear_moves: dict[str, float]
    linear_distance: float
    mahalanobis_distance: float
    position_pnl: np.ndarray
    method: str
    achieved: bool


class _Book:
    """The P&L of whitened moves ``u`` (rows) on the book, by ``stress.run_stress_tests``."""

    def __init__(
        self,
        positions: PositionSet,
        sensitivities: pd.DataFrame,
        cov: pd.DataFrame,
        vix_options: Sequence[bool] | np.ndarray | None,
    ) -> None:
        self.names = list(STRESS_VARIABLES)
        sigma = np.nan_to_num(
            cov.reindex(index=self.names, columns=self.names).to_numpy(dtype=np.float64), nan=0.0
        )
        sigma = (sigma + sigma.T) / 2.0
        lam, vec = np.linalg.eigh(sigma)
        keep = lam > 1e-12 * max(float(lam.max()), 0.0) if lam.size and lam.max() > 0 else np.zeros(0, bool)
        self.A = vec[:, keep] * np.sqrt(lam[keep])
        self.cov = pd.DataFrame(sigma, index=self.names, columns=self.names)
        self.positions, self.sens, self.vix = positions, sensitivities, vix_options
        self.is_log = np.array([n in LOG_VARIABLES for n in self.names])

    def bounds(self, limits: Mapping[str, tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper bounds of ``x`` (Volatility in log space) from stress-unit limits."""
        low = np.array([limits.get(n, (-np.inf, np.inf))[0] for n in self.names], dtype=np.float64)
        high = np.array([limits.get(n, (-np.inf, np.inf))[1] for n in self.names], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            low[self.is_log] = np.log1p(np.maximum(low[self.is_log], -1.0))
            high[self.is_log] = np.log1p(high[self.is_log])
        return low, high

    def moves(self, u: np.ndarray) -> np.ndarray:
        """Moves in the stress units (Volatility relative) of whitened ``u`` (rows)."""
        x = np.atleast_2d(u) @ self.A.T
        x[:, self.is_log] = np.expm1(x[:, self.is_log])
        return x

    def position_pnl(self, u: np.ndarray) -> np.ndarray:
        shocks = self.moves(u)
        scenarios = [
            Scenario(id=str(i), name=str(i), shocks=dict(zip(self.names, row.tolist(), strict=True)))
            for i, row in enumerate(shocks)
        ]
        results = run_stress_tests(
            scenarios,
            self.cov,
            self.positions,
            self.sens,
            float("nan"),
            propagation="isolated",
            vix_options=self.vix,
        )
        return np.array([r.positions["pnl"].to_numpy(dtype=np.float64) for r in results])

    def pnl(self, u: np.ndarray) -> np.ndarray:
        return np.nansum(self.position_pnl(u), axis=1)


def reverse_stress(
    positions: PositionSet,
    sensitivities: pd.DataFrame,
    cov: pd.DataFrame,
    loss: float,
    *,
    vix_options: Sequence[bool] | np.ndarray | None = None,
    bounds: Mapping[str, tuple[float, float]] | None = None,
    refine: bool = True,
) -> ReverseStress:
    """The minimum-Mahalanobis move losing ``loss`` USD (> 0) on the full revaluation (module doc).

    ``bounds``: allowed ``(low, high)`` move per variable in the stress units (default: Volatility
    above -95 % only); the line search stops at the first bound it meets (then ``achieved`` is
    False if the loss is not reached) and SLSQP keeps every move inside them.
    """
    if not (np.isfinite(loss) and loss > 0):
        raise ValueError(f"loss must be a positive amount, got {loss}")
    book = _Book(positions, sensitivities, cov, vix_options)
    low, high = book.bounds(bounds or {"Volatility": (-0.95, np.inf)})
    k = book.A.shape[1]
    nan_moves = dict.fromkeys(book.names, float("nan"))
    if k == 0:
        return ReverseStress(
            loss, 0.0, nan_moves, nan_moves, np.nan, np.nan, np.full(positions.n, np.nan), "linear", False
        )
    h = 0.01
    steps = np.vstack([h * np.eye(k), -h * np.eye(k)])
    pnl_fd = book.pnl(steps)
    b = (pnl_fd[:k] - pnl_fd[k:]) / (2 * h)  # dP&L/du at 0
    norm2 = float(b @ b)
    if not norm2 > 0:
        return ReverseStress(
            loss, 0.0, nan_moves, nan_moves, np.nan, np.nan, np.full(positions.n, np.nan), "linear", False
        )
    u_lin = -loss * b / norm2
    linear_moves = dict(zip(book.names, book.moves(u_lin)[0].tolist(), strict=True))

    def gap(t: float) -> float:
        return float(book.pnl(t * u_lin)[0]) + loss

    x_lin = book.A @ u_lin
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(x_lin > 0, high / x_lin, np.where(x_lin < 0, low / x_lin, np.inf))
    t_max = float(min(np.nanmin(room), MAX_SCALE))  # the path leaves the bounds (or gives up) here
    hi = min(1.0, t_max)
    while gap(hi) > 0 and hi < t_max:
        hi = min(2.0 * hi, t_max)
    if gap(hi) > 0:
        # the loss lies beyond a bound along the linear direction: search the bounded set from there
        u_best, method = _refine(book, hi * u_lin, loss, low, high, require_closer=False)
        achieved = method == "slsqp"
    else:
        t = brentq(gap, 0.0, hi, xtol=1e-12, rtol=1e-12)
        u_best, method, achieved = t * u_lin, "line_search", True
        if refine:
            u_best, method = _refine(book, u_best, loss, low, high)
    pnl = book.position_pnl(u_best)[0]
    return ReverseStress(
        target_loss=float(loss),
        achieved_loss=float(-np.nansum(pnl)),
        factor_moves=dict(zip(book.names, book.moves(u_best)[0].tolist(), strict=True)),
        linear_moves=linear_moves,
        linear_distance=float(np.sqrt(u_lin @ u_lin)),
        mahalanobis_distance=float(np.sqrt(u_best @ u_best)),
        position_pnl=pnl,
        method=method,
        achieved=achieved,
    )


def _refine(
    book: _Book,
    u0: np.ndarray,
    loss: float,
    low: np.ndarray,
    high: np.ndarray,
    *,
    require_closer: bool = True,
) -> tuple[np.ndarray, str]:
    """SLSQP from ``u0``: minimize ``|u|^2`` subject to the loss and the bounds (the loss
    constraint's gradient by forward differences, all in one revaluation call); ``u0`` is kept
    unless the result meets the loss within ``1e-6 x loss``, stays inside the bounds and (when
    ``require_closer``) is closer."""
    lo, hi = np.isfinite(low), np.isfinite(high)
    k = u0.size
    step = 1e-6

    def loss_gap(u: np.ndarray) -> float:
        return (float(book.pnl(u)[0]) + loss) / loss

    def loss_gap_jac(u: np.ndarray) -> np.ndarray:
        pnl = book.pnl(np.vstack([u, u + step * np.eye(k)]))
        return (pnl[1:] - pnl[0]) / step / loss

    constraints = [{"type": "eq", "fun": loss_gap, "jac": loss_gap_jac}]
    if lo.any():
        constraints.append(
            {"type": "ineq", "fun": lambda u: (book.A @ u)[lo] - low[lo], "jac": lambda u: book.A[lo]}
        )
    if hi.any():
        constraints.append(
            {"type": "ineq", "fun": lambda u: high[hi] - (book.A @ u)[hi], "jac": lambda u: -book.A[hi]}
        )
    try:
        res = minimize(
            lambda u: float(u @ u),
            u0,
            jac=lambda u: 2 * u,
            method="SLSQP",
            constraints=constraints,
            options={"maxiter": 50, "ftol": 1e-12},
        )
    except ValueError:  # a trial point outside the model's domain
        return u0, "line_search"
    u = np.asarray(res.x, dtype=np.float64)
    x = book.A @ u
    inside = bool(np.all(x[lo] >= low[lo] - 1e-12) and np.all(x[hi] <= high[hi] + 1e-12))
    met = abs(float(book.pnl(u)[0]) + loss) <= 1e-6 * loss
    if inside and met and (not require_closer or u @ u < (u0 @ u0) * (1 - 1e-9)):
        return u, "slsqp"
    return u0, "line_search"
