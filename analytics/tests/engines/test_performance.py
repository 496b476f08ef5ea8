"""Tests of the performance engine against empyrical and hand-made NAVs."""

from __future__ import annotations

import empyrical
import numpy as np
import pandas as pd
import pytest

from analytics.engines.performance import (
    cumulative_returns,
    daily_returns,
    drawdown_series,
    max_drawdown,
    nav_and_flows,
    performance_metrics,
    period_returns,
    pnl_attribution,
    position_daily_pnl,
)

DAYS = pd.bdate_range("2023-01-02", periods=400)


@pytest.fixture
def returns() -> pd.Series:
    rng = np.random.default_rng(2024)
    return pd.Series(rng.normal(0.0004, 0.012, size=len(DAYS)), index=DAYS)


@pytest.fixture
def bench(returns: pd.Series) -> pd.Series:
    rng = np.random.default_rng(99)
    return 0.7 * returns + pd.Series(rng.normal(0.0002, 0.008, len(DAYS)), index=DAYS)


def test_statistics_equal_empyrical(returns: pd.Series, bench: pd.Series) -> None:
    rf = 0.04 / 252
    m = performance_metrics(returns, risk_free=rf, benchmark=bench)
    r = returns.to_numpy()
    assert m.observations == len(r)
    np.testing.assert_allclose(m.total_return, empyrical.cum_returns_final(r), rtol=1e-12)
    np.testing.assert_allclose(m.annualized_return, empyrical.annual_return(r), rtol=1e-12)
    np.testing.assert_allclose(m.annualized_volatility, empyrical.annual_volatility(r), rtol=1e-12)
    np.testing.assert_allclose(m.sharpe, empyrical.sharpe_ratio(r, risk_free=rf), rtol=1e-12)
    np.testing.assert_allclose(m.sortino, empyrical.sortino_ratio(r, required_return=rf), rtol=1e-12)
    np.testing.assert_allclose(m.drawdown.max_drawdown, empyrical.max_drawdown(r), rtol=1e-12)
    np.testing.assert_allclose(m.calmar, empyrical.calmar_ratio(r), rtol=1e-12)
    b = bench.to_numpy()
    np.testing.assert_allclose(m.beta, empyrical.beta(r, b, risk_free=rf), rtol=1e-12)
    np.testing.assert_allclose(m.alpha, empyrical.alpha(r, b, risk_free=rf), rtol=1e-12)


def test_time_varying_risk_free_equals_empyrical(returns: pd.Series) -> None:
    rf = pd.Series(np.linspace(0.01, 0.05, len(DAYS)) / 252, index=DAYS)
    m = performance_metrics(returns, risk_free=rf)
    r, f = returns.to_numpy(), rf.to_numpy()
    np.testing.assert_allclose(m.sharpe, empyrical.sharpe_ratio(r, risk_free=f), rtol=1e-12)
    np.testing.assert_allclose(m.sortino, empyrical.sortino_ratio(r, required_return=f), rtol=1e-12)


def test_first_day_nan_is_ignored_like_empyrical(returns: pd.Series) -> None:
    nav = 1e6 * (1 + returns).cumprod()
    r = daily_returns(nav)
    assert np.isnan(r.iloc[0])
    m = performance_metrics(r)
    clean = r.iloc[1:].to_numpy()
    np.testing.assert_allclose(m.sharpe, empyrical.sharpe_ratio(clean), rtol=1e-12)
    np.testing.assert_allclose(m.drawdown.max_drawdown, empyrical.max_drawdown(clean))
    np.testing.assert_allclose(drawdown_series(r).min(), empyrical.max_drawdown(clean))


