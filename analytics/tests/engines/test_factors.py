"""Factor engine against statsmodels OLS, known simulated betas and hand calculations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.engines.factors import (
    DEFAULT_FACTOR_ETFS,
    MACRO_FACTORS,
    STATUS_INSUFFICIENT,
    STATUS_OK,
    STATUS_SINGULAR,
    capm_beta,
    factor_correlation,
    factor_regressors,
    fit_factor_model,
    macro_regressors,
    macro_sensitivities,
    portfolio_factor_exposure,
    portfolio_factor_exposures,
    position_betas,
)

FACTORS = list(DEFAULT_FACTOR_ETFS)
ETFS = list(DEFAULT_FACTOR_ETFS.values())


def _etf_returns(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    market = rng.normal(0.0004, 0.011, n)
    cols = {"SPY": market}
    for etf, scale in zip(ETFS[1:], (0.004, 0.006, 0.007, 0.003, 0.008, 0.004), strict=True):
        cols[etf] = market * rng.uniform(0.8, 1.2) + rng.normal(0, scale, n)
    return pd.DataFrame(cols, index=pd.bdate_range("2023-01-02", periods=n))


def _stock_returns(x: pd.DataFrame, betas: np.ndarray, noise: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    y = 0.0002 + x.to_numpy() @ betas + rng.normal(0, noise, (len(x), betas.shape[1]))
    return pd.DataFrame(y, index=x.index, columns=[f"S{i}" for i in range(betas.shape[1])])


def _statsmodels(y: pd.Series, x: pd.DataFrame) -> sm.regression.linear_model.RegressionResults:
    data = pd.concat([y, x], axis=1, sort=True).dropna()
    return sm.OLS(data.iloc[:, 0], sm.add_constant(data.iloc[:, 1:])).fit()


def test_regressors_are_market_and_spreads() -> None:
    etfs = _etf_returns(10)
    x = factor_regressors(etfs)
    assert list(x.columns) == FACTORS
    np.testing.assert_array_equal(x["Market"], etfs["SPY"])
    np.testing.assert_array_equal(x["Value"], etfs["VTV"] - etfs["SPY"])
    np.testing.assert_array_equal(x["Low Volatility"], etfs["USMV"] - etfs["SPY"])
    custom = factor_regressors(etfs, {"Market": "SPY", "Small": "IWM"})
    np.testing.assert_array_equal(custom["Small"], etfs["IWM"] - etfs["SPY"])
    assert factor_regressors(etfs.drop(columns="MTUM"))["Momentum"].isna().all()


def test_matches_statsmodels_with_missing_data() -> None:
    # given: 300 dates, symbols with different NaN patterns (some shared), regressor gaps
    x = factor_regressors(_etf_returns(300))
    x.iloc[[10, 200], 2] = np.nan
    rng = np.random.default_rng(11)
    y = _stock_returns(x.fillna(0.0), rng.normal(0.5, 0.6, (7, 6)), 0.012, 5)
    y.iloc[[100, 150, 280], 1] = np.nan
    y.iloc[[100, 150, 280], 2] = np.nan  # same pattern as S1 -> solved in the same batch
    y.iloc[:230, 3] = np.nan  # 70 dates left
    y.iloc[::7, 4] = np.nan
    fit = fit_factor_model(y, x, window=252, min_obs=60)
    assert (fit.status == STATUS_OK).all()
    for symbol in y.columns:
        ref = _statsmodels(y[symbol].iloc[-252:], x.iloc[-252:])
        np.testing.assert_allclose(fit.betas.loc[symbol], ref.params.iloc[1:], rtol=0, atol=1e-8)
        np.testing.assert_allclose(fit.t_stats.loc[symbol], ref.tvalues.iloc[1:], rtol=1e-8, atol=1e-8)
        np.testing.assert_allclose(fit.p_values.loc[symbol], ref.pvalues.iloc[1:], rtol=0, atol=1e-8)
        assert fit.alpha[symbol] == pytest.approx(ref.params.iloc[0], abs=1e-10)
        assert fit.r_squared[symbol] == pytest.approx(ref.rsquared, abs=1e-8)
        assert fit.n_obs[symbol] == ref.nobs
        assert fit.resid_std[symbol] == pytest.approx(np.sqrt(ref.scale), abs=1e-10)
        np.testing.assert_allclose(fit.residuals[symbol].dropna(), ref.resid, atol=1e-10)
    assert fit.n_obs["S3"] == 70
    long = fit.to_long()
    assert long.loc[("S0", "Value"), "beta"] == fit.betas.loc["S0", "Value"]
    assert len(long) == 6 * 7


def test_insufficient_history_is_flagged() -> None:
    x = factor_regressors(_etf_returns(300))
    y = _stock_returns(x, np.ones((7, 3)), 0.01, 1)
    y.iloc[:-59, 0] = np.nan  # 59 usable dates
    y.iloc[:-60, 1] = np.nan  # exactly 60
    fit = fit_factor_model(y, x)
    assert fit.status["S0"] == STATUS_INSUFFICIENT and fit.n_obs["S0"] == 59
    assert fit.betas.loc["S0"].isna().all() and np.isnan(fit.r_squared["S0"])
    assert fit.status["S1"] == STATUS_OK and fit.n_obs["S1"] == 60
    assert fit.betas.loc["S1"].notna().all()


def test_window_uses_the_last_252_dates() -> None:
    x = factor_regressors(_etf_returns(400))
    old = _stock_returns(x, np.full((7, 1), 3.0), 0.001, 2)
    new = _stock_returns(x, np.full((7, 1), 1.0), 0.001, 2)
    y = pd.concat([old.iloc[:148], new.iloc[148:]])  # the regime changes 252 dates before the end
    fit = fit_factor_model(y, x, window=252)
    assert fit.n_obs["S0"] == 252
    np.testing.assert_allclose(fit.betas.loc["S0"], 1.0, atol=0.05)
    ref = _statsmodels(y["S0"].iloc[-252:], x.iloc[-252:])
    np.testing.assert_allclose(fit.betas.loc["S0"], ref.params.iloc[1:], atol=1e-8)
    assert fit.residuals.index[0] == x.index[-252]


def test_simulated_known_betas_are_recovered() -> None:
    etfs = _etf_returns(252, seed=21)
    x = factor_regressors(etfs)
    true = np.array(
        [
            [1.1, 0.8, 1.4, 0.6],
            [0.4, -0.3, 0.0, 0.9],
            [-0.5, 0.2, 0.7, 0.0],
            [0.3, 0.0, -0.4, 0.5],
            [0.0, 0.6, 0.2, -0.2],
            [0.5, -0.5, 0.3, 0.8],
            [-0.2, 0.4, 0.0, 0.6],
        ]
    )
    y = _stock_returns(x, true, 0.002, 9)
    fit = fit_factor_model(y, x)
    np.testing.assert_allclose(fit.betas.to_numpy(), true.T, atol=0.12)
    assert (fit.r_squared > 0.9).all()


def test_degenerate_designs_and_exact_fits_are_nan_not_errors() -> None:
    x = factor_regressors(_etf_returns(100))
    x_const = x.assign(Value=0.001)  # constant regressor: collinear with the intercept
    y = _stock_returns(x, np.ones((7, 1)), 0.01, 4)
    assert fit_factor_model(y, x_const).status["S0"] == STATUS_SINGULAR
    exact = pd.DataFrame({"E": 0.001 + 1.5 * x["Market"]})  # no noise at all
    fit = capm_beta(exact, x["Market"])
    assert fit.betas.loc["E", "Market"] == pytest.approx(1.5)
    assert fit.r_squared["E"] == pytest.approx(1.0)
    assert np.isnan(fit.t_stats.loc["E", "Market"])  # exact fit: no finite t-stat
    assert np.isnan(fit.p_values.loc["E", "Market"])
    flat = capm_beta(pd.DataFrame({"F": np.zeros(100)}, index=x.index), x["Market"])
    assert np.isnan(flat.r_squared["F"])  # zero variance: R^2 undefined -> NaN
    assert flat.betas.loc["F", "Market"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(flat.t_stats.loc["F", "Market"])


def test_capm_beta_matches_statsmodels() -> None:
    etfs = _etf_returns(300)
    x = factor_regressors(etfs)
    y = _stock_returns(x, np.full((7, 2), 0.7), 0.01, 6)
    fit = capm_beta(y, etfs["SPY"], window=252)
    assert fit.factors == ("Market",)
    for symbol in y.columns:
        ref = _statsmodels(y[symbol].iloc[-252:], etfs[["SPY"]].iloc[-252:])
        assert fit.betas.loc[symbol, "Market"] == pytest.approx(ref.params.iloc[1], abs=1e-10)
        assert fit.p_values.loc[symbol, "Market"] == pytest.approx(ref.pvalues.iloc[1], abs=1e-10)
        assert fit.r_squared[symbol] == pytest.approx(ref.rsquared, abs=1e-10)
    series_fit = capm_beta(y["S0"].rename(None), etfs["SPY"])
    assert series_fit.betas.index.tolist() == ["portfolio"]


def test_macro_sensitivities_on_style_residuals() -> None:
    etfs = _etf_returns(300)
    x = factor_regressors(etfs)
    rng = np.random.default_rng(8)
    dates = x.index
    dgs10 = pd.Series(0.04 + np.cumsum(rng.normal(0, 0.0006, 300)), index=dates)
    uso = pd.Series(rng.normal(0, 0.02, 300), index=dates)
    ewg = pd.Series(rng.normal(0, 0.012, 300), index=dates)
    macro = macro_regressors(dgs10.drop(dates[50]), uso, ewg)
    assert list(macro.columns) == list(MACRO_FACTORS)
    # the change after a missing FRED day is taken versus the previous available level
    assert macro.loc[dates[51], "Interest Rate"] == pytest.approx(dgs10.iloc[51] - dgs10.iloc[49])
    assert np.isnan(macro.loc[dates[50], "Interest Rate"])
    y = _stock_returns(x, np.ones((7, 2)), 0.01, 12)
    y["S0"] += -3.0 * macro["Interest Rate"].fillna(0.0) + 0.4 * uso
    style = fit_factor_model(y, x)
    fit = macro_sensitivities(style.residuals, macro)
    for symbol in y.columns:
        ref = _statsmodels(style.residuals[symbol], macro)
        np.testing.assert_allclose(fit.betas.loc[symbol], ref.params.iloc[1:], atol=1e-8)
        np.testing.assert_allclose(fit.t_stats.loc[symbol], ref.tvalues.iloc[1:], atol=1e-8)
        assert fit.n_obs[symbol] == ref.nobs
    assert fit.betas.loc["S0", "Oil"] == pytest.approx(0.4, abs=0.1)


def test_factor_correlation_warnings_and_condition_number() -> None:
    x = factor_regressors(_etf_returns(300))
    x["Quality"] = 0.9 * x["Growth"] + 0.0005 * np.random.default_rng(2).normal(size=300)
    result = factor_correlation(x, window=252)
    names, matrix, cond, warnings = result
    reference = np.corrcoef(x.iloc[-252:].to_numpy(), rowvar=False)
    np.testing.assert_allclose(matrix, reference, atol=1e-12)
    assert names == FACTORS
    assert cond == pytest.approx(np.linalg.cond(reference), rel=1e-9)
    flagged = {(w["factor_1"], w["factor_2"]) for w in warnings}
    expected = {(names[i], names[j]) for i in range(7) for j in range(i + 1, 7) if abs(reference[i, j]) > 0.8}
    assert flagged == expected and ("Growth", "Quality") in flagged
    short = factor_correlation(x.iloc[:20])
    assert np.isnan(short.matrix).all() and np.isnan(short.condition_number)


def test_portfolio_factor_exposure_by_hand() -> None:
    betas = pd.DataFrame(
        {"Market": [1.2, 0.8, np.nan], "Value": [-0.5, 0.3, np.nan]}, index=["AAPL", "XOM", "NEWCO"]
    )
    # positions: AAPL stock, AAPL call (underlying's betas), XOM short stock, NEWCO (no betas)
    underlying = pd.Series(["AAPL", "AAPL", "XOM", "NEWCO"], index=[1, 2, 3, 4])
    per_position = position_betas(betas, underlying)
    assert per_position.loc[2, "Market"] == 1.2
    exposure = pd.Series([50_000.0, 20_000.0, -30_000.0, 10_000.0], index=[1, 2, 3, 4])
    result = portfolio_factor_exposure(exposure, per_position, nav=100_000.0)
    # Market: 1.2 x 70,000 + 0.8 x -30,000 = 84,000 - 24,000 = 60,000
    # Value: -0.5 x 70,000 + 0.3 x -30,000 = -35,000 - 9,000 = -44,000
    assert result.exposure_dollar["Market"] == pytest.approx(60_000)
    assert result.exposure_dollar["Value"] == pytest.approx(-44_000)
    assert result.exposure["Market"] == pytest.approx(0.60)
    assert result.exposure["Value"] == pytest.approx(-0.44)
    assert result.missing == (4,)
    assert result.coverage == pytest.approx(100_000 / 110_000)
    assert portfolio_factor_exposure(exposure, per_position, nav=-5.0).exposure.isna().all()
    many = portfolio_factor_exposures(
        exposure,
        per_position,
        pd.Series({"p1": 100_000.0, "p2": 50_000.0}),
        pd.Series(["p1", "p1", "p2", "p2"], index=[1, 2, 3, 4]),
    )
    assert many.loc[("p1", "Market"), "exposure_dollar"] == pytest.approx(84_000)
    assert many.loc[("p2", "Value"), "exposure"] == pytest.approx(-9_000 / 50_000)
    assert many.loc[("p2", "Value"), "coverage"] == pytest.approx(30_000 / 40_000)
