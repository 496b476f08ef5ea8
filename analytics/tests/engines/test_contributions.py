"""Tests of Euler risk contributions and the factor/specific split."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.engines.contributions import (
    annualized_covariance,
    factor_risk_decomposition,
    risk_contributions,
)

COV = np.array([[0.04, 0.012, -0.006], [0.012, 0.09, 0.0], [-0.006, 0.0, 0.0225]])


def test_ctr_sum_to_total_risk() -> None:
    exposures = np.array([400_000.0, 250_000.0, -150_000.0])
    nav = 1_000_000.0
    res = risk_contributions(exposures, nav, COV, ids=["A", "B", "C"])
    w = exposures / nav
    sigma = np.sqrt(w @ COV @ w)
    np.testing.assert_allclose(res.total_risk, sigma, rtol=1e-12)
    np.testing.assert_allclose(res.positions["ctr"].sum(), sigma, rtol=1e-12)
    np.testing.assert_allclose(res.positions["ctr_percent"].sum(), 100.0, rtol=1e-12)
    np.testing.assert_allclose(res.positions["mctr"], COV @ w / sigma, rtol=1e-12)
    np.testing.assert_allclose(res.positions["weight"], w)
    assert list(res.positions.index) == ["A", "B", "C"]


def test_positions_sharing_an_underlying() -> None:
    # a stock and an option on it (delta exposure) plus a second stock
    exposures = np.array([300_000.0, 100_000.0, 200_000.0])
    res = risk_contributions(exposures, 1e6, COV[:2, :2], underlying=[0, 0, 1])
    w_u = np.array([0.4, 0.2])
    sigma = np.sqrt(w_u @ COV[:2, :2] @ w_u)
    np.testing.assert_allclose(res.total_risk, sigma)
    np.testing.assert_allclose(res.positions["ctr"].sum(), sigma, rtol=1e-12)
    np.testing.assert_allclose(res.positions["mctr"].iloc[0], res.positions["mctr"].iloc[1])


def test_degenerate_inputs_are_nan_not_errors() -> None:
    res = risk_contributions(np.array([0.0, 0.0]), 1e6, COV[:2, :2])
    assert res.total_risk == 0.0 and res.positions["mctr"].isna().all()
    bad_nav = risk_contributions(np.array([1.0, 2.0]), 0.0, COV[:2, :2])
    assert np.isnan(bad_nav.total_risk) and bad_nav.positions["weight"].isna().all()


def test_annualized_covariance_is_252_times_daily() -> None:
    rng = np.random.default_rng(5)
    r = rng.normal(0, 0.01, size=(300, 2))
    np.testing.assert_allclose(annualized_covariance(r), np.cov(r[-252:], rowvar=False) * 252)
    assert np.isnan(annualized_covariance(r[:20])).all()


def test_factor_and_specific_split() -> None:
    names = ["Market", "Size"]
    f = pd.DataFrame([[0.03, 0.004], [0.004, 0.01]], index=names, columns=names)
    betas = pd.DataFrame({"Size": [0.2, -0.4, 0.5], "Market": [1.1, 0.8, 1.0]})
    w = np.array([0.5, 0.3, 0.2])
    resid = np.array([0.04, 0.09, 0.0625])
    res = factor_risk_decomposition(w, betas, f, resid)
    b = betas[names].to_numpy().T @ w
    factor = np.sqrt(b @ f.to_numpy() @ b)
    specific = np.sqrt(np.sum(w**2 * resid))
    np.testing.assert_allclose(res.factor_risk, factor, rtol=1e-12)
    np.testing.assert_allclose(res.specific_risk, specific, rtol=1e-12)
    np.testing.assert_allclose(res.total_risk**2, factor**2 + specific**2, rtol=1e-12)
    np.testing.assert_allclose(res.factors["exposure"], b)
    np.testing.assert_allclose(res.factors["contribution"].sum(), factor, rtol=1e-12)
    np.testing.assert_allclose(res.factors["variance_percent"].sum() + res.specific_variance_percent, 100.0)
    assert res.unmodeled == ()


def test_specific_risk_of_a_stock_and_its_option_adds_up() -> None:
    names = ["Market"]
    f = pd.DataFrame([[0.03]], index=names, columns=names)
    betas = pd.DataFrame({"Market": [1.2, 1.2, np.nan]})
    res = factor_risk_decomposition(
        [0.3, 0.2, 0.1], betas, f, [0.05, 0.05, 0.5], underlying=[0, 0, 1], ids=["X", "X call", "NEW"]
    )
    # same residual for the stock and its option: (0.3 + 0.2)^2 x 0.05
    np.testing.assert_allclose(res.specific_risk, np.sqrt(0.25 * 0.05))
    np.testing.assert_allclose(res.factors.loc["Market", "exposure"], 0.6)
    assert res.unmodeled == ("NEW",)
