"""Risk contributions, beta vs SPY and average correlation of a book for engine 7.

Math: ``analytics.engines.contributions`` (Euler contributions on the annualized 252-day sample
covariance; factor vs specific split from the factor model) and ``analytics.engines.correlations``.
Units: risks are annualized volatilities as fractions of NAV; weights fractions of NAV (signed);
``*_percent`` x 100. Beta vs SPY is the exposure-weighted CAPM beta of the positions
(sum e_i x beta_i / NAV), the same definition as the factor engine's portfolio CAPM exposure.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.contributions import (
    annualized_covariance,
    factor_risk_decomposition,
    risk_contributions,
)
from analytics.engines.conventions import COVARIANCE_WINDOW
from analytics.engines.correlations import correlation_analysis, exposure_by_underlying
from sigmasight.api.numbers import number, numbers

__all__ = ["average_correlation", "beta_vs_spy", "contribution_metrics"]


def contribution_metrics(
    *,
    book: pd.DataFrame,
    returns: pd.DataFrame,
    nav: float,
    factor_betas: pd.DataFrame,
    residual_volatility: pd.Series,
    factor_cov_annual: pd.DataFrame,
) -> dict[str, Any]:
    """Risk contributions of the book's positions and of the factors.

    ``returns``: simple daily returns [date x risk symbol] (the last 252 complete rows are used);
    ``factor_betas``: risk symbol x the 7 factors; ``residual_volatility``: annualized, per risk
    symbol; ``factor_cov_annual``: the 7 regressors' annualized covariance (labelled).

    Returns ``total_risk`` (sigma_p from the positions' covariance; by-position CTRs sum to it),
    ``factor_risk`` and ``specific_risk`` (factor model), ``model_total_risk`` =
    sqrt(factor^2 + specific^2), ``by_position`` arrays aligned with the book, ``by_factor`` rows
    whose ``ctr`` is the Euler contribution to ``model_total_risk`` (with ``specific.ctr`` they
    sum to it) and ``ctr_percent`` its share of the model variance, and ``unmodeled`` position ids.
    """
    factors = list(factor_cov_annual.index)
    if book.empty:  # an empty view has no risk to measure: null, not 0 (DESIGN: not finite -> null)
        return {
            "total_risk": None,
            "factor_risk": None,
            "specific_risk": None,
            "model_total_risk": None,
            "observations": 0,
            "by_position": {"weight": [], "mctr": [], "ctr": [], "ctr_percent": []},
            "by_factor": [
                {
                    "factor": f,
                    "exposure": 0.0,
                    "ctr": 0.0,
                    "ctr_percent": None,
                    "contribution_to_factor_risk": None,
                }
                for f in factors
            ],
            "specific": {"ctr": 0.0, "ctr_percent": None},
            "unmodeled": [],
        }
    used = sorted(set(book["risk_symbol"]))
    local = pd.Index(used).get_indexer(book["risk_symbol"])
    matrix = returns.reindex(columns=used).to_numpy(dtype=np.float64)
    cov = annualized_covariance(matrix)
    observations = int(np.isfinite(matrix[-COVARIANCE_WINDOW:]).all(axis=1).sum())
    exposures = book["exposure"].to_numpy(dtype=np.float64)
    rc = risk_contributions(exposures, nav, cov, underlying=local, ids=tuple(book.index))

    weights = rc.positions["weight"].to_numpy()
    betas = factor_betas.reindex(index=book["risk_symbol"], columns=factors).set_axis(book.index, axis=0)
    resid = residual_volatility.reindex(book["risk_symbol"]).to_numpy(dtype=np.float64) ** 2
    modeled = (
        np.isfinite(betas.to_numpy(dtype=np.float64)).any(axis=1) & np.isfinite(weights) & (weights != 0)
    )
    if not modeled.any():
        # No weight (NAV <= 0) or no position with betas: the split is unknown, not zero.
        return {
            "total_risk": number(rc.total_risk),
            "factor_risk": None,
            "specific_risk": None,
            "model_total_risk": None,
            "observations": observations,
            "by_position": {
                col: numbers(rc.positions[col]) for col in ("weight", "mctr", "ctr", "ctr_percent")
            },
            "by_factor": [
                {
                    "factor": f,
                    "exposure": None,
                    "ctr": None,
                    "ctr_percent": None,
                    "contribution_to_factor_risk": None,
                }
                for f in factors
            ],
            "specific": {"ctr": None, "ctr_percent": None},
            "unmodeled": [
                str(pid)
                for pid, ok in zip(book.index, np.isfinite(betas.to_numpy()).any(axis=1), strict=True)
                if not ok
            ],
        }
    decomposition = factor_risk_decomposition(
        weights, betas, factor_cov_annual, resid, underlying=local, ids=tuple(book.index)
    )
    model_total = decomposition.total_risk
    by_factor = []
    for factor, row in decomposition.factors.iterrows():
        share = row["variance_percent"]
        by_factor.append(
            {
                "factor": str(factor),
                "exposure": number(row["exposure"]),
                "ctr": number(share / 100.0 * model_total),
                "ctr_percent": number(share),
                "contribution_to_factor_risk": number(row["contribution"]),
            }
        )
    specific_share = decomposition.specific_variance_percent
    return {
        "total_risk": number(rc.total_risk),
        "factor_risk": number(decomposition.factor_risk),
        "specific_risk": number(decomposition.specific_risk),
        "model_total_risk": number(model_total),
        "observations": observations,
        "by_position": {col: numbers(rc.positions[col]) for col in ("weight", "mctr", "ctr", "ctr_percent")},
        "by_factor": by_factor,
        "specific": {
            "ctr": number(specific_share / 100.0 * model_total),
            "ctr_percent": number(specific_share),
        },
        "unmodeled": [str(pid) for pid in decomposition.unmodeled],
    }


def beta_vs_spy(*, book: pd.DataFrame, capm_beta: pd.Series, nav: float) -> dict[str, Any]:
    """Exposure-weighted CAPM beta vs SPY: sum(e_i x beta_i) / NAV over positions with a beta.

    ``coverage``: share of sum |e| that has a beta; ``value`` None when no position has one (or
    NAV <= 0); an empty book (e.g. a view with no short position) has no beta: None.
    """
    if book.empty:
        return {"value": None, "coverage": None, "unmodeled": []}
    beta = capm_beta.reindex(book["risk_symbol"]).to_numpy(dtype=np.float64)
    e = book["exposure"].to_numpy(dtype=np.float64)
    ok = np.isfinite(beta) & np.isfinite(e)
    gross = float(np.abs(e[np.isfinite(e)]).sum())
    valid_nav = np.isfinite(nav) and nav > 0
    value = float((e[ok] * beta[ok]).sum() / nav) if ok.any() and valid_nav else None
    return {
        "value": value,
        "coverage": number(np.abs(e[ok]).sum() / gross) if gross > 0 else None,
        "unmodeled": [str(pid) for pid, flag in zip(book.index, ok, strict=True) if not flag],
    }


def average_correlation(*, book: pd.DataFrame, log_returns: pd.DataFrame) -> float | None:
    """Average pairwise correlation of the book's underlyings (engine 6's definition and
    thresholds), used for the longs / shorts views; None when fewer than 2 names qualify."""
    if book.empty:
        return None
    exposure = exposure_by_underlying(book["exposure"].to_numpy(), book["risk_symbol"].to_numpy())
    result = correlation_analysis(log_returns.reindex(columns=list(exposure.index)), exposure)
    return number(result.average_correlation)
