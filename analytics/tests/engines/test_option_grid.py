"""The option risk grid engine against hand revaluations (closed-form BSM, the American pricer
and QuantLib's finite differences)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analytics.engines.option_grid import option_grid
from analytics.engines.option_pricer import option_price
from analytics.engines.revaluation import PositionSet, delta_exposures
from analytics.tests.quantlib_ref import quantlib_option_price
from analytics.tests.valuation_book import norm_cdf

DAYS = 120
T = DAYS / 365


def bsm(s: float, k: float, t: float, r: float, q: float, vol: float, call: bool) -> float:
    """Closed-form Black-Scholes-Merton value per share (continuous dividend yield)."""
    d1 = (math.log(s / k) + (r - q + 0.5 * vol * vol) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    if call:
        return s * math.exp(-q * t) * norm_cdf(d1) - k * math.exp(-r * t) * norm_cdf(d2)
    return k * math.exp(-r * t) * norm_cdf(-d2) - s * math.exp(-q * t) * norm_cdf(-d1)


def small_book() -> tuple[PositionSet, list[str]]:
    """100 AAA shares, 2 short SPX calls (European, q 1.5 %), 3 long AAA American puts (q 2 %)."""
    positions = PositionSet.build(
        quantity=[100.0, -2.0, 3.0],
        price=[100.0, 5000.0, 100.0],
        multiplier=[1.0, 100.0, 100.0],
        is_option=[False, True, True],
        strike=[np.nan, 5100.0, 105.0],
        expiry_years=[np.nan, T, T],
        rate=[0.0, 0.045, 0.045],
        dividend_yield=[0.0, 0.015, 0.02],
        sigma=[np.nan, 0.18, 0.30],
        is_call=[False, True, False],
        is_american=[False, False, True],
    )
    return positions, ["AAA", "SPX", "AAA"]


def test_centre_cell_is_zero_and_shape_is_vol_rows_by_spot_columns() -> None:
    positions, groups = small_book()
    grid = option_grid(positions, groups, [-0.1, 0.0, 0.1, 0.2], [-0.5, 0.0, 0.5])
    assert grid.pnl.shape == (3, 4)
    assert grid.pnl[1, 1] == 0.0
    assert set(grid.by_group) == {"AAA", "SPX"}
    assert sum(grid.by_group.values()) == pytest.approx(grid.pnl, abs=1e-6)


def test_spot_slope_near_zero_is_the_net_delta_adjusted_exposure() -> None:
    positions, groups = small_book()
    grid = option_grid(positions, groups, [-0.01, 0.01], [0.0])
    slope = (grid.pnl[0, 1] - grid.pnl[0, 0]) / 0.02
    assert slope == pytest.approx(float(np.sum(delta_exposures(positions))), rel=2e-3)
    assert grid.base_delta_dollars["SPX"] + grid.base_delta_dollars["AAA"] == pytest.approx(
        float(np.sum(delta_exposures(positions))), rel=1e-9
    )


def test_a_cell_equals_a_hand_revaluation() -> None:
    positions, groups = small_book()
    spot, vol = -0.15, 0.5
    grid = option_grid(positions, groups, [spot, 0.0], [0.0, vol])
    stock = 100 * 100.0 * spot
    spx = (
        -2
        * 100
        * (
            bsm(5000 * (1 + spot), 5100, T, 0.045, 0.015, 0.18 * (1 + vol), True)
            - bsm(5000, 5100, T, 0.045, 0.015, 0.18, True)
        )
    )
    put_now = float(option_price(100.0, 105.0, T, 0.045, 0.02, 0.30, False, True))
    put_shocked = float(option_price(100 * (1 + spot), 105.0, T, 0.045, 0.02, 0.30 * (1 + vol), False, True))
    put = 3 * 100 * (put_shocked - put_now)
    assert grid.pnl[1, 0] == pytest.approx(stock + spx + put, rel=1e-9)
    assert grid.by_group["SPX"][1, 0] == pytest.approx(spx, rel=1e-9)
    # the American pricer against QuantLib's finite differences (DESIGN: within 0.5 %)
    ref = quantlib_option_price(
        85.0, 105.0, DAYS, 0.045, 0.02, 0.45, False, american=True
    ) - quantlib_option_price(100.0, 105.0, DAYS, 0.045, 0.02, 0.30, False, american=True)
    assert put_shocked - put_now == pytest.approx(ref, rel=5e-3)


def test_delta_sign_flips_of_a_hedged_underlying() -> None:
    # long 100 shares, 2 long puts at 105 (delta ~ -0.6 each): net delta about -20 shares today;
    # a big rally takes the puts' delta towards 0 and the net delta positive.
    positions = PositionSet.build(
        quantity=[100.0, 2.0],
        price=[100.0, 100.0],
        multiplier=[1.0, 100.0],
        is_option=[False, True],
        strike=[np.nan, 105.0],
        expiry_years=[np.nan, T],
        rate=[0.0, 0.045],
        dividend_yield=0.0,
        sigma=[np.nan, 0.30],
        is_call=[False, False],
        is_american=[False, False],
    )
    grid = option_grid(positions, ["AAA", "AAA"], [-0.2, 0.0, 0.3], [0.0])
    assert grid.base_delta_dollars["AAA"] < 0
    assert ("AAA", 0.3, 0.0) in grid.flips
    assert ("AAA", -0.2, 0.0) not in grid.flips


def test_bad_moves_raise() -> None:
    positions, groups = small_book()
    with pytest.raises(ValueError):
        option_grid(positions, groups, [0.0], [-1.0])
