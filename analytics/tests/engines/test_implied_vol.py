"""Implied volatility: round trips with both exercise styles and the status flags."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from analytics.engines.black_scholes import intrinsic_value
from analytics.engines.implied_vol import implied_volatility
from analytics.engines.option_pricer import option_price


def _grid() -> tuple[np.ndarray, ...]:
    rows = list(
        itertools.product(
            (60.0, 90.0, 100.0, 110.0, 150.0),
            (7, 91, 365, 730),
            (0.0, 0.05, 0.08),
            (0.0, 0.03, 0.06),
            (0.12, 0.35, 0.9),
            (True, False),
        )
    )
    s, days, r, q, vol, call = (np.array(col) for col in zip(*rows, strict=True))
    return s, days / 365.0, r, q, vol, call


@pytest.mark.parametrize("american", [False, True])
def test_round_trip_price_vol_price(american: bool) -> None:
    s, t, r, q, vol, call = _grid()
    price = option_price(s, 100.0, t, r, q, vol, call, american)
    iv = implied_volatility(price, s, 100.0, t, r, q, call, american)
    assert set(iv.status.tolist()) <= {"ok"}
    repriced = option_price(s, 100.0, t, r, q, iv.vol, call, american)
    assert np.abs(repriced - price).max() < 1e-8
    # where the price is sensitive to vol and has time value, the vol itself comes back (the QD+
    # American value of a deep-ITM low-vol put is not strictly monotone in vol within ~0.003)
    sensitive = price - option_price(s, 100.0, t, r, q, 0.5 * vol, call, american) > 1e-3
    sensitive &= price - intrinsic_value(s, 100.0, call) > 0.01
    np.testing.assert_allclose(iv.vol[sensitive], vol[sensitive], rtol=1e-6)


def test_flags_at_the_bounds() -> None:
    # put K=150 on S=100: intrinsic 50; American lower bound = 50, European = 150 e^{-rT} - 100
    iv = implied_volatility(
        [49.0, 40.0, 151.0, 120.0, 5.0, np.nan, 5.0, -1.0],
        [100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0, 100.0],
        [150.0, 150.0, 150.0, 150.0, 100.0, 100.0, 100.0, 100.0],
        [1.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0],
        0.05,
        0.0,
        [False, False, False, True, False, False, False, False],
        [True, False, True, False, True, True, True, True],
    )
    assert iv.status.tolist() == [
        "below_intrinsic",
        "below_intrinsic",
        "above_bound",
        "above_bound",
        "expired",
        "invalid",
        "ok",
        "invalid",
    ]
    assert np.isnan(iv.vol[:6]).all() and np.isnan(iv.vol[7])
    assert float(option_price(100.0, 100.0, 1.0, 0.05, 0.0, iv.vol[6], False, True)) == pytest.approx(
        5.0, abs=1e-8
    )


def test_scalar_inputs_give_0d_results() -> None:
    iv = implied_volatility(2.4005, 49.0, 50.0, 0.3846, 0.05, 0.0, True)
    assert iv.vol.shape == () and str(iv.status) == "ok"
    assert float(iv.vol) == pytest.approx(0.20, abs=1e-4)
