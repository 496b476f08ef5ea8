"""Risk contributions on annualized volatility (DESIGN "Risk contributions"). No Django.

Units: every risk number is an annualized volatility as a FRACTION of NAV (0.12 = 12 % of NAV
per year); weights are fractions of NAV (signed: shorts negative); percentages are x 100.
Annualization: daily covariances x 252 (volatilities x sqrt(252)).

- Total risk: ``w_i = e_i / NAV`` (e = delta-adjusted exposure), ``sigma_p = sqrt(w' Sigma w)``,
  ``MCTR_i = (Sigma w)_i / sigma_p``, ``CTR_i = w_i MCTR_i`` (sum CTR = sigma_p),
  ``ctr_percent = CTR / sigma_p x 100`` (sums to 100). Positions sharing an underlying (a stock
  and its options) share one covariance row: ``(Sigma w)_i`` is that of the underlying's summed
  weight, so Euler's identity still holds.
- Factor vs specific: ``b = sum_i w_i beta_i``, ``factor^2 = b' F b``, ``specific^2 =
  sum_u w_u^2 s_u^2`` (w_u summed per underlying, s_u^2 its annualized residual variance),
  ``total^2 = factor^2 + specific^2``. By factor: ``contribution_k = b_k (F b)_k / factor`` (sums
  to the factor risk); ``variance_percent_k = b_k (F b)_k / total^2 x 100`` (with the specific
  share sums to 100).

NaN policy: non-finite statistics (zero risk, NAV <= 0) are NaN, never an exception.
Minimum observations: 60 complete daily rows for a covariance estimated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.conventions import (
    COVARIANCE_MIN_OBSERVATIONS,
    COVARIANCE_WINDOW,
    TRADING_DAYS_PER_YEAR,
)
from analytics.engines.var import sample_covariance

__all__ = [
    "TRADING_DAYS",
    "FactorRiskDecomposition",
    "RiskContributions",
    "annualized_covariance",
    "factor_risk_decomposition",
    "risk_contributions",
]

TRADING_DAYS = TRADING_DAYS_PER_YEAR


@dataclass(frozen=True, eq=False)
class RiskContributions:
    """total_risk: sigma_p (annualized, fraction of NAV). positions: DataFrame indexed by
    position with ``weight``, ``mctr``, ``ctr`` (fractions) and ``ctr_percent`` (x 100)."""

    total_risk: float
    positions: pd.DataFrame


@dataclass(frozen=True, eq=False)
class FactorRiskDecomposition:
    """Factor vs specific split (annualized fractions of NAV).

    factors: DataFrame indexed by factor with ``exposure`` (b_k, fraction of NAV),
    ``contribution`` (sums to factor_risk) and ``variance_percent`` (of total variance x 100).
    specific_variance_percent: specific^2 / total^2 x 100. unmodeled: ids of positions with no
    finite beta (excluded from both parts).
    """

    factor_risk: float
    specific_risk: float
    total_risk: float
    specific_variance_percent: float
    factors: pd.DataFrame
    unmodeled: tuple[Any, ...]


def annualized_covariance(
    returns: np.ndarray | pd.DataFrame,
    window: int = COVARIANCE_WINDOW,
    min_observations: int = COVARIANCE_MIN_OBSERVATIONS,
) -> np.ndarray:
    """Sample covariance (ddof=1) of the last ``window`` complete daily rows x 252; NaN matrix
    below ``min_observations`` rows."""
    cov, _ = sample_covariance(returns, window, min_observations)
    return cov * TRADING_DAYS


def _nan_if_not_finite(x: float) -> float:
    return float(x) if np.isfinite(x) else float("nan")


def _ids(ids: Sequence[Any], n: int) -> pd.Index:
    return pd.Index(list(ids) if len(ids) else range(n), name="position")


def risk_contributions(
    exposures: np.ndarray | Sequence[float],
    nav: float,
    cov_annual: np.ndarray | pd.DataFrame,
    *,
    underlying: np.ndarray | Sequence[int] | None = None,
    ids: Sequence[Any] = (),
) -> RiskContributions:
    """Euler risk contributions of each position to annualized volatility.

    ``exposures``: delta-adjusted exposure per position (currency, signed). ``nav``: currency.
    ``cov_annual``: annualized covariance of the underlyings (U x U). ``underlying``: column of
    each position in ``cov_annual`` (default: position i -> column i). See the module doc for
    the formulas. NAV <= 0 or sigma_p = 0 gives NaN MCTR/CTR/percent (and NaN weights for
    NAV <= 0).
    """
    e = np.asarray(exposures, dtype=np.float64)
    cov = np.asarray(cov_annual, dtype=np.float64)
    und = np.arange(e.size) if underlying is None else np.asarray(underlying, dtype=np.intp)
    with np.errstate(divide="ignore", invalid="ignore"):
        w = e / nav if (np.isfinite(nav) and nav > 0) else np.full(e.size, np.nan)
        w_u = np.bincount(und, weights=w, minlength=cov.shape[0]) if e.size else np.zeros(0)
        marginal = cov @ w_u if e.size else np.zeros(0)
        sigma_p = float(np.sqrt(np.maximum(w_u @ marginal, 0.0))) if e.size else 0.0
        mctr = marginal[und] / sigma_p if e.size else e
        ctr = w * mctr
        pct = ctr / sigma_p * 100.0
    frame = pd.DataFrame({"weight": w, "mctr": mctr, "ctr": ctr, "ctr_percent": pct}, index=_ids(ids, e.size))
    frame = frame.where(np.isfinite(frame.to_numpy()))
    return RiskContributions(total_risk=_nan_if_not_finite(sigma_p), positions=frame)


def factor_risk_decomposition(
    weights: np.ndarray | Sequence[float],
    betas: pd.DataFrame | np.ndarray,
    factor_cov_annual: pd.DataFrame | np.ndarray,
    residual_variance_annual: np.ndarray | Sequence[float],
    *,
    underlying: np.ndarray | Sequence[int] | None = None,
    ids: Sequence[Any] = (),
) -> FactorRiskDecomposition:
    """Split annualized portfolio risk into factor and specific parts.

    ``weights``: delta-adjusted exposure / NAV per position (fractions, signed). ``betas``:
    positions x factors (options carry their underlying's betas); a NaN beta counts as 0, a row
    with no finite beta is unmodeled. ``factor_cov_annual``: factors x factors, annualized
    (labels define the factor order when it is a DataFrame; ``betas`` is reindexed to them).
    ``residual_variance_annual``: annualized residual variance of each position's underlying
    (NaN counts as 0). ``underlying``: groups positions whose residuals are the same (default:
    each position its own). Formulas in the module doc.
    """
    w = np.asarray(weights, dtype=np.float64)
    if isinstance(factor_cov_annual, pd.DataFrame):
        names = list(factor_cov_annual.index)
        b_mat = (
            betas.reindex(columns=names)
            if isinstance(betas, pd.DataFrame)
            else pd.DataFrame(np.asarray(betas, np.float64), columns=names)
        )
    else:
        b_mat = betas if isinstance(betas, pd.DataFrame) else pd.DataFrame(np.asarray(betas))
        names = list(b_mat.columns)
    beta = b_mat.to_numpy(dtype=np.float64).reshape(w.size, len(names))
    f = np.nan_to_num(np.asarray(factor_cov_annual, dtype=np.float64))
    modeled = np.isfinite(beta).any(axis=1)
    w_m = np.where(modeled & np.isfinite(w), w, 0.0)
    b = np.nan_to_num(beta).T @ w_m
    fb = f @ b
    factor_var = max(float(b @ fb), 0.0)

    und = np.arange(w.size) if underlying is None else np.asarray(underlying, dtype=np.intp)
    resid = np.nan_to_num(np.asarray(residual_variance_annual, dtype=np.float64))
    n_u = int(und.max()) + 1 if und.size else 0
    w_u = np.bincount(und, weights=w_m, minlength=n_u)
    s_u = np.zeros(n_u)
    s_u[und] = resid  # positions of one underlying carry the same residual variance
    specific_var = float(np.sum(w_u**2 * s_u))
    total_var = factor_var + specific_var

    factor_risk, specific_risk = np.sqrt(factor_var), np.sqrt(specific_var)
    with np.errstate(divide="ignore", invalid="ignore"):
        contribution = b * fb / factor_risk
        variance_pct = b * fb / total_var * 100.0
        specific_pct = specific_var / total_var * 100.0
    factors = pd.DataFrame(
        {"exposure": b, "contribution": contribution, "variance_percent": variance_pct},
        index=pd.Index(names, name="factor"),
    )
    factors = factors.where(np.isfinite(factors.to_numpy()))
    index = _ids(ids, w.size)
    return FactorRiskDecomposition(
        factor_risk=_nan_if_not_finite(factor_risk),
        specific_risk=_nan_if_not_finite(specific_risk),
        total_risk=_nan_if_not_finite(np.sqrt(total_var)),
        specific_variance_percent=_nan_if_not_finite(specific_pct),
        factors=factors,
        unmodeled=tuple(i for i, ok in zip(index, modeled, strict=True) if not ok),
    )
