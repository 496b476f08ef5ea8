"""The expiry-calendar engine: weeks, theta as the book ages (closed-form BSM theta), assignment."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from analytics.engines.expiries import ExpiryBook, assignment_flags, theta_by_day, week_start
from analytics.tests.valuation_book import norm_cdf

AS_OF = dt.date(2025, 3, 14)  # a Friday


def bsm_call_theta_per_day(s: float, k: float, t: float, r: float, vol: float) -> float:
    """Closed-form BSM call theta (q = 0), per calendar day."""
    d1 = (math.log(s / k) + (r + 0.5 * vol * vol) * t) / (vol * math.sqrt(t))
    d2 = d1 - vol * math.sqrt(t)
    pdf = math.exp(-0.5 * d1 * d1) / math.sqrt(2 * math.pi)
    return (-s * pdf * vol / (2 * math.sqrt(t)) - r * k * math.exp(-r * t) * norm_cdf(d2)) / 365


def book(**overrides) -> ExpiryBook:  # type: ignore[no-untyped-def]
    base = dict(
        spot=np.array([100.0, 100.0]),
        strike=np.array([100.0, 110.0]),
        expiration=(AS_OF + dt.timedelta(days=10), AS_OF + dt.timedelta(days=60)),
        rate=np.array([0.04, 0.04]),
        dividend_yield=np.array([0.0, 0.0]),
        sigma=np.array([0.25, 0.35]),
        is_call=np.array([True, True]),
        is_american=np.array([False, False]),
        units=np.array([200.0, -100.0]),
    )
    base.update(overrides)
    return ExpiryBook(**base)


def test_week_start_is_the_monday() -> None:
    assert week_start(dt.date(2025, 3, 21)) == dt.date(2025, 3, 17)  # Friday -> Monday
    assert week_start(dt.date(2025, 3, 17)) == dt.date(2025, 3, 17)


def test_theta_by_day_ages_the_book_and_drops_the_expired() -> None:
    days = theta_by_day(book(), AS_OF, 30)
    assert [d for d, _ in days][:2] == [AS_OF, AS_OF + dt.timedelta(days=1)]
    for d, theta in (days[0], days[5], days[10], days[29]):
        left1, left2 = (AS_OF + dt.timedelta(days=10) - d).days, (AS_OF + dt.timedelta(days=60) - d).days
        expected = -100 * bsm_call_theta_per_day(100, 110, left2 / 365, 0.04, 0.35)
        if left1 > 0:
            expected += 200 * bsm_call_theta_per_day(100, 100, left1 / 365, 0.04, 0.25)
        assert theta == pytest.approx(expected, rel=1e-9)


def test_assignment_flags() -> None:
    flagged = book(
        spot=np.array([100.0, 100.0, 100.0, 100.0]),
        strike=np.array([150.0, 150.0, 60.0, 99.0]),
        expiration=(AS_OF + dt.timedelta(days=180),) * 4,
        rate=np.full(4, 0.045),
        dividend_yield=np.array([0.0, 0.0, 0.04, 0.04]),
        sigma=np.full(4, 0.3),
        is_call=np.array([False, False, True, True]),
        is_american=np.full(4, True),
        units=np.array([-100.0, 100.0, -100.0, -100.0]),
    )
    flags = assignment_flags(flagged, AS_OF)
    # the short deep ITM American put (time value ~0) and the short deep ITM call on a 4 % yielder
    # (dividend 1.00/share > its time value); the long put and the barely ITM call are not flagged
    assert [(i, code) for i, code, _ in flags] == [(0, "deep_itm_put"), (2, "call_before_dividend")]
    assert "$1.00/share" in flags[1][2]
