"""VaR backtest statistics against independent references (scipy's binomial log-likelihoods, hand
counts, the Basel table)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binom, chi2, norm

from analytics.engines.backtest import backtest_stats, christoffersen, kupiec_pof, rolling_var, traffic_light


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


def test_rolling_var_uses_only_the_window_before_each_day() -> None:
    rng = np.random.default_rng(5)
    rets = rng.normal(0, 0.01, (60, 2))
    e = np.array([1000.0, -400.0])
    pnl = rets @ e
    hist = rolling_var(pnl, rets, e, method="historical", confidence=0.95, window=40, days=20)
    assert hist[0] == pytest.approx(-np.quantile(pnl[0:40], 0.05))
    assert hist[-1] == pytest.approx(-np.quantile(pnl[19:59], 0.05))
    par = rolling_var(pnl, rets, e, method="parametric", confidence=0.99, window=40, days=20)
    cov = np.cov(rets[10:50], rowvar=False)
    assert par[10] == pytest.approx(norm.ppf(0.99) * math.sqrt(e @ cov @ e))
