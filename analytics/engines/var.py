"""Value at Risk and Expected Shortfall (DESIGN "VaR/ES"). Pure numpy/pandas/scipy, no Django.

Units and signs: VaR and ES are POSITIVE currency losses (a book whose tail outcome is a gain
has a negative VaR). P&L is currency, signed (gain > 0). Returns are simple daily returns of the
underlyings, fractions, chronological rows (the last row is the most recent day) and one column
per underlying (``PositionSet.underlying`` maps positions to columns).

Methods
-------
- historical: today's positions revalued (options fully, ``revaluation.revalue_pnl``) on each of
  the last ``window`` (500) daily return vectors; 10-day uses the overlapping 10-day compounded
  returns inside that window (``window - 9`` scenarios).
- parametric: delta-normal, zero mean, sample covariance (ddof=1) of the last 252 daily returns,
  exposures = delta-adjusted dollar exposures; ``VaR = z sigma``, ``ES = sigma phi(z) / (1 - c)``,
  horizon h scales by ``sqrt(h)``. Component VaR by Euler allocation (sums to VaR).
- Monte Carlo: ``n_paths`` (10,000) multivariate-normal zero-mean draws from that covariance
  (times h for an h-day horizon), seeded, options revalued.

Scenario VaR = minus the (1 - c) quantile of the P&L with linear interpolation (numpy's default,
as empyrical's ``value_at_risk``); ES = minus the mean of the outcomes at or below that quantile
(as empyrical's ``conditional_value_at_risk`` on tie-free data). Shocks are instantaneous: time to
expiry is not shortened over the horizon.

NaN policy: rows with a non-finite return in a column the book uses are dropped (for 10-day,
windows containing one); fewer than ``min_observations`` usable rows -> every statistic NaN;
a non-finite position input propagates to NaN (never an exception). No annualization.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy.stats import norm

from analytics.engines.conventions import (
    COVARIANCE_MIN_OBSERVATIONS,
    COVARIANCE_WINDOW,
    HISTORICAL_VAR_MIN_OBSERVATIONS,
    HISTORICAL_VAR_WINDOW,
    MONTE_CARLO_PATHS,
    VAR_CONFIDENCES,
)
from analytics.engines.revaluation import OptionScenarioValues, PositionSet, delta_exposures, revalue_pnl

__all__ = [
    "CONFIDENCES",
    "SampleCovariances",
    "VaRResult",
    "compounded_returns",
    "historical_var",
    "monte_carlo_normals",
    "monte_carlo_paths",
    "monte_carlo_var",
    "monte_carlo_var_horizons",
    "parametric_var",
    "sample_covariance",
    "scenario_var_es",
]

CONFIDENCES: tuple[float, ...] = VAR_CONFIDENCES

ReturnsLike: TypeAlias = np.ndarray | pd.DataFrame


@dataclass(frozen=True, eq=False)
class VaRResult:
    """VaR/ES of one method and horizon.

    var, es: confidence -> positive currency loss (NaN when not computable).
    observations: daily return rows behind the estimate (after dropping incomplete rows).
    scenarios: P&L outcomes the quantiles were taken on (historical: windows; Monte Carlo: paths;
        parametric: 0).
    sigma: standard deviation of the horizon P&L, currency (parametric: model; others: sample,
        ddof=1).
    component_var: positions x confidences, currency; parametric Euler components (sum to VaR);
        None for the scenario methods.
    component_es: positions x confidences, currency; parametric: Euler (sum to ES); scenario
        methods: minus each position's mean P&L over the tail outcomes (sum to ES).
    """

    method: str
    horizon_days: int
    var: dict[float, float]
    es: dict[float, float]
    observations: int
    scenarios: int
    sigma: float
    component_var: pd.DataFrame | None
    component_es: pd.DataFrame | None


def _used_returns(positions: PositionSet, returns: ReturnsLike) -> tuple[np.ndarray, np.ndarray]:
    """(float64 matrix of the used columns, used column indices); positions re-indexed to it."""
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim != 2:
        raise ValueError("returns must be 2-D (days x underlyings)")
    used = np.unique(positions.underlying) if positions.n else np.zeros(0, dtype=np.intp)
    return r[:, used], used


def _local(positions: PositionSet, used: np.ndarray) -> PositionSet:
    """Positions whose ``underlying`` points into the compacted used-column matrix."""
    return replace(positions, underlying=np.searchsorted(used, positions.underlying))


def _complete_rows(r: np.ndarray) -> np.ndarray:
    return r[np.isfinite(r).all(axis=1)]


def compounded_returns(daily: np.ndarray, horizon_days: int) -> np.ndarray:
    """Overlapping ``horizon_days`` compounded simple returns: ``prod(1 + r) - 1`` over each
    run of consecutive rows (``T - h + 1`` rows; NaN inside a window propagates). h = 1 is a
    copy of the input."""
    daily = np.asarray(daily, dtype=np.float64)
    if horizon_days <= 1:
        return daily.copy()
    if daily.shape[0] < horizon_days:
        return np.empty((0, daily.shape[1]))
    windows = sliding_window_view(1.0 + daily, horizon_days, axis=0)
    return windows.prod(axis=-1) - 1.0


def sample_covariance(
    returns: ReturnsLike,
    window: int = COVARIANCE_WINDOW,
    min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
) -> tuple[np.ndarray, int]:
    """Sample covariance (ddof=1, daily units) of the last ``window`` rows and its row count.

    Rows with any non-finite value are dropped first (complete cases). Fewer than
    ``max(min_observations, 2)`` rows -> a NaN matrix. Returns ``(cov k x k, n_rows)``.
    """
    r = _complete_rows(np.asarray(returns, dtype=np.float64)[-window:])
    k, n = r.shape[1], r.shape[0]
    if n < max(min_observations, 2):
        return np.full((k, k), np.nan), n
    return np.atleast_2d(np.cov(r, rowvar=False, ddof=1)), n


class SampleCovariances:
    """A memo of :func:`sample_covariance` keyed by the content of the returns it is given.

    Books that use the same columns of the same returns share one estimate: a modeling session's
    books before and after its trades and without each trade, or the 1- and 10-day parametric
    VaR of one book. A hit is the estimate of a matrix equal byte for byte (same window rows, same
    values) to one computed before, so results are identical to calling
    :func:`sample_covariance` each time. The returned arrays are shared: do not modify them.
    """

    def __init__(self) -> None:
        self._memo: dict[tuple[object, ...], tuple[np.ndarray, int]] = {}
        self.hits = 0

    def __call__(
        self,
        returns: ReturnsLike,
        window: int = COVARIANCE_WINDOW,
        min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
    ) -> tuple[np.ndarray, int]:
        """``sample_covariance(returns, window, min_observations)``, memoized."""
        r = np.ascontiguousarray(np.asarray(returns, dtype=np.float64)[-window:])
        digest = hashlib.blake2b(r.tobytes(), digest_size=20).digest()
        key = (r.shape, int(min_observations), digest)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = sample_covariance(r, window, min_observations)
        else:
            self.hits += 1
        return found


def scenario_var_es(
    pnl: np.ndarray, confidences: Sequence[float] = CONFIDENCES
) -> tuple[dict[float, float], dict[float, float], dict[float, np.ndarray]]:
    """VaR, ES (positive currency losses) and tail masks of a 1-D P&L sample.

    VaR = -quantile(pnl, 1 - c) (linear interpolation); ES = -mean(pnl[pnl <= quantile]).
    Empty or non-finite sample -> NaN.
    """
    pnl = np.asarray(pnl, dtype=np.float64)
    var, es, tails = {}, {}, {}
    ok = pnl.size > 0 and bool(np.all(np.isfinite(pnl)))
    for c in confidences:
        if not ok:
            var[c], es[c], tails[c] = np.nan, np.nan, np.zeros(pnl.shape, dtype=bool)
            continue
        q = float(np.quantile(pnl, round(1.0 - c, 12)))
        tails[c] = pnl <= q
        var[c], es[c] = -q, -float(pnl[tails[c]].mean())
    return var, es, tails


def _scenario_result(
    method: str,
    horizon: int,
    pnl_matrix: np.ndarray,
    positions: PositionSet,
    confidences: Sequence[float],
    observations: int,
) -> VaRResult:
    total = pnl_matrix.sum(axis=1)
    var, es, tails = scenario_var_es(total, confidences)
    comp = {
        c: (-pnl_matrix[tails[c]].mean(axis=0) if tails[c].any() else np.full(positions.n, np.nan))
        for c in confidences
    }
    sigma = float(total.std(ddof=1)) if total.size > 1 else np.nan
    return VaRResult(
        method=method,
        horizon_days=horizon,
        var=var,
        es=es,
        observations=observations,
        scenarios=int(total.size),
        sigma=sigma if np.isfinite(sigma) else np.nan,
        component_var=None,
        component_es=pd.DataFrame(comp, index=pd.Index(positions.ids, name="position")),
    )


def _empty(
    method: str, horizon: int, positions: PositionSet, confidences: Sequence[float], observations: int
) -> VaRResult:
    nan = dict.fromkeys(confidences, np.nan)
    frame = pd.DataFrame(np.nan, index=pd.Index(positions.ids, name="position"), columns=list(confidences))
    return VaRResult(
        method,
        horizon,
        dict(nan),
        dict(nan),
        observations,
        0,
        np.nan,
        frame.copy() if method == "parametric" else None,
        frame,
    )


def historical_var(
    positions: PositionSet,
    returns: ReturnsLike,
    *,
    confidences: Sequence[float] = CONFIDENCES,
    horizon_days: int = 1,
    window: int = HISTORICAL_VAR_WINDOW,
    min_observations: int = HISTORICAL_VAR_MIN_OBSERVATIONS,
    precomputed: OptionScenarioValues | None = None,
) -> VaRResult:
    """Historical-simulation VaR/ES (full revaluation) over the last ``window`` daily returns.

    ``horizon_days`` > 1: overlapping compounded returns inside the window. Minimum
    ``min_observations`` usable scenarios, else NaN. See the module doc for units and NaN policy.
    ``precomputed``: the options' values on exactly these scenarios, computed beforehand
    (``engines.scenario_batch``); same result.
    """
    r, used = _used_returns(positions, returns)
    scen = _complete_rows(compounded_returns(r[-window:], horizon_days))
    n = scen.shape[0]
    if n < max(min_observations, 1):
        return _empty("historical", horizon_days, positions, confidences, n)
    pnl = revalue_pnl(_local(positions, used), scen, precomputed=precomputed)
    return _scenario_result("historical", horizon_days, pnl, positions, confidences, n)


@lru_cache(maxsize=64)
def _normal_terms(c: float) -> tuple[float, float]:
    """(z_c, phi(z_c) / (1 - c)) of a confidence (scipy's distribution objects cost ~0.5 ms a call)."""
    z = float(norm.ppf(c))
    return z, float(norm.pdf(z)) / (1.0 - c)


def parametric_var(
    positions: PositionSet,
    returns: ReturnsLike,
    *,
    exposures: np.ndarray | None = None,
    confidences: Sequence[float] = CONFIDENCES,
    horizon_days: int = 1,
    window: int = COVARIANCE_WINDOW,
    min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
    covariances: SampleCovariances | None = None,
) -> VaRResult:
    """Delta-normal VaR/ES with Euler components.

    ``exposures``: delta-adjusted dollar exposure per position (default
    ``revaluation.delta_exposures``); positions on the same underlying are summed (e_u).
    ``sigma = sqrt(e_u' Sigma e_u) x sqrt(h)`` with Sigma the ddof=1 sample covariance of the last
    ``window`` daily returns; ``VaR_c = z_c sigma``; ``ES_c = sigma phi(z_c) / (1 - c)``;
    ``CVaR_i = e_i (Sigma e_u)_u(i) / sigma_1day x z_c x sqrt(h)`` (sum = VaR; ES alike).
    Zero sigma gives VaR 0 and NaN components. Fewer than ``min_observations`` rows -> NaN.
    ``covariances``: a :class:`SampleCovariances` memo shared by several calls (same results).
    """
    r, used = _used_returns(positions, returns)
    cov, n = (covariances or sample_covariance)(r, window, min_observations)
    if n < max(min_observations, 2):
        return _empty("parametric", horizon_days, positions, confidences, n)
    e = delta_exposures(positions) if exposures is None else np.asarray(exposures, np.float64)
    local = np.searchsorted(used, positions.underlying)
    e_u = np.bincount(local, weights=e, minlength=used.size) if e.size else np.zeros(0)
    marginal = cov @ e_u
    sigma1 = float(np.sqrt(max(float(e_u @ marginal), 0.0))) if e.size else 0.0
    scale = np.sqrt(horizon_days)
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = e * marginal[local] / sigma1 * scale if e.size else e  # sums to sigma_h
    var, es, cvar, ces = {}, {}, {}, {}
    for c in confidences:
        z, tail = _normal_terms(c)
        var[c], es[c] = z * sigma1 * scale, tail * sigma1 * scale
        cvar[c], ces[c] = unit * z, unit * tail
    index = pd.Index(positions.ids, name="position")
    return VaRResult(
        method="parametric",
        horizon_days=horizon_days,
        var=var,
        es=es,
        observations=n,
        scenarios=0,
        sigma=sigma1 * scale,
        component_var=pd.DataFrame(cvar, index=index),
        component_es=pd.DataFrame(ces, index=index),
    )


def monte_carlo_var(
    positions: PositionSet,
    returns: ReturnsLike,
    *,
    seed: int,
    confidences: Sequence[float] = CONFIDENCES,
    horizon_days: int = 1,
    n_paths: int = MONTE_CARLO_PATHS,
    window: int = COVARIANCE_WINDOW,
    min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
) -> VaRResult:
    """Monte Carlo VaR/ES: ``n_paths`` zero-mean multivariate-normal underlying returns drawn
    (``numpy.random.default_rng(seed)``, eigen-decomposition so a singular covariance works)
    from the parametric covariance times ``horizon_days``, the book fully revalued on each path.
    Same seed and inputs -> identical result. Fewer than ``min_observations`` rows -> NaN.
    """
    r, used = _used_returns(positions, returns)
    cov, n = sample_covariance(r, window, min_observations)
    if n < max(min_observations, 2):
        return _empty("monte_carlo", horizon_days, positions, confidences, n)
    rng = np.random.default_rng(seed)
    draws = rng.multivariate_normal(np.zeros(used.size), cov * horizon_days, size=n_paths, method="eigh")
    pnl = revalue_pnl(_local(positions, used), draws)
    return _scenario_result("monte_carlo", horizon_days, pnl, positions, confidences, n)


def monte_carlo_normals(seed: int, n_paths: int, k: int, normals: np.ndarray | None = None) -> np.ndarray:
    """The ``(n_paths, k)`` standard normals of ``default_rng(seed)`` (from the shared ``normals``
    prefix when given: bit-identical, ``Generator.standard_normal`` fills row-major in order)."""
    if normals is not None and normals.size >= n_paths * k:
        return normals[: n_paths * k].reshape(n_paths, k)
    return np.random.default_rng(seed).standard_normal((n_paths, k))


def monte_carlo_paths(z: np.ndarray, cov: np.ndarray, horizon_days: int) -> np.ndarray:
    """Underlying return paths ``z @ (u sqrt|s|)'`` with ``u s u' = cov x h`` (eigh), as
    ``Generator.multivariate_normal(method="eigh")`` maps its normals."""
    s, u = np.linalg.eigh(cov * horizon_days)
    return z @ (u * np.sqrt(np.abs(s))).T


def monte_carlo_var_horizons(
    positions: PositionSet,
    returns: ReturnsLike,
    *,
    seed: int,
    horizons: Sequence[int],
    confidences: Sequence[float] = CONFIDENCES,
    n_paths: int = MONTE_CARLO_PATHS,
    window: int = COVARIANCE_WINDOW,
    min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
    normals: np.ndarray | None = None,
    precomputed: dict[int, OptionScenarioValues] | None = None,
) -> dict[int, VaRResult]:
    """:func:`monte_carlo_var` for several horizons, bit-for-bit identical to one call per horizon.

    The standard-normal draws of ``default_rng(seed)`` are generated once and mapped through each
    horizon's eigen factor of ``cov x h`` exactly as ``Generator.multivariate_normal(method="eigh")``
    does (``z @ (u sqrt|s|)'``), so the seeds and definitions are unchanged; only the duplicate
    random generation and covariance work are saved.

    ``normals``: at least ``n_paths x k`` values of ``default_rng(seed).standard_normal`` (k the
    book's underlyings), shared by many books: ``Generator`` fills arrays in order, so the first
    ``n_paths x k`` of a longer draw reshaped are exactly this book's ``z``. ``precomputed``: per
    horizon, the options' values on these paths computed beforehand (``engines.scenario_batch``).
    Both leave the result unchanged.
    """
    r, used = _used_returns(positions, returns)
    cov, n = sample_covariance(r, window, min_observations)
    if n < max(min_observations, 2):
        return {h: _empty("monte_carlo", h, positions, confidences, n) for h in horizons}
    z = monte_carlo_normals(seed, n_paths, used.size, normals)
    local = _local(positions, used)
    out: dict[int, VaRResult] = {}
    for h in horizons:
        draws = monte_carlo_paths(z, cov, h)
        pnl = revalue_pnl(local, draws, precomputed=None if precomputed is None else precomputed[h])
        out[h] = _scenario_result("monte_carlo", h, pnl, positions, confidences, n)
    return out
