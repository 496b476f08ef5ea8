"""Tests of VaR/ES against empyrical and closed forms."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from analytics.engines.revaluation import PositionSet, model_values, revalue_pnl
from analytics.engines.var import (
    CONFIDENCES,
    compounded_returns,
    historical_var,
    monte_carlo_var,
    parametric_var,
    sample_covariance,
)

SIGMA_2X2 = np.array([[0.02**2, 0.3 * 0.02 * 0.015], [0.3 * 0.02 * 0.015, 0.015**2]])


def _returns_with_exact_cov(cov: np.ndarray, n: int = 252, seed: int = 3) -> np.ndarray:
    """Returns whose ddof=1 sample covariance is exactly ``cov``."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, cov.shape[0]))
    z -= z.mean(axis=0)
    z = z @ np.linalg.inv(np.linalg.cholesky(np.cov(z, rowvar=False))).T
    return z @ np.linalg.cholesky(cov).T


@pytest.fixture
def daily() -> np.ndarray:
    rng = np.random.default_rng(11)
    return rng.standard_t(df=4, size=(700, 2)) * 0.01


def test_historical_single_stock_equals_empyrical(daily: np.ndarray) -> None:
    value = 250_000.0
    book = PositionSet.build(quantity=[2500], price=[100.0])
    res = historical_var(book, daily[:, :1])
    last = daily[-500:, 0]
    assert res.observations == res.scenarios == 500
    for c in CONFIDENCES:
        # empyrical works on returns, signed: VaR/ES are minus value x its numbers
        np.testing.assert_allclose(res.var[c], -value * empyrical.value_at_risk(last, 1 - c), rtol=1e-10)
        np.testing.assert_allclose(
            res.es[c], -value * empyrical.conditional_value_at_risk(last, 1 - c), rtol=1e-10
        )
        assert res.es[c] >= res.var[c] > 0
        np.testing.assert_allclose(res.component_es[c].sum(), res.es[c])


def test_historical_short_book_sign(daily: np.ndarray) -> None:
    book = PositionSet.build(quantity=[-100], price=[100.0])
    res = historical_var(book, daily[:, :1])
    np.testing.assert_allclose(res.var[0.99], 10_000.0 * np.quantile(daily[-500:, 0], 0.99), rtol=1e-10)


def test_historical_ten_day_uses_overlapping_compounded_returns(daily: np.ndarray) -> None:
    book = PositionSet.build(quantity=[10, -5], price=[100.0, 80.0])
    res = historical_var(book, daily, horizon_days=10)
    window = daily[-500:]
    ten = np.array([np.prod(1 + window[i : i + 10], axis=0) - 1 for i in range(491)])
    np.testing.assert_allclose(compounded_returns(window, 10), ten, rtol=1e-12)
    pnl = ten @ np.array([1000.0, -400.0])
    assert res.scenarios == 491
    np.testing.assert_allclose(res.var[0.95], -np.quantile(pnl, 0.05), rtol=1e-10)


def test_historical_options_fully_revalued(daily: np.ndarray) -> None:
    book = PositionSet.build(
        quantity=[100, -2],
        price=[50.0, 50.0],
        multiplier=[1, 100],
        is_option=[False, True],
        strike=[np.nan, 50.0],
        expiry_years=[np.nan, 0.1],
        sigma=[np.nan, 0.3],
        is_call=True,
        underlying=[0, 0],
    )
    res = historical_var(book, daily[:, :1])
    pnl = revalue_pnl(book, daily[-500:, :1]).sum(axis=1)
    np.testing.assert_allclose(res.var[0.975], -np.quantile(pnl, 0.025), rtol=1e-12)


def test_historical_nan_rows_and_minimum_observations(daily: np.ndarray) -> None:
    data = daily.copy()
    data[-10:, 0] = np.nan
    data[:, 1] = np.nan  # unused column: must not drop rows
    book = PositionSet.build(quantity=[1], price=[100.0])
    assert historical_var(book, data).observations == 490
    short = historical_var(book, daily[:50, :1])
    assert short.observations == 50 and np.isnan(short.var[0.95])