def test_drawdown_dates() -> None:
    idx = pd.bdate_range("2024-01-01", periods=7)
    r = pd.Series([np.nan, 0.10, -0.20, 0.05, 0.10, 0.10, -0.01], index=idx)
    dd = max_drawdown(r)
    np.testing.assert_allclose(dd.max_drawdown, -0.20)
    assert dd.peak_date == idx[1] and dd.trough_date == idx[2] and dd.recovery_date == idx[5]
    no_recovery = max_drawdown(r.iloc[:4])
    assert no_recovery.recovery_date is None
    assert max_drawdown(pd.Series([0.01, 0.02], index=idx[:2])).max_drawdown == 0.0


def test_twr_chain_with_a_deposit() -> None:
    # given NAVs 100 -> 110 (+10 %), a 50 deposit, then 160 -> 144 (-10 %)
    idx = pd.bdate_range("2024-03-01", periods=3)
    nav = pd.Series([100.0, 110.0, 144.0], index=idx)
    flows = pd.Series([0.0, 0.0, 50.0], index=idx)
    # when
    r = daily_returns(nav, flows)
    # then the deposit is not a return and the chain is 1.1 x 0.9 - 1
    np.testing.assert_allclose(r.iloc[1:], [0.10, -0.10])
    np.testing.assert_allclose(cumulative_returns(r).iloc[-1], 1.1 * 0.9 - 1)
    np.testing.assert_allclose(period_returns(r, idx[-1])["inception"], -0.01)


def test_non_positive_denominator_is_nan() -> None:
    idx = pd.bdate_range("2024-03-01", periods=3)
    r = daily_returns(pd.Series([100.0, 0.0, 50.0], index=idx), pd.Series([0.0, -100.0, 0.0], index=idx))
    assert r.isna().all()


def _lots() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "symbol": ["AAA", "BBB"],
            "quantity": [10.0, -5.0],
            "multiplier": [1.0, 1.0],
            "entry_price": [100.0, 50.0],
            "entry_date": pd.to_datetime(["2024-01-02", "2024-01-04"]),
            "exit_price": [np.nan, 52.0],
            "exit_date": pd.to_datetime([pd.NaT, "2024-01-08"]),
        },
        index=["lot1", "lot2"],
    )


def _prices() -> pd.DataFrame:
    idx = pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09"])
    return pd.DataFrame(
        {"AAA": [100.0, 101.0, 102.0, 103.0, 104.0, 105.0], "BBB": [49.0, 49.5, 50.0, 52.0, 53.0, 54.0]},
        index=idx,
    )


def test_buying_is_not_a_return_and_selling_is_not_a_loss() -> None:
    frame = nav_and_flows(_lots(), _prices(), cash=1000.0)
    # lot2 (short 5 BBB) opens on 01-04 at the close (50) and closes on 01-08 at 52 = 01-05 close
    np.testing.assert_allclose(frame["flow"], [1000.0, 0, -250.0, 0, 260.0, 0])
    np.testing.assert_allclose(frame["market_value"], [1000, 1010, 1020 - 250, 1030 - 260, 1040, 1050])
    r = daily_returns(frame["nav"], frame["flow"])
    # day of the short sale: only AAA's +10 moves NAV
    np.testing.assert_allclose(r.loc["2024-01-04"], 10 / (2010 - 250))
    # day of the buy-back at the previous close: only AAA's +10 again
    np.testing.assert_allclose(r.loc["2024-01-08"], 10 / (1770 + 260))
    daily = position_daily_pnl(_lots(), _prices())
    np.testing.assert_allclose(daily["lot2"].iloc[1:], [0, 0, -10.0, 0, 0])
    np.testing.assert_allclose(daily.sum(axis=1).iloc[1:], (frame["nav"].diff() - frame["flow"]).iloc[1:])


def test_flows_between_sessions_go_to_the_next_session() -> None:
    lots = _lots().assign(entry_date=pd.to_datetime(["2024-01-02", "2024-01-06"]))
    frame = nav_and_flows(lots, _prices())
    assert frame.loc["2024-01-08", "flow"] == -250.0 + 260.0  # opened and closed by then


