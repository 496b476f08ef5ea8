"""Spot-scenario revaluation: the ladder interpolation against direct American pricing."""

from __future__ import annotations

import numpy as np

from analytics.engines.black_scholes import bsm_price
from analytics.engines.option_pricer import option_price
from analytics.engines.option_scenarios import option_price_spot_scenarios


def _book(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    spot = rng.uniform(20.0, 800.0, n)
    strike = spot * rng.uniform(0.7, 1.3, n)
    days = rng.integers(1, 730, n)
    q = rng.uniform(0.0, 0.06, n)
    r = rng.uniform(0.0, 0.08, n)
    vol = rng.uniform(0.05, 0.9, n)
    call = rng.random(n) < 0.5
    return spot, strike, days / 365.0, r, q, vol, call


def test_ladder_matches_direct_pricing_within_1e4_of_strike() -> None:
    spot, strike, t, r, q, vol, call = _book(300, 1)
    rng = np.random.default_rng(2)
    returns = np.maximum(rng.standard_t(4, (400, spot.size)) * 0.03, -0.9)  # fat-tailed daily returns
    returns[0] = -0.45  # a crash scenario, far from the others
    spots = spot * (1.0 + returns)
    ladder = option_price_spot_scenarios(spots, strike, t, r, q, vol, call, True)
    direct = option_price(spots, strike, t, r, q, vol, call, True)
    assert np.all(np.abs(ladder - direct) < 1e-4 * strike)


def test_few_scenarios_are_priced_directly() -> None:
    spot, strike, t, r, q, vol, call = _book(50, 3)
    spots = spot * np.array([[0.9], [1.0], [1.1]])
    got = option_price_spot_scenarios(spots, strike, t, r, q, vol, call, True)
    np.testing.assert_allclose(
        got, option_price(spots, strike, t, r, q, vol, call, True), rtol=1e-12, atol=1e-12
    )


def test_european_rows_are_the_closed_form_and_nan_cells_stay_local() -> None:
    spot, strike, t, r, q, vol, call = _book(40, 4)
    american = np.arange(40) % 2 == 0
    spots = spot * np.random.default_rng(5).uniform(0.8, 1.2, (200, 40))
    spots[3, 5] = np.nan
    spots[7, 6] = -1.0
    got = option_price_spot_scenarios(spots, strike, t, r, q, vol, call, american)
    with np.errstate(invalid="ignore"):
        eu = bsm_price(spots, strike, t, r, q, vol, call)
    np.testing.assert_array_equal(got[:, ~american], eu[:, ~american])
    assert np.isnan(got[3, 5]) and np.isnan(got[7, 6])
    assert np.isfinite(np.delete(got, [3, 7], axis=0)).all()
    one = option_price_spot_scenarios(spots[0], strike, t, r, q, vol, call, american)
    assert one.shape == (1, 40)
