"""Position Greeks: scaling, dollar Greeks, expiry, sigma choice, realized-vol fallback."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analytics.engines.black_scholes import bsm_greeks
from analytics.engines.greeks import (
    SIGMA_GIVEN,
    SIGMA_MARK,
    SIGMA_POSITION,
    SIGMA_REALIZED,
    SIGMA_UNAVAILABLE,
    choose_sigma,
    greeks_totals,
    option_position_greeks,
    realized_volatility,
    stock_position_greeks,
)


def _book() -> pd.DataFrame:
    # given: a long call (IV known), a short put (no IV: realized vol), an expired short call
    return option_position_greeks(
        underlying_price=[49.0, 120.0, 130.0],
        strike=[50.0, 110.0, 100.0],
        days_to_expiry=[140, 45, 0],
        rate=0.05,
        dividend_yield=[0.0, 0.012, np.nan],
        implied_vol=[0.20, np.nan, 0.3],
        realized_vol=[0.35, 0.27, np.nan],
        is_call=[True, False, True],
        quantity=[10, -4, -2],
        multiplier=100,
        underlying=["XYZ", "ABC", "XYZ"],
        index=pd.Index([11, 12, 13], name="position_id"),
    )


def test_position_scaling_and_sign() -> None:
    book = _book()
    ref_call = bsm_greeks(49.0, 50.0, 140 / 365, 0.05, 0.0, 0.20, True)
    ref_put = bsm_greeks(120.0, 110.0, 45 / 365, 0.05, 0.012, 0.27, False)
    for ref, pid, qty in ((ref_call, 11, 10), (ref_put, 12, -4)):
        row = book.loc[pid]
        for name in ("price", "delta", "gamma", "theta", "vega", "rho"):
            assert row[name] == pytest.approx(float(getattr(ref, name)), abs=1e-14)
            assert row[f"position_{name}" if name != "price" else "theoretical_value"] == pytest.approx(
                float(getattr(ref, name)) * 100 * qty, rel=1e-14
            )
    # a short put has positive position delta and negative position gamma / vega
    put = book.loc[12]
    assert put["position_delta"] > 0 and put["position_gamma"] < 0 and put["position_vega"] < 0
    assert book.loc[12, "T"] == pytest.approx(45 / 365)


def test_dollar_delta_and_gamma_by_hand() -> None:
    row = _book().loc[11]
    delta, gamma, s = row["delta"], row["gamma"], 49.0
    # delta_dollars = delta x S x multiplier x quantity
    assert row["delta_dollars"] == pytest.approx(delta * 49.0 * 100 * 10, rel=1e-14)
    # gamma_dollars = gamma x S^2 x 0.01 x multiplier x quantity
    assert row["gamma_dollars"] == pytest.approx(gamma * 49.0**2 * 0.01 * 100 * 10, rel=1e-14)
    # and it is (to first order) the dollar value of the change in share-equivalent delta
    # for a 1% move of S (central difference over +-0.5%)
    up = bsm_greeks(s * 1.005, 50.0, 140 / 365, 0.05, 0.0, 0.2, True)
    down = bsm_greeks(s * 0.995, 50.0, 140 / 365, 0.05, 0.0, 0.2, True)
    shares_change = (float(up.delta) - float(down.delta)) * 100 * 10
    assert shares_change * s == pytest.approx(row["gamma_dollars"], rel=1e-3)


def test_expired_option_has_zero_greeks_and_intrinsic_value() -> None:
    row = _book().loc[13]
    assert bool(row["expired"])
    assert row["price"] == 30.0
    assert row["theoretical_value"] == 30.0 * 100 * -2
    for name in ("delta", "gamma", "theta", "vega", "rho", "delta_dollars", "gamma_dollars"):
        col = name if name.endswith("dollars") else f"position_{name}"
        assert row[col] == 0.0
        if not name.endswith("dollars"):
            assert row[name] == 0.0


def test_sigma_source_and_unavailable_volatility() -> None:
    book = _book()
    assert list(book["sigma_source"]) == [SIGMA_POSITION, SIGMA_REALIZED, SIGMA_POSITION]
    assert list(book["sigma"]) == [0.20, 0.27, 0.3]
    sigma, source = choose_sigma(
        (SIGMA_POSITION, [np.nan, 0.0, -1.0, 0.4]), (SIGMA_REALIZED, [np.nan, 0.3, np.nan, 0.2])
    )
    np.testing.assert_array_equal(sigma, [np.nan, 0.3, np.nan, 0.4])
    assert list(source) == [SIGMA_UNAVAILABLE, SIGMA_REALIZED, SIGMA_UNAVAILABLE, SIGMA_POSITION]
    live = option_position_greeks(
        underlying_price=100.0,
        strike=100.0,
        days_to_expiry=30,
        rate=0.04,
        dividend_yield=0.0,
        implied_vol=np.nan,
        realized_vol=np.nan,
        is_call=True,
        quantity=1,
    )
    assert live.loc[0, "sigma_source"] == SIGMA_UNAVAILABLE
    assert np.isnan(live.loc[0, "delta"]) and np.isnan(live.loc[0, "delta_dollars"])


def test_nan_dividend_yield_means_zero() -> None:
    a = option_position_greeks(
        underlying_price=100.0,
        strike=95.0,
        days_to_expiry=60,
        rate=0.04,
        dividend_yield=np.nan,
        implied_vol=0.3,
        realized_vol=np.nan,
        is_call=False,
        quantity=1,
    )
    b = option_position_greeks(
        underlying_price=100.0,
        strike=95.0,
        days_to_expiry=60,
        rate=0.04,
        dividend_yield=0.0,
        implied_vol=0.3,
        realized_vol=np.nan,
        is_call=False,
        quantity=1,
    )
    pd.testing.assert_frame_equal(a, b)


def test_realized_volatility_by_hand() -> None:
    returns = np.array([0.01, -0.01, 0.02, 0.0])
    # mean 0.005; squared deviations 2.5e-5 + 2.25e-4 + 2.25e-4 + 2.5e-5 = 5e-4; / (4 - 1)
    expected = math.sqrt(5e-4 / 3) * math.sqrt(252)
    assert realized_volatility(returns, min_obs=2) == pytest.approx(expected, rel=1e-12)
    assert realized_volatility(returns) != realized_volatility(returns)  # < 20 obs -> NaN


def test_realized_volatility_window_floor_and_frames() -> None:
    rng = np.random.default_rng(7)
    recent = rng.normal(0.0, 0.02, 60)
    returns = np.concatenate([np.full(100, 0.5), recent])  # huge moves outside the window
    assert realized_volatility(returns) == pytest.approx(np.std(recent, ddof=1) * np.sqrt(252), rel=1e-12)
    calm = np.tile([0.0001, -0.0001], 40)  # ~0.16% annualized -> floored at 5%
    assert realized_volatility(calm) == 0.05
    assert realized_volatility(calm, floor=0.0) == pytest.approx(np.std(calm[-60:], ddof=1) * np.sqrt(252))
    frame = pd.DataFrame({"A": returns, "B": np.r_[np.full(150, np.nan), recent[:10]]})
    vols = realized_volatility(frame)
    assert vols["A"] == pytest.approx(realized_volatility(returns))
    assert np.isnan(vols["B"])  # only 10 finite returns in the window


def test_totals_by_underlying_include_stock_delta() -> None:
    options = _book()
    stock = stock_position_greeks(
        underlying_price=[49.0], quantity=[-300], underlying=["XYZ"], index=pd.Index([14], name="position_id")
    )
    assert stock.loc[14, "delta_dollars"] == -300 * 49.0
    both = pd.concat([options, stock])
    by_underlying = greeks_totals(both, by="underlying")
    xyz = both[both["underlying"] == "XYZ"]
    assert by_underlying.loc["XYZ", "delta"] == pytest.approx(xyz["position_delta"].sum())
    assert by_underlying.loc["XYZ", "delta"] == pytest.approx(options.loc[11, "position_delta"] - 300)
    assert by_underlying.loc["XYZ", "gamma_dollars"] == pytest.approx(options.loc[11, "gamma_dollars"])
    assert by_underlying.loc["XYZ", "positions"] == 3
    total = greeks_totals(both)
    assert total["delta_dollars"] == pytest.approx(both["delta_dollars"].sum())
    assert total["missing"] == 0


def test_totals_skip_and_count_missing_rows() -> None:
    book = option_position_greeks(
        underlying_price=[100.0, 100.0],
        strike=100.0,
        days_to_expiry=30,
        rate=0.04,
        dividend_yield=0.0,
        implied_vol=[0.25, np.nan],
        realized_vol=np.nan,
        is_call=True,
        quantity=[1, 1],
    )
    total = greeks_totals(book)
    assert total["missing"] == 1
    assert total["delta"] == pytest.approx(book.loc[0, "position_delta"])


def _marked(mark: float, *, american: bool, **kw: object) -> pd.DataFrame:
    args: dict[str, object] = dict(
        underlying_price=100.0,
        strike=100.0,
        days_to_expiry=90,
        rate=0.04,
        dividend_yield=0.01,
        implied_vol=0.25,
        realized_vol=0.18,
        is_call=False,
        quantity=-3,
        mark_price=mark,
        is_american=american,
    )
    args.update(kw)
    return option_position_greeks(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize("american", [True, False])
def test_sigma_is_implied_from_the_mark_and_reprices_it(american: bool) -> None:
    # given an option marked at 6.10 per share (a vol neither the position's 25% nor realized 18%)
    book = _marked(6.10, american=american)
    # then sigma is the one that reprices the mark with the same pricer, to a fraction of a cent
    assert book.loc[0, "sigma_source"] == SIGMA_MARK
    assert book.loc[0, "exercise"] == ("american" if american else "european")
    assert book.loc[0, "mark_vol_status"] == "ok"
    assert abs(book.loc[0, "price"] - 6.10) < 1e-8
    assert 0.25 < book.loc[0, "sigma"] < 0.40


def test_a_mark_below_intrinsic_is_flagged_and_no_vol_is_invented() -> None:
    # given an American put 20 in the money marked at 15 (below its intrinsic 20)
    book = _marked(15.0, american=True, strike=120.0)
    # then the mark is flagged and the position's own vol is used instead
    assert book.loc[0, "mark_vol_status"] == "below_intrinsic"
    assert book.loc[0, "sigma_source"] == SIGMA_POSITION and book.loc[0, "sigma"] == 0.25


def test_a_given_vol_comes_before_the_mark() -> None:
    book = _marked(6.10, american=True, implied_vol_source=SIGMA_GIVEN)
    assert book.loc[0, "sigma_source"] == SIGMA_GIVEN and book.loc[0, "sigma"] == 0.25


def test_american_put_greeks_differ_from_european_and_value_is_above_intrinsic() -> None:
    am = _marked(np.nan, american=True, strike=150.0, days_to_expiry=365, dividend_yield=0.0)
    eu = _marked(np.nan, american=False, strike=150.0, days_to_expiry=365, dividend_yield=0.0)
    assert am.loc[0, "price"] >= 50.0 > eu.loc[0, "price"]
    assert am.loc[0, "delta"] < eu.loc[0, "delta"]  # deeper (more negative) delta when exercisable
