"""The liquidity engine on hand-computed numbers."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from analytics.engines.liquidity import (
    adv_frame,
    bucket_of,
    days_to_exit,
    exit_buckets,
    liquidity_adjusted_var,
)


def test_adv_uses_the_last_n_complete_bars() -> None:
    d = [dt.date(2025, 3, i) for i in range(3, 8)]
    bars = pd.DataFrame(
        {
            "symbol": ["A"] * 5 + ["B"],
            "date": d + [d[0]],
            "close": [10.0, 11.0, 12.0, np.nan, 14.0, 5.0],
            "volume": [100, 200, 300, 400, 500, 0],
        }
    )
    adv = adv_frame(bars, 2)
    # A's last two complete bars: (12, 300) and (14, 500)
    assert adv.loc["A", "adv_shares"] == pytest.approx(400.0)
    assert adv.loc["A", "adv_dollars"] == pytest.approx((12 * 300 + 14 * 500) / 2)
    assert adv.loc["B", "adv_shares"] == 0.0


def test_days_to_exit_and_unknown_volume() -> None:
    days = days_to_exit(np.array([-1000.0, 50.0, 10.0]), np.array([2000.0, 0.0, np.nan]), 0.25)
    assert days[0] == pytest.approx(2.0)
    assert np.isnan(days[1]) and np.isnan(days[2])


def test_bucket_edges_belong_to_the_lower_bucket() -> None:
    assert [bucket_of(x) for x in (0.2, 1.0, 1.01, 3.0, 7.0, 7.5, float("nan"))] == [
        "<=1d",
        "<=1d",
        "1-3d",
        "1-3d",
        "3-7d",
        ">7d",
        None,
    ]
    rows = exit_buckets(np.array([100.0, -50.0, 30.0, 20.0]), np.array([0.5, 2.0, 20.0, np.nan]), 1000.0)
    assert [(r["bucket"], r["market_value"], r["percent_of_nav"]) for r in rows] == [
        ("<=1d", 100.0, 10.0),
        ("1-3d", 50.0, 5.0),
        ("3-7d", 0.0, 0.0),
        (">7d", 30.0, 3.0),
    ]


def test_liquidity_adjusted_var_scales_only_the_slow_exits() -> None:
    cvar = np.array([100.0, 50.0, -10.0, np.nan])
    days = np.array([0.5, 40.0, 12.0, 1.0])
    expected = 100 * math.sqrt(10) + 50 * math.sqrt(40) - 10 * math.sqrt(12)
    assert liquidity_adjusted_var(cvar, days) == pytest.approx(expected)
    assert liquidity_adjusted_var(cvar[:1], np.array([np.nan])) == pytest.approx(100 * math.sqrt(10))
