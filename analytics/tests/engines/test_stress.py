"""Tests of the factor stress-test engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engines.black_scholes import bsm_price
from analytics.engines.revaluation import PositionSet
from analytics.engines.stress import (
    STRESS_VARIABLES,
    Scenario,
    conditional_factor_moves,
    ewma_covariance,
    run_stress_tests,
    severity,
    stress_variables,
)


@pytest.fixture
def cov() -> pd.DataFrame:
    """A positive-definite covariance of the 11 stress variables from seeded data."""
    rng = np.random.default_rng(7)
    loadings = rng.normal(0, 0.01, size=(11, 11)) + np.eye(11) * 0.01
    data = rng.normal(size=(400, 11)) @ loadings.T
    frame = pd.DataFrame(data, columns=list(STRESS_VARIABLES))
    return ewma_covariance(frame)


def test_ewma_matches_riskmetrics_recursion() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 0.01, size=(300, 3))
    got = ewma_covariance(pd.DataFrame(x, columns=list("abc"))).to_numpy()
    # given the recursion started from zero over the last 252 rows, rescaled by the weights' sum
    s = np.zeros((3, 3))
    for row in x[-252:]:
        s = 0.94 * s + 0.06 * np.outer(row, row)
    np.testing.assert_allclose(got, s / (1 - 0.94**252), rtol=1e-12)


def test_ewma_pairwise_missing_and_minimum_observations() -> None:
    rng = np.random.default_rng(2)
    x = pd.DataFrame(rng.normal(size=(252, 2)), columns=["a", "b"])
    x.iloc[:200, 1] = np.nan  # b has only 52 observations
    cov = ewma_covariance(x)
    assert np.isfinite(cov.loc["a", "a"]) and np.isnan(cov.loc["a", "b"])
    assert np.isnan(cov.loc["b", "b"])


def test_conditional_expectation_two_variables() -> None:
    s1, s2, rho = 0.02, 0.03, 0.6
    cov = np.array([[s1**2, rho * s1 * s2], [rho * s1 * s2, s2**2]])
    moves = conditional_factor_moves(cov, ["x1", "x2"], {"x1": -0.10})
    assert moves["x1"] == -0.10
    np.testing.assert_allclose(moves["x2"], rho * s2 / s1 * -0.10, rtol=1e-12)


def test_conditional_expectation_robust_and_validated(cov: pd.DataFrame) -> None:
    names = list(cov.index)
    assert all(v == 0.0 for v in conditional_factor_moves(cov, names, {}).values())
    # singular: two identical variables shocked consistently
    singular = np.ones((2, 2)) * 1e-4
    moves = conditional_factor_moves(singular, ["a", "b"], {"a": 0.05})
    np.testing.assert_allclose(moves["b"], 0.05)
    zero = conditional_factor_moves(np.zeros((2, 2)), ["a", "b"], {"a": 0.05})
    assert zero == {"a": 0.05, "b": 0.0}
    with pytest.raises(KeyError):
        conditional_factor_moves(cov, names, {"Nope": 0.1})
    with pytest.raises(ValueError):
        conditional_factor_moves(cov, names, {"Market": float("nan")})


def test_stress_variables_definitions() -> None:
    idx = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04"])
    etf = pd.DataFrame(
        {
            "SPY": [0.01, -0.02, 0.0],
            "VTV": [0.02, -0.01, 0.01],
            "USO": [0.05, 0.0, 0.0],
            "EWG": [0.0, 0.01, 0.0],
        },
        index=idx,
    )
    dgs10 = pd.Series(
        [0.040, 0.041, 0.0405], index=pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-04"])
    )
    vix = pd.Series([10.0, 15.0, 12.0], index=idx)
    out = stress_variables(etf, dgs10, vix)
    assert list(out.columns) == list(STRESS_VARIABLES)
    np.testing.assert_allclose(out["Value"], [0.01, 0.01, 0.01])
    np.testing.assert_allclose(out["Interest Rate"], [0.001, np.nan, -0.0005])
    # the Volatility regressor is the log change of the VIX, log(1 + relative change): 10 -> 15
    # is log(1.5) (a +50 % move), 15 -> 12 is log(0.8) (-20 %), so a move is exp(x) - 1 > -100 %
    np.testing.assert_allclose(out["Volatility"], [np.nan, np.log(1.5), np.log(0.8)], rtol=1e-12)
    assert out["Growth"].isna().all()


@pytest.mark.parametrize(
    ("impact", "expected"),
    [
        (1.0, "positive"),
        (0.0, "mild"),
        (-4999.99, "mild"),
        (-5000.0, "moderate"),
        (-14999.99, "moderate"),
        (-15000.0, "severe"),
        (-34999.99, "severe"),
        (-35000.0, "extreme"),
        (-200000.0, "extreme"),
    ],
)
def test_severity_bands_at_edges(impact: float, expected: str) -> None:
    assert severity(impact, 100_000.0) == expected


def test_severity_undefined() -> None:
    assert severity(float("nan"), 1e5) is None
    assert severity(-10.0, 0.0) is None
    assert severity(10.0, -5.0) == "positive"


def _betas(rows: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(STRESS_VARIABLES))


def test_long_only_book_cannot_lose_more_than_its_value(cov: pd.DataFrame) -> None:
    # given a long-only unlevered stock book with high betas
    book = PositionSet.build(quantity=[100, 50, 10], price=[100.0, 40.0, 500.0])
    sens = _betas([{"Market": 2.5}, {"Market": 1.8, "Size": 1.5}, {"Market": 3.0, "Oil": 2.0}])
    value = 100 * 100 + 50 * 40 + 10 * 500
    scenarios = [
        Scenario("crash", "Crash", shocks={"Market": -5.0}),
        Scenario("combo", "Combo", shocks={"Market": -0.9, "Size": -3.0, "Oil": -4.0}),
    ]
    # when
    results = run_stress_tests(scenarios, cov, book, sens, nav=value)
    # then every position is floored at -100 % and the book at -NAV
    for res in results:
        assert res.total_pnl >= -value - 1e-9
        assert (res.positions["underlying_return"] >= -1.0).all()
    np.testing.assert_allclose(results[0].total_pnl, -value)
    assert results[0].severity == "extreme"
    np.testing.assert_allclose(results[0].impact_percent, -100.0)


def test_option_scenarios_calls_and_puts(cov: pd.DataFrame) -> None:
    # short 5 calls and long 5 puts on a beta-1 stock at 100
    book = PositionSet.build(
        quantity=[-5, 5],
        price=[100.0, 100.0],
        multiplier=100,
        is_option=True,
        strike=[105.0, 95.0],
        expiry_years=0.2,
        rate=0.03,
        sigma=0.25,
        is_call=[True, False],
        ids=["short call", "long put"],
    )
    sens = _betas([{"Market": 1.0}, {"Market": 1.0}])
    up, down = run_stress_tests(
        [Scenario("up", "Up", shocks={"Market": 0.10}), Scenario("down", "Down", shocks={"Market": -0.10})],
        cov,
        book,
        sens,
        nav=1e6,
    )
    assert up.positions.loc["short call", "pnl"] < 0
    assert down.positions.loc["long put", "pnl"] > 0
    # exact full revaluation with the conditional vol move and the conditional Interest Rate
    # move as a parallel shift of r (r + move): the Market shock also moves rates through the
    # covariance, and options are repriced at the shifted rate (stocks are not)
    vol_move = down.factor_moves["Volatility"]
    rate = 0.03 + down.factor_moves["Interest Rate"]
    expected = (
        5
        * 100
        * (
            bsm_price(90.0, 95.0, 0.2, rate, 0.0, 0.25 * (1 + vol_move), False)
            - bsm_price(100.0, 95.0, 0.2, 0.03, 0.0, 0.25, False)
        )
    )
    np.testing.assert_allclose(down.positions.loc["long put", "pnl"], expected, rtol=1e-12)


def test_vix_spike_scales_implied_vol(cov: pd.DataFrame) -> None:
    book = PositionSet.build(
        quantity=[1],
        price=[100.0],
        multiplier=100,
        is_option=True,
        strike=100.0,
        expiry_years=0.5,
        sigma=0.2,
        is_call=True,
    )
    # Market and Interest Rate pinned at 0 (r enters option values as r + the rate move), so
    # only the Volatility shock acts on the option
    (res,) = run_stress_tests(
        [Scenario("v", "Vol", shocks={"Volatility": 1.5, "Market": 0.0, "Interest Rate": 0.0})],
        cov,
        book,
        _betas([{"Market": 1.0}]),
        nav=1e5,
    )
    expected = 100 * (
        bsm_price(100.0, 100.0, 0.5, 0.0, 0.0, 0.5, True) - bsm_price(100.0, 100.0, 0.5, 0.0, 0.0, 0.2, True)
    )
    np.testing.assert_allclose(res.total_pnl, expected, rtol=1e-12)
    assert res.severity == "positive"


def test_bond_like_position_loses_when_rates_rise(cov: pd.DataFrame) -> None:
    book = PositionSet.build(quantity=[1000], price=[100.0], ids=["TLT"])
    sens = _betas([{"Market": 0.0, "Interest Rate": -17.0}])
    (res,) = run_stress_tests(
        [Scenario("r", "Rates +100bp", shocks={"Interest Rate": 0.01})], cov, book, sens, nav=100_000.0
    )
    np.testing.assert_allclose(res.positions.loc["TLT", "underlying_return"], -0.17)
    np.testing.assert_allclose(res.total_pnl, -17_000.0)
    assert res.severity == "severe"


def test_conditional_moves_drive_unshocked_factors(cov: pd.DataFrame) -> None:
    # a pure Size-beta stock moves in a Market-only scenario through the conditional move
    book = PositionSet.build(quantity=[10], price=[100.0])
    (res,) = run_stress_tests(
        [Scenario("m", "M", shocks={"Market": -0.1})], cov, book, _betas([{"Size": 1.0}]), nav=1000.0
    )
    c = cov.to_numpy()
    i, j = STRESS_VARIABLES.index("Size"), STRESS_VARIABLES.index("Market")
    np.testing.assert_allclose(res.factor_moves["Size"], c[i, j] / c[j, j] * -0.1)
    np.testing.assert_allclose(res.total_pnl, 1000.0 * res.factor_moves["Size"])


def test_unmodeled_position_is_excluded_and_listed(cov: pd.DataFrame) -> None:
    book = PositionSet.build(quantity=[10, 10], price=[100.0, 50.0], ids=["A", "NEW"])
    sens = _betas([{"Market": 1.0}, {}])
    (res,) = run_stress_tests([Scenario("m", "M", shocks={"Market": -0.1})], cov, book, sens, nav=1500.0)
    assert res.unmodeled == ("NEW",)
    np.testing.assert_allclose(res.total_pnl, -100.0)
    assert np.isnan(res.positions.loc["NEW", "pnl"])


def test_scenario_is_read_only() -> None:
    scenario = Scenario("x", "X", "market", "desc", {"Market": -0.1})
    with pytest.raises(TypeError):
        scenario.shocks["Market"] = 0.0  # type: ignore[index]