def test_parametric_equals_z_sigma_on_2x2() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    cov, n = sample_covariance(returns)
    np.testing.assert_allclose(cov, SIGMA_2X2, atol=1e-15)
    assert n == 252
    book = PositionSet.build(quantity=[1000, -500], price=[100.0, 120.0])
    e = np.array([100_000.0, -60_000.0])
    sigma = np.sqrt(e @ SIGMA_2X2 @ e)
    res = parametric_var(book, returns)
    for c in CONFIDENCES:
        z = norm.ppf(c)
        np.testing.assert_allclose(res.var[c], z * sigma, rtol=1e-12)
        np.testing.assert_allclose(res.es[c], sigma * norm.pdf(z) / (1 - c), rtol=1e-12)
        np.testing.assert_allclose(res.component_var[c].sum(), res.var[c], rtol=1e-12)
        np.testing.assert_allclose(res.component_es[c].sum(), res.es[c], rtol=1e-12)
        np.testing.assert_allclose(
            res.component_var[c].to_numpy(), e * (SIGMA_2X2 @ e) / sigma * z, rtol=1e-12
        )
    np.testing.assert_allclose(res.var[0.95], 1.6448536269514722 * sigma, rtol=1e-12)


def test_parametric_ten_day_is_sqrt_ten_times_one_day() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    book = PositionSet.build(quantity=[1000, 300], price=[100.0, 120.0])
    one = parametric_var(book, returns)
    ten = parametric_var(book, returns, horizon_days=10)
    for c in CONFIDENCES:
        np.testing.assert_allclose(ten.var[c], np.sqrt(10) * one.var[c], rtol=1e-12)
        np.testing.assert_allclose(ten.component_var[c].sum(), ten.var[c], rtol=1e-12)


def test_parametric_options_share_their_underlying_and_components_sum() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    book = PositionSet.build(
        quantity=[100, 3, -200],
        price=[50.0, 50.0, 80.0],
        multiplier=[1, 100, 1],
        is_option=[False, True, False],
        strike=[np.nan, 55.0, np.nan],
        expiry_years=[np.nan, 0.3, np.nan],
        sigma=[np.nan, 0.25, np.nan],
        underlying=[0, 0, 1],
    )
    exposures = np.array([5000.0, 4000.0, -16_000.0])
    res = parametric_var(book, returns, exposures=exposures)
    e_u = np.array([9000.0, -16_000.0])
    np.testing.assert_allclose(res.var[0.99], norm.ppf(0.99) * np.sqrt(e_u @ SIGMA_2X2 @ e_u))
    np.testing.assert_allclose(res.component_var[0.99].sum(), res.var[0.99], rtol=1e-12)


def test_parametric_zero_exposure_and_short_history() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    book = PositionSet.build(quantity=[0, 0], price=[1.0, 1.0])
    res = parametric_var(book, returns)
    assert res.var[0.95] == 0.0 and res.component_var[0.95].isna().all()
    short = parametric_var(PositionSet.build(quantity=[1], price=[1.0]), returns[:30, :1])
    assert np.isnan(short.var[0.99]) and short.observations == 30


def test_monte_carlo_seeded_and_close_to_parametric() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    book = PositionSet.build(quantity=[1000, -500], price=[100.0, 120.0])
    a = monte_carlo_var(book, returns, seed=42)
    b = monte_carlo_var(book, returns, seed=42)
    p = parametric_var(book, returns)
    assert a.var == b.var and a.scenarios == 10_000
    for c in CONFIDENCES:
        np.testing.assert_allclose(a.var[c], p.var[c], rtol=0.05)
        np.testing.assert_allclose(a.es[c], p.es[c], rtol=0.06)
    ten = monte_carlo_var(book, returns, seed=42, horizon_days=10)
    np.testing.assert_allclose(ten.var[0.95], np.sqrt(10) * a.var[0.95], rtol=1e-9)


def test_monte_carlo_with_options_has_convex_tail() -> None:
    returns = _returns_with_exact_cov(SIGMA_2X2)
    long_put = PositionSet.build(
        quantity=[10],
        price=[100.0],
        multiplier=100,
        is_option=True,
        strike=95.0,
        expiry_years=0.25,
        sigma=0.3,
        is_call=False,
    )
    res = monte_carlo_var(long_put, pd.DataFrame(returns[:, :1]), seed=1)
    # a long put cannot lose more than its premium
    assert res.var[0.99] <= model_values(long_put)[0] + 1e-9
    assert np.isfinite(res.es[0.99]) and res.component_var is None
