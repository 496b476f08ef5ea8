"""Stress engine fidelity for options books: log-space Volatility, VIX options, rates in r,
isolated vs conditional propagation (DESIGN "Stress tests")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics.engines.black_scholes import bsm_greeks, bsm_price
from analytics.engines.revaluation import PositionSet
from analytics.engines.stress import (
    FACTOR_ETFS,
    STRESS_VARIABLES,
    Scenario,
    conditional_factor_moves,
    ewma_covariance,
    run_stress_tests,
    stress_variables,
)

#: A copy of the scenario library (data/stress_scenarios.csv, seeded by migration 0005).
LIBRARY_CSV = Path(__file__).with_name("data") / "stress_scenarios.csv"


def _library() -> list[tuple[str, dict[str, float]]]:
    with LIBRARY_CSV.open(newline="") as fh:
        return [(row["id"], json.loads(row["shocks"])) for row in csv.DictReader(fh)]


@pytest.fixture(scope="module")
def market_cov() -> pd.DataFrame:
    """EWMA covariance of the 11 variables built like the batch builds it (``stress_variables``
    of ETF returns, DGS10 and VIX *levels*), from seeded synthetic data with realistic scales:
    SPY daily sd 1.1 %, VIX log changes sd 7 % with correlation -0.75 to SPY (the VIX falls when
    SPY rises), DGS10 daily changes sd 6 bp with correlation +0.5 to SPY. With seed 5 the EWMA
    sample correlations (Market-Rate 0.51, Volatility-Rate -0.43, Market-Volatility -0.77) are
    close to the true ones (0.5, -0.375, -0.75)."""
    rng = np.random.default_rng(5)
    n = 400
    z = rng.normal(size=(n, 11))
    spy = 0.011 * z[:, 0]
    idx = pd.bdate_range("2023-01-02", periods=n)
    etf = {"SPY": spy}
    styles = [(0.9, 0.003), (1.1, 0.003), (1.05, 0.005), (1.0, 0.002), (1.2, 0.006), (0.7, 0.003)]
    for k, (sym, (beta, sd)) in enumerate(zip(list(FACTOR_ETFS.values())[1:], styles, strict=True)):
        etf[sym] = beta * spy + sd * z[:, 1 + k]
    etf["USO"] = 0.6 * spy + 0.021 * z[:, 7]
    etf["EWG"] = 0.83 * spy + 0.0093 * z[:, 8]
    log_vix = np.cumsum(0.07 * (-0.75 * z[:, 0] + np.sqrt(1 - 0.75**2) * z[:, 9]))
    d_rate = 0.0006 * (0.5 * z[:, 0] + np.sqrt(1 - 0.5**2) * z[:, 10])
    variables = stress_variables(
        pd.DataFrame(etf, index=idx),
        pd.Series(0.042 + np.cumsum(d_rate), index=idx),
        pd.Series(18.0 * np.exp(log_vix), index=idx),
    )
    return ewma_covariance(variables)


def _betas(rows: list[dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame(rows).reindex(columns=list(STRESS_VARIABLES))


# --- Volatility in log space -----------------------------------------------------------------


@pytest.mark.parametrize(("scenario_id", "shocks"), _library())
def test_library_conditional_volatility_stays_above_minus_100(
    market_cov: pd.DataFrame, scenario_id: str, shocks: dict[str, float]
) -> None:
    moves = conditional_factor_moves(market_cov, STRESS_VARIABLES, shocks)
    assert moves["Volatility"] > -1.0, scenario_id


@pytest.mark.parametrize("rate", [0.03, 0.04, 0.10])
def test_custom_rate_spike_cannot_drive_the_vix_negative(market_cov: pd.DataFrame, rate: float) -> None:
    # a linear model on this covariance gives -132 % (+300 bp) and -176 % (+400 bp): a negative VIX
    moves = conditional_factor_moves(market_cov, STRESS_VARIABLES, {"Interest Rate": rate})
    c = market_cov.loc[["Volatility", "Interest Rate"], ["Volatility", "Interest Rate"]].to_numpy()
    np.testing.assert_allclose(moves["Volatility"], np.expm1(c[0, 1] / c[1, 1] * rate), rtol=1e-9)
    assert -1.0 < moves["Volatility"] < 0.0


def test_volatility_is_conditioned_on_in_log_space() -> None:
    # cov of (Market, log VIX change): a Volatility shock s conditions as log(1 + s) and the
    # conditional Volatility move is exp(x) - 1
    sm, sv, rho = 0.01, 0.07, -0.75
    cov = pd.DataFrame(
        [[sm**2, rho * sm * sv], [rho * sm * sv, sv**2]],
        index=["Market", "Volatility"],
        columns=["Market", "Volatility"],
    )
    names = ["Market", "Volatility"]
    up = conditional_factor_moves(cov, names, {"Volatility": 1.5})
    assert up["Volatility"] == 1.5
    np.testing.assert_allclose(up["Market"], rho * sm / sv * np.log(2.5), rtol=1e-12)
    down = conditional_factor_moves(cov, names, {"Market": 0.2})
    np.testing.assert_allclose(down["Volatility"], np.expm1(rho * sv / sm * 0.2), rtol=1e-12)
    assert down["Market"] == 0.2


@pytest.mark.parametrize("shock", [-1.0, -1.5])
def test_volatility_shock_of_minus_100_or_below_is_rejected(market_cov: pd.DataFrame, shock: float) -> None:
    with pytest.raises(ValueError, match="above -1"):
        conditional_factor_moves(market_cov, STRESS_VARIABLES, {"Volatility": shock})
    with pytest.raises(ValueError, match="above -1"):
        conditional_factor_moves(market_cov, STRESS_VARIABLES, {"Volatility": shock}, propagation="isolated")
    book = PositionSet.build(quantity=[1], price=[100.0])
    with pytest.raises(ValueError, match="above -1"):
        run_stress_tests(
            [Scenario("v", "V", shocks={"Volatility": shock})],
            market_cov,
            book,
            _betas([{"Market": 1.0}]),
            1e4,
        )


def test_volatility_shock_just_above_minus_100_is_accepted(market_cov: pd.DataFrame) -> None:
    moves = conditional_factor_moves(market_cov, STRESS_VARIABLES, {"Volatility": -0.99})
    assert moves["Volatility"] == -0.99
    assert moves["Market"] > 0  # the VIX collapsing goes with equities rallying


# --- propagation and factor_moves ------------------------------------------------------------


def _multi_factor_book() -> tuple[PositionSet, pd.DataFrame]:
    book = PositionSet.build(
        quantity=[100, 200, 3],
        price=[50.0, 80.0, 50.0],
        multiplier=[1, 1, 100],
        is_option=[False, False, True],
        strike=[np.nan, np.nan, 50.0],
        expiry_years=[np.nan, np.nan, 0.5],
        rate=0.04,
        sigma=[np.nan, np.nan, 0.3],
        is_call=True,
        ids=["A", "B", "A C50"],
    )
    sens = _betas(
        [
            {"Market": 1.2, "Size": 0.8, "Interest Rate": -3.0},
            {"Market": 0.9, "Value": 0.5, "Oil": 0.3},
            {"Market": 1.2, "Size": 0.8, "Interest Rate": -3.0},
        ]
    )
    return book, sens


def test_isolated_moves_only_the_shocked_variables(market_cov: pd.DataFrame) -> None:
    book, sens = _multi_factor_book()
    scenario = Scenario("m", "Market -10%", shocks={"Market": -0.10})
    (iso,) = run_stress_tests([scenario], market_cov, book, sens, 1e5, propagation="isolated")
    (cond,) = run_stress_tests([scenario], market_cov, book, sens, 1e5)
    assert iso.factor_moves == {name: (-0.10 if name == "Market" else 0.0) for name in STRESS_VARIABLES}
    # then only the Market betas act, and the option keeps its sigma and r
    np.testing.assert_allclose(iso.positions["underlying_return"], [-0.12, -0.09, -0.12], rtol=1e-12)
    expected_option = 300 * (
        bsm_price(44.0, 50.0, 0.5, 0.04, 0.0, 0.3, True) - bsm_price(50.0, 50.0, 0.5, 0.04, 0.0, 0.3, True)
    )
    np.testing.assert_allclose(iso.positions.loc["A C50", "pnl"], expected_option, rtol=1e-12)
    # whereas conditionally every other variable moves too (the VIX rises, rates fall, ...)
    assert cond.factor_moves["Volatility"] > 0 and cond.factor_moves["Interest Rate"] < 0
    assert all(cond.factor_moves[k] != 0.0 for k in STRESS_VARIABLES)
    assert not np.allclose(cond.positions["pnl"], iso.positions["pnl"], rtol=1e-3)


@pytest.mark.parametrize("propagation", ["conditional", "isolated"])
def test_factor_moves_report_all_11_variables(market_cov: pd.DataFrame, propagation: str) -> None:
    book, sens = _multi_factor_book()
    scenarios = [Scenario(sid, sid, shocks=shocks) for sid, shocks in _library()]
    results = run_stress_tests(scenarios, market_cov, book, sens, 1e5, propagation=propagation)
    for scenario, res in zip(scenarios, results, strict=True):
        assert set(res.factor_moves) == set(STRESS_VARIABLES)
        assert all(np.isfinite(v) for v in res.factor_moves.values())
        for name, shock in scenario.shocks.items():
            assert res.factor_moves[name] == shock


def test_factor_moves_report_all_11_variables_with_a_partial_covariance(market_cov: pd.DataFrame) -> None:
    # a covariance of the 7 factors only: the 4 macro variables move only when shocked
    factors = list(FACTOR_ETFS)
    cov = market_cov.loc[factors, factors]
    book, sens = _multi_factor_book()
    (res,) = run_stress_tests(
        [Scenario("x", "X", shocks={"Market": -0.1, "Interest Rate": 0.01})], cov, book, sens, 1e5
    )
    assert set(res.factor_moves) == set(STRESS_VARIABLES)
    assert res.factor_moves["Interest Rate"] == 0.01
    assert res.factor_moves["Volatility"] == 0.0 and res.factor_moves["Oil"] == 0.0
    assert res.factor_moves["Size"] != 0.0


def test_unknown_propagation_is_rejected(market_cov: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="propagation"):
        conditional_factor_moves(market_cov, STRESS_VARIABLES, {"Market": -0.1}, propagation="marginal")
    book, sens = _multi_factor_book()
    with pytest.raises(ValueError, match="propagation"):
        run_stress_tests(
            [Scenario("m", "M", shocks={"Market": -0.1})], market_cov, book, sens, 1e5, propagation="Isolated"
        )
    with pytest.raises(ValueError, match="propagation"):
        run_stress_tests([], market_cov, book, sens, 1e5, propagation="none")


# --- options on the VIX ----------------------------------------------------------------------


def _vix_book() -> PositionSet:
    # long 10 VIX calls (VIX 18, strike 20, 36 days, sigma 90 %) and long 5 SPY-like calls
    return PositionSet.build(
        quantity=[10, 5],
        price=[18.0, 500.0],
        multiplier=100,
        is_option=True,
        strike=[20.0, 500.0],
        expiry_years=36 / 365,
        rate=0.045,
        sigma=[0.9, 0.18],
        is_call=True,
        ids=["VIX C20", "SPY C500"],
    )


def test_vix_call_moves_with_the_vix_shock_not_with_betas(market_cov: pd.DataFrame) -> None:
    # given a vix_spike_150-like scenario; the VIX call has (misleading) betas, ignored
    book = _vix_book()
    sens = _betas([{"Market": -3.5}, {"Market": 1.0}])
    scenario = Scenario("vix", "VIX spike", shocks={"Market": -0.15, "Volatility": 1.5})
    (res,) = run_stress_tests([scenario], market_cov, book, sens, 1e6, vix_options=[True, False])
    # then the VIX call is revalued at 2.5 x spot with its own sigma (and r + the rate move)
    assert res.positions.loc["VIX C20", "underlying_return"] == 1.5
    r = 0.045 + res.factor_moves["Interest Rate"]
    t = 36 / 365
    expected = 1000 * (
        bsm_price(2.5 * 18.0, 20.0, t, r, 0.0, 0.9, True) - bsm_price(18.0, 20.0, t, 0.045, 0.0, 0.9, True)
    )
    np.testing.assert_allclose(res.positions.loc["VIX C20", "pnl"], expected, rtol=1e-12)
    # while the SPY call moves by its beta with sigma x (1 + 1.5)
    expected_spy = 500 * (
        bsm_price(425.0, 500.0, t, r, 0.0, 0.18 * 2.5, True)
        - bsm_price(500.0, 500.0, t, 0.045, 0.0, 0.18, True)
    )
    np.testing.assert_allclose(res.positions.loc["SPY C500", "pnl"], expected_spy, rtol=1e-12)


def test_vix_option_follows_the_conditional_volatility_move(market_cov: pd.DataFrame) -> None:
    # a Market-only shock: the VIX call's underlying moves by the conditional Volatility move,
    # even without any betas (a VIX option is modeled by the Volatility move alone)
    book = _vix_book()
    sens = _betas([{}, {"Market": 1.0}])
    (res,) = run_stress_tests(
        [Scenario("m", "M", shocks={"Market": -0.10})],
        market_cov,
        book,
        sens,
        1e6,
        vix_options=np.array([True, False]),
    )
    vol_move = res.factor_moves["Volatility"]
    assert vol_move > 0.3
    assert res.unmodeled == ()
    assert res.positions.loc["VIX C20", "underlying_return"] == vol_move
    r = 0.045 + res.factor_moves["Interest Rate"]
    t = 36 / 365
    expected = 1000 * (
        bsm_price(18.0 * (1 + vol_move), 20.0, t, r, 0.0, 0.9, True)
        - bsm_price(18.0, 20.0, t, 0.045, 0.0, 0.9, True)
    )
    np.testing.assert_allclose(res.positions.loc["VIX C20", "pnl"], expected, rtol=1e-12)


def test_vix_options_flags_must_match_the_book(market_cov: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="vix_options"):
        run_stress_tests(
            [Scenario("m", "M", shocks={"Market": -0.1})],
            market_cov,
            _vix_book(),
            _betas([{}, {"Market": 1.0}]),
            1e6,
            vix_options=[True],
        )


# --- rates reach option values ---------------------------------------------------------------


@pytest.mark.parametrize("is_call", [True, False])
def test_isolated_rate_shock_reprices_options_by_rho_and_leaves_stocks(
    market_cov: pd.DataFrame, is_call: bool
) -> None:
    # given one stock and one 1-year ATM option on it, betas to the Market only
    book = PositionSet.build(
        quantity=[100, 2],
        price=[100.0, 100.0],
        multiplier=[1, 100],
        is_option=[False, True],
        strike=[np.nan, 100.0],
        expiry_years=[np.nan, 1.0],
        rate=0.04,
        dividend_yield=0.01,
        sigma=[np.nan, 0.25],
        is_call=is_call,
        ids=["S", "OPT"],
    )
    sens = _betas([{"Market": 1.0}, {"Market": 1.0}])
    (res,) = run_stress_tests(
        [Scenario("r", "Rates +25bp", shocks={"Interest Rate": 0.0025})],
        market_cov,
        book,
        sens,
        1e5,
        propagation="isolated",
    )
    # then the stock does not move, and the option changes by rho (per 1 rate point) x 0.25 points
    assert res.positions.loc["S", "pnl"] == 0.0
    rho = float(bsm_greeks(100.0, 100.0, 1.0, 0.04, 0.01, 0.25, is_call).rho)
    np.testing.assert_allclose(res.positions.loc["OPT", "pnl"], 2 * 100 * rho * 25 / 100, rtol=0.02)
    assert np.sign(res.positions.loc["OPT", "pnl"]) == (1 if is_call else -1)
