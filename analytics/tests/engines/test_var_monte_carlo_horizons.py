"""monte_carlo_var_horizons must reproduce monte_carlo_var bit for bit (one draw per portfolio)."""

from __future__ import annotations

import numpy as np
import pytest

from analytics.engines.revaluation import PositionSet
from analytics.engines.var import CONFIDENCES, monte_carlo_var, monte_carlo_var_horizons


def _book() -> PositionSet:
    return PositionSet.build(
        quantity=[1000, -500, 10, -5],
        price=[100.0, 120.0, 100.0, 80.0],
        multiplier=[1, 1, 100, 100],
        is_option=[False, False, True, True],
        is_call=[False, False, False, True],
        strike=[np.nan, np.nan, 95.0, 85.0],
        expiry_years=[np.nan, np.nan, 0.25, 0.5],
        rate=[0.0, 0.0, 0.04, 0.04],
        sigma=[np.nan, np.nan, 0.3, 0.35],
        underlying=[0, 1, 0, 2],
    )


@pytest.mark.parametrize("singular", [False, True])
def test_horizons_identical_to_per_horizon_calls(singular: bool) -> None:
    rng = np.random.default_rng(5)
    returns = rng.standard_normal((300, 3)) * 0.01
    if singular:
        returns[:, 2] = 2.0 * returns[:, 0]  # rank-deficient covariance (eigh path)
    book = _book()
    both = monte_carlo_var_horizons(book, returns, seed=20261120, horizons=(1, 10), n_paths=4000)
    for h in (1, 10):
        one = monte_carlo_var(book, returns, seed=20261120, horizon_days=h, n_paths=4000)
        got = both[h]
        assert got.horizon_days == h and got.scenarios == one.scenarios == 4000
        assert got.observations == one.observations and got.sigma == one.sigma
        for c in CONFIDENCES:
            assert got.var[c] == one.var[c] and got.es[c] == one.es[c]
        np.testing.assert_array_equal(got.component_es.to_numpy(), one.component_es.to_numpy())


def test_horizons_too_short_history_is_nan() -> None:
    returns = np.random.default_rng(1).standard_normal((30, 3)) * 0.01
    out = monte_carlo_var_horizons(_book(), returns, seed=1, horizons=(1, 10))
    assert set(out) == {1, 10}
    assert all(np.isnan(r.var[0.99]) and r.observations == 30 for r in out.values())
