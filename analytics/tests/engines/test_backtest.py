"""VaR backtest statistics against independent references (scipy's binomial log-likelihoods, hand
counts, the Basel table)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, chi2

from analytics.engines.backtest import backtest_stats, christoffersen, kupiec_pof, realized_pnl, traffic_light


@pytest.mark.parametrize(("n", "x", "p"), [(250, 8, 0.01), (250, 0, 0.01), (500, 30, 0.05), (100, 100, 0.05)])
def test_kupiec_is_the_binomial_likelihood_ratio(n: int, x: int, p: float) -> None:
    stat, pval = kupiec_pof(n, x, p)
    expected = 2 * (binom.logpmf(x, n, x / n) - binom.logpmf(x, n, p))
    assert stat == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert pval == pytest.approx(chi2.sf(expected, 1), rel=1e-9, abs=1e-12)


def test_christoffersen_on_hand_counts() -> None:
    seq = np.array([0, 0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
    # transitions: n00, n01, n10, n11 counted by hand
    n00, n01, n10, n11 = 10, 3, 3, 3
    pi01, pi11, pi = n01 / (n00 + n01), n11 / (n10 + n11), (n01 + n11) / 19
    lr_ind = -2 * ((n00 + n10) * math.log(1 - pi) + (n01 + n11) * math.log(pi)) + 2 * (
        n00 * math.log(1 - pi01) + n01 * math.log(pi01) + n10 * math.log(1 - pi11) + n11 * math.log(pi11)
    )
    out = christoffersen(seq, 0.05)
    assert out["independence"][0] == pytest.approx(lr_ind, rel=1e-12)
    assert out["independence"][1] == pytest.approx(chi2.sf(lr_ind, 1), rel=1e-9)
    lr_pof = 2 * (binom.logpmf(6, 20, 6 / 20) - binom.logpmf(6, 20, 0.05))  # 6 exceptions in 20
    assert out["conditional_coverage"][0] == pytest.approx(lr_pof + lr_ind, rel=1e-9)
    assert out["conditional_coverage"][1] == pytest.approx(chi2.sf(lr_pof + lr_ind, 2), rel=1e-9)


def test_basel_traffic_light_table() -> None:
    zones = [traffic_light(250, x, 0.01) for x in range(12)]
    assert zones == ["green"] * 5 + ["yellow"] * 5 + ["red"] * 2


def test_exceptions_are_strictly_below_minus_var() -> None:
    stats = backtest_stats(np.array([10.0, 10.0, 10.0, np.nan]), np.array([-10.0, -10.5, 3.0, -50.0]), 0.99)
    assert (stats.observations, stats.exceptions) == (3, 1)
    assert stats.expected_exceptions == pytest.approx(0.03)


def test_a_known_exception_series_against_hand_computed_statistics() -> None:
    """Ten days at 95 %, exceptions on days 3 and 4 (a cluster). By hand, with natural logs:
    LR_pof = -2 [8 ln 0.95 + 2 ln 0.05] + 2 [8 ln 0.8 + 2 ln 0.2] = 12.803622 - 10.008048 = 2.795573;
    transitions n00 = 6, n01 = 1, n10 = 1, n11 = 1, so pi01 = 1/7, pi11 = 1/2, pi = 2/9 and
    LR_ind = -2 [7 ln(7/9) + 2 ln(2/9)] + 2 [6 ln(6/7) + ln(1/7) + 2 ln(1/2)] = 9.534712 - 8.514217
    = 1.020494; LR_cc = 3.816068. p-values: chi-square(1) survival = erfc(sqrt(x / 2)),
    chi-square(2) survival = exp(-x / 2), and scipy's chi2.sf."""
    flags = np.array([0, 0, 1, 1, 0, 0, 0, 0, 0, 0], dtype=bool)
    stats = backtest_stats(np.full(10, 1.0), np.where(flags, -2.0, 0.5), 0.95)
    assert (stats.observations, stats.exceptions) == (10, 2)
    assert stats.kupiec[0] == pytest.approx(2.795573, abs=1e-6)
    assert stats.independence[0] == pytest.approx(1.020494, abs=1e-6)
    assert stats.conditional_coverage[0] == pytest.approx(3.816068, abs=1e-6)
    assert stats.kupiec[1] == pytest.approx(math.erfc(math.sqrt(2.795573 / 2)), abs=1e-6)
    assert stats.independence[1] == pytest.approx(math.erfc(math.sqrt(1.020494 / 2)), abs=1e-6)
    assert stats.conditional_coverage[1] == pytest.approx(math.exp(-3.816068 / 2), abs=1e-6)
    assert stats.kupiec[1] == pytest.approx(chi2.sf(stats.kupiec[0], 1), rel=1e-12)
    assert stats.independence[1] == pytest.approx(chi2.sf(stats.independence[0], 1), rel=1e-12)
    assert stats.conditional_coverage[1] == pytest.approx(
        chi2.sf(stats.conditional_coverage[0], 2), rel=1e-12
    )


def test_realized_pnl_excludes_the_flow_of_the_day() -> None:
    # NAV 1000 -> 1550 with a 500 purchase at the start of day 2 (a gain of 50), then 1500 (-50)
    pnl = realized_pnl(np.array([1000.0, 1550.0, 1500.0]), np.array([0.0, 500.0, 0.0]))
    np.testing.assert_allclose(pnl, [np.nan, 50.0, -50.0])