def test_period_returns_windows() -> None:
    idx = pd.bdate_range("2023-06-01", "2024-06-28")
    r = pd.Series(0.001, index=idx)
    r.iloc[0] = np.nan
    out = period_returns(r, pd.Timestamp("2024-06-30"))
    np.testing.assert_allclose(out["1d"], 0.001)
    np.testing.assert_allclose(out["1w"], 1.001**5 - 1)  # 06-21 -> 06-28
    ytd_days = ((idx > "2023-12-31") & (idx <= "2024-06-30")).sum()
    np.testing.assert_allclose(out["ytd"], 1.001**ytd_days - 1)
    np.testing.assert_allclose(out["inception"], 1.001 ** (len(idx) - 1) - 1)
    # 1y: from the last NAV on or before 2024-06-30 - 365 days = 2023-07-01, i.e. 2023-06-30
    year_days = ((idx > "2023-06-30") & (idx <= "2024-06-30")).sum()
    np.testing.assert_allclose(out["1y"], 1.001**year_days - 1)
    short = period_returns(r.loc["2024-03-01":], pd.Timestamp("2024-06-28"))
    np.testing.assert_allclose(short["ytd"], short["inception"])
    assert np.isnan(short["1y"]) and np.isfinite(short["3m"])


def test_pnl_attribution_groups() -> None:
    lots = _lots()
    groups = {"lot1": ["core", "tech"], "lot2": "tech"}
    out = pnl_attribution(lots, _prices(), groups, "2024-01-02", "2024-01-09")
    # lot1: +50 on capital 1000 (held at start); lot2: -10 on |5 x 50|
    np.testing.assert_allclose(out.loc["core", ["pnl", "capital"]], [50.0, 1000.0])
    np.testing.assert_allclose(out.loc["tech", ["pnl", "capital"]], [40.0, 1250.0])
    np.testing.assert_allclose(out.loc["core", "contribution_percent"], 50 / 40 * 100)
    np.testing.assert_allclose(out.loc["tech", "pnl_percent"], 40 / 1250 * 100)
    by_type = pnl_attribution(lots, _prices(), {"lot1": "LONG"}, "2024-01-03", "2024-01-05")
    assert set(by_type.index) == {"LONG", "(none)"}
    np.testing.assert_allclose(by_type["contribution_percent"].sum(), 100.0)


def test_too_few_observations_are_nan() -> None:
    m = performance_metrics(pd.Series([0.01], index=DAYS[:1]))
    assert np.isnan(m.sharpe) and np.isnan(m.annualized_volatility)
    flat = performance_metrics(pd.Series([0.001] * 5, index=DAYS[:5]))
    assert np.isnan(flat.sharpe) and np.isnan(flat.sortino)


def test_date_labelled_inputs_align() -> None:
    # given market dates as datetime.date labels (as selectors produce)
    idx = pd.bdate_range("2024-01-01", periods=60)
    rng = np.random.default_rng(8)
    r = pd.Series(rng.normal(0.001, 0.01, 60), index=[d.date() for d in idx])
    rf = pd.Series(0.05 / 252, index=[idx[0].date()])  # one observation, carried forward
    m = performance_metrics(r, risk_free=rf, benchmark=r.copy())
    np.testing.assert_allclose(m.sharpe, empyrical.sharpe_ratio(r.to_numpy(), risk_free=0.05 / 252))
    np.testing.assert_allclose(m.beta, 1.0)
    assert isinstance(m.drawdown.trough_date, pd.Timestamp)
    cash = pd.Series(
        [500.0, 700.0], index=[pd.Timestamp("2024-01-01").date(), pd.Timestamp("2024-01-05").date()]
    )
    frame = nav_and_flows(_lots(), _prices(), cash=cash)
    np.testing.assert_allclose(frame["cash"], [500.0, 500.0, 500.0, 700.0, 700.0, 700.0])
