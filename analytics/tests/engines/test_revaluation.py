"""Tests of the shared revaluation kernel (stocks linear, options fully revalued)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.engines.black_scholes import bsm_greeks, bsm_price
from analytics.engines.revaluation import (
    VOL_FLOOR,
    PositionSet,
    delta_exposures,
    model_values,
    revalue_pnl,
)


def _book() -> PositionSet:
    # stock long 100 @ 50, stock short 20 @ 200, long 2 calls and short 3 puts on the first stock
    return PositionSet.build(
        quantity=[100, -20, 2, -3],
        price=[50.0, 200.0, 50.0, 50.0],
        multiplier=[1, 1, 100, 100],
        is_option=[False, False, True, True],
        strike=[np.nan, np.nan, 55.0, 45.0],
        expiry_years=[np.nan, np.nan, 0.25, 0.5],
        rate=0.04,
        dividend_yield=0.01,
        sigma=[np.nan, np.nan, 0.30, 0.35],
        is_call=[False, False, True, False],
        underlying=[0, 1, 0, 0],
        ids=["AAA", "BBB", "AAA C55", "AAA P45"],
    )


def test_stocks_are_linear_in_the_return() -> None:
    book = _book()
    returns = np.array([[0.10, -0.05], [-0.20, 0.02]])
    pnl = revalue_pnl(book, returns)
    np.testing.assert_allclose(pnl[:, 0], 100 * 50 * returns[:, 0])
    np.testing.assert_allclose(pnl[:, 1], -20 * 200 * returns[:, 1])


def test_options_fully_revalued_against_bsm() -> None:
    book = _book()
    returns = np.array([[0.10, 0.0], [-0.30, 0.0]])
    pnl = revalue_pnl(book, returns)
    for j, r in enumerate(returns[:, 0]):
        call = bsm_price(50 * (1 + r), 55, 0.25, 0.04, 0.01, 0.30, True) - bsm_price(
            50, 55, 0.25, 0.04, 0.01, 0.30, True
        )
        put = bsm_price(50 * (1 + r), 45, 0.5, 0.04, 0.01, 0.35, False) - bsm_price(
            50, 45, 0.5, 0.04, 0.01, 0.35, False
        )
        np.testing.assert_allclose(pnl[j, 2], 2 * 100 * call, rtol=1e-12)
        np.testing.assert_allclose(pnl[j, 3], -3 * 100 * put, rtol=1e-12)


def test_zero_return_and_unit_vol_multiplier_is_zero_pnl() -> None:
    pnl = revalue_pnl(_book(), np.zeros((1, 2)), vol_multiplier=1.0)
    np.testing.assert_allclose(pnl, 0.0, atol=1e-10)


def test_vol_multiplier_per_scenario_and_floor() -> None:
    book = _book()
    pnl = revalue_pnl(book, np.zeros((3, 2)), vol_multiplier=np.array([2.0, 1.0, -5.0]))
    # long call gains when vol doubles; the short put loses
    assert pnl[0, 2] > 0 and pnl[0, 3] < 0
    np.testing.assert_allclose(pnl[1], 0.0, atol=1e-10)
    floored = (
        2
        * 100
        * (
            bsm_price(50, 55, 0.25, 0.04, 0.01, VOL_FLOOR, True)
            - bsm_price(50, 55, 0.25, 0.04, 0.01, 0.30, True)
        )
    )
    np.testing.assert_allclose(pnl[2, 2], floored, rtol=1e-12)


def test_rate_shift_reprices_options_at_shifted_r_and_leaves_stocks() -> None:
    book = _book()
    returns = np.array([[0.05, -0.02], [0.0, 0.0], [-0.10, 0.01]])
    shift = np.array([0.01, -0.0025, 0.0])
    pnl = revalue_pnl(book, returns, rate_shift=shift)
    # stocks are linear in their return whatever the rate
    np.testing.assert_allclose(pnl[:, :2], revalue_pnl(book, returns)[:, :2], rtol=0, atol=0)
    for j, (ret, dr) in enumerate(zip(returns[:, 0], shift, strict=True)):
        call = bsm_price(50 * (1 + ret), 55, 0.25, 0.04 + dr, 0.01, 0.30, True) - bsm_price(
            50, 55, 0.25, 0.04, 0.01, 0.30, True
        )
        put = bsm_price(50 * (1 + ret), 45, 0.5, 0.04 + dr, 0.01, 0.35, False) - bsm_price(
            50, 45, 0.5, 0.04, 0.01, 0.35, False
        )
        np.testing.assert_allclose(pnl[j, 2], 2 * 100 * call, rtol=1e-12)
        np.testing.assert_allclose(pnl[j, 3], -3 * 100 * put, rtol=1e-12)
    # a zero shift (per scenario, scalar or per cell) is exactly the default (VaR callers)
    np.testing.assert_array_equal(revalue_pnl(book, returns, rate_shift=0.0), revalue_pnl(book, returns))
    per_cell = np.broadcast_to(shift[:, None], (3, book.n))
    np.testing.assert_array_equal(revalue_pnl(book, returns, rate_shift=per_cell), pnl)


def test_returns_below_minus_one_are_floored_and_stay_finite() -> None:
    pnl = revalue_pnl(_book(), np.array([[-3.0, 0.0]]))
    assert np.all(np.isfinite(pnl))
    np.testing.assert_allclose(pnl[0, 0], -100 * 50)  # loses at most its value
    assert pnl[0, 2] <= 0 and pnl[0, 3] < 0  # call worthless, short put deep ITM


def test_nan_input_only_affects_its_position() -> None:
    pnl = revalue_pnl(_book(), np.array([[np.nan, 0.01]]))
    assert np.isnan(pnl[0, [0, 2, 3]]).all() and np.isfinite(pnl[0, 1])


def test_model_values_and_delta_exposures() -> None:
    book = _book()
    values = model_values(book)
    np.testing.assert_allclose(values[:2], [5000.0, -4000.0])
    np.testing.assert_allclose(values[2], 200 * bsm_price(50, 55, 0.25, 0.04, 0.01, 0.30, True))
    delta = bsm_greeks(50, 55, 0.25, 0.04, 0.01, 0.30, True).delta
    exposures = delta_exposures(book)
    np.testing.assert_allclose(exposures[2], delta * 50 * 100 * 2)
    assert exposures[3] > 0  # short put is long delta


def test_expired_option_revalues_at_intrinsic() -> None:
    book = PositionSet.build(
        quantity=[1],
        price=[100.0],
        multiplier=100,
        is_option=True,
        strike=90.0,
        expiry_years=0.0,
        sigma=0.2,
        is_call=True,
    )
    pnl = revalue_pnl(book, np.array([[0.05]]))
    np.testing.assert_allclose(pnl[0, 0], 100 * 5.0)
    assert delta_exposures(book)[0] == 0.0


def test_wrong_matrix_width_raises() -> None:
    with pytest.raises(ValueError):
        revalue_pnl(_book(), np.zeros((2, 1)))


def test_from_frame_maps_underlying_symbols() -> None:
    frame = pd.DataFrame(
        {
            "quantity": [10.0, 1.0],
            "price": [100.0, 100.0],
            "multiplier": [1.0, 100.0],
            "is_option": [False, True],
            "strike": [np.nan, 100.0],
            "expiry_years": [np.nan, 0.5],
            "sigma": [np.nan, 0.2],
            "is_call": [None, True],
            "underlying": ["XYZ", "XYZ"],
        },
        index=["XYZ", "XYZ C100"],
    )
    book = PositionSet.from_frame(frame, underlying_columns=["SPY", "XYZ"])
    assert book.ids == ("XYZ", "XYZ C100") and list(book.underlying) == [1, 1]
    pnl = revalue_pnl(book, np.array([[0.5, 0.01]]))
    np.testing.assert_allclose(pnl[0, 0], 10.0)
    assert pnl[0, 1] > 0
