"""The chunk path's option values (``engines.scenario_batch``) equal the book-by-book engines."""

from __future__ import annotations

import numpy as np

from analytics.engines.black_scholes import bsm_price
from analytics.engines.option_scenarios import european_spot_scenarios
from analytics.engines.revaluation import PositionSet
from analytics.engines.scenario_batch import BookScenarioRequest, scenario_batch
from analytics.engines.var import historical_var, monte_carlo_var_horizons


def test_european_spot_scenarios_equal_bsm_price_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    n = 200
    K, T = rng.uniform(50, 150, n), rng.uniform(-0.1, 2, n)
    r, q, vol = rng.uniform(-0.01, 0.08, n), rng.uniform(0, 0.05, n), rng.uniform(0.05, 0.9, n)
    call = rng.random(n) < 0.5
    K[3], vol[4], T[5], r[6], K[7] = np.nan, 0.0, np.nan, np.inf, -1.0
    spots = 100 * np.exp(rng.normal(0, 0.3, (700, n)))
    spots[0, 0], spots[1, 1], spots[2, 2], spots[3, 10] = np.nan, 0.0, -3.0, np.inf
    with np.errstate(all="ignore"):
        expected = bsm_price(spots, K, T, r, q, vol, call)
        got = european_spot_scenarios(spots, K, T, r, q, vol, call)
    assert np.array_equal(got, expected, equal_nan=True)
    assert np.isnan(got[:, 3]).all() and np.isnan(got[0, 0]) and not np.isnan(got[0, 1])


#: (underlying column, strike, T, q, sigma, call, American): the contracts books pick from
MENU = [
    (0, 100.0, 0.5, 0.03, 0.25, False, True),
    (3, 100.0, 0.1, 0.0, 0.35, True, True),
    (5, 110.0, 0.5, 0.0, 0.2, True, False),
    (7, 90.0, 0.25, 0.02, 0.3, False, True),
]


def _book(rng: np.random.Generator, n_stocks: int, n_options: int, columns: int) -> PositionSet:
    menu = [MENU[i] for i in rng.choice(len(MENU), n_options)]
    under = np.r_[rng.choice(columns, n_stocks), [m[0] for m in menu]]
    nan = np.full(n_stocks, np.nan)
    return PositionSet.build(
        quantity=rng.integers(-20, 20, n_stocks + n_options).astype(float),
        price=100.0 + under,  # one price per underlying column, as in a book
        multiplier=np.r_[np.ones(n_stocks), np.full(n_options, 100.0)],
        is_option=np.r_[np.zeros(n_stocks, bool), np.ones(n_options, bool)],
        strike=np.r_[nan, [m[1] for m in menu]],
        expiry_years=np.r_[nan, [m[2] for m in menu]],
        rate=0.04,
        dividend_yield=np.r_[np.zeros(n_stocks), [m[3] for m in menu]],
        sigma=np.r_[nan, [m[4] for m in menu]],
        is_call=np.r_[np.ones(n_stocks, bool), [m[5] for m in menu]],
        is_american=np.r_[np.zeros(n_stocks, bool), [m[6] for m in menu]],
        underlying=under,
    )


def test_scenario_batch_equals_each_book_alone() -> None:
    rng = np.random.default_rng(11)
    columns = 12
    returns = rng.standard_t(4, (520, columns)) * 0.015
    returns[100, 3] = np.nan  # books using column 3 have one scenario row fewer
    books = {i: _book(rng, 6, 4, columns) for i in range(8)}  # contracts repeat across books
    requests = {i: BookScenarioRequest(p, historical=True, monte_carlo=i % 2 == 0) for i, p in books.items()}
    cache: dict[bytes, np.ndarray] = {}
    values, normals = scenario_batch(requests, returns, seed=7, horizons=(1, 10), n_paths=2_000, cache=cache)
    assert normals is not None
    # each distinct contract priced once per horizon and set of complete rows (column 3's gap)
    assert len(cache) <= 2 * 2 * len(MENU)
    for i, positions in books.items():
        for h in (1, 10):
            alone = historical_var(positions, returns, horizon_days=h)
            batched = historical_var(positions, returns, horizon_days=h, precomputed=values[i].historical[h])
            assert batched.var == alone.var and batched.es == alone.es
            np.testing.assert_allclose(
                batched.component_es.to_numpy(), alone.component_es.to_numpy(), rtol=1e-12
            )
        if i % 2 == 0:
            kwargs = dict(seed=7, horizons=(1, 10), n_paths=2_000)
            alone_mc = monte_carlo_var_horizons(positions, returns, **kwargs)
            batched_mc = monte_carlo_var_horizons(
                positions, returns, **kwargs, normals=normals, precomputed=values[i].monte_carlo
            )
            for h in (1, 10):
                assert batched_mc[h].var == alone_mc[h].var and batched_mc[h].es == alone_mc[h].es
                assert batched_mc[h].sigma == alone_mc[h].sigma
        else:
            assert values[i].monte_carlo == {}
