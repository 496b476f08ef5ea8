"""``SampleCovariances``: the parametric covariance memo shared by the books of a modeling calculate
gives exactly the estimates (and VaRs) of separate calls, and never a stale one."""

from __future__ import annotations

import numpy as np
from scipy.stats import norm

from analytics.engines.revaluation import PositionSet
from analytics.engines.var import SampleCovariances, parametric_var, sample_covariance


def _returns(seed: int = 5, n: int = 500, k: int = 4) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_t(5, size=(n, k)) * 0.012


def test_a_hit_is_the_estimate_of_an_equal_matrix_and_new_content_is_estimated_anew() -> None:
    r = _returns()
    memo = SampleCovariances()
    cov, n = memo(r[:, [0, 2]])
    expected, m = sample_covariance(r[:, [0, 2]])
    np.testing.assert_array_equal(cov, expected)
    assert n == m == 252 and memo.hits == 0
    again, _ = memo(r.copy()[:, [0, 2]])  # another array, same values: one estimate
    assert again is cov and memo.hits == 1
    changed = r[:, [0, 2]].copy()
    changed[-1, 0] += 1e-12  # one value of the window differs: a new estimate
    cov2, _ = memo(changed)
    assert memo.hits == 1 and not np.array_equal(cov2, cov)
    np.testing.assert_array_equal(cov2, sample_covariance(changed)[0])
    older = r[:, [0, 2]].copy()
    older[0, 0] = np.nan  # outside the 252-row window: the same estimate
    assert memo(older)[0] is cov
    inside = r[:, [0, 2]].copy()
    inside[-5, 1] = np.nan  # inside: a complete-case estimate on 251 rows
    assert memo(inside)[1] == 251


def test_parametric_var_with_the_memo_equals_separate_calls_and_the_closed_form() -> None:
    r = _returns()
    memo = SampleCovariances()
    books = [
        PositionSet.build(quantity=[100, -50, 30], price=[50.0, 80.0, 20.0], underlying=[0, 1, 3]),
        PositionSet.build(quantity=[100, -50], price=[50.0, 80.0], underlying=[0, 1]),
        PositionSet.build(quantity=[100, -20, 30], price=[50.0, 80.0, 20.0], underlying=[0, 1, 3]),
    ]
    for positions in books:
        for horizon in (1, 10):
            shared = parametric_var(positions, r, horizon_days=horizon, covariances=memo)
            alone = parametric_var(positions, r, horizon_days=horizon)
            assert shared.var == alone.var and shared.es == alone.es
            used = np.unique(positions.underlying)
            e = np.bincount(positions.underlying, weights=positions.quantity * positions.price)[used]
            sigma = np.sqrt(e @ np.cov(r[-252:, used], rowvar=False) @ e * horizon)
            np.testing.assert_allclose(shared.var[0.95], norm.ppf(0.95) * sigma, rtol=1e-12)
    # books 1 and 3 use the same columns: 2 estimates for 6 calls
    assert memo.hits == 4
