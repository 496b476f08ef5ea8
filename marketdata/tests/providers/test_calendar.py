"""The NYSE trading calendar helpers (pure: no database)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from marketdata.providers.calendar import (
    add_months,
    is_session,
    last_session_before,
    next_session_after,
    session_close,
    session_on_or_before,
    third_friday,
    trading_days,
)


def test_trading_days_skip_weekends_and_holidays() -> None:
    days = trading_days(dt.date(2024, 7, 1), dt.date(2024, 12, 31))
    assert dt.date(2024, 7, 4) not in days  # Independence Day
    assert dt.date(2024, 11, 28) not in days  # Thanksgiving
    assert dt.date(2024, 12, 25) not in days
    assert dt.date(2024, 7, 5) in days
    assert all(d.weekday() < 5 for d in days)
    assert days == sorted(days)


def test_first_session_of_2022_and_special_closures() -> None:
    assert trading_days(dt.date(2022, 1, 1), dt.date(2022, 1, 7))[0] == dt.date(2022, 1, 3)
    assert not is_session(dt.date(2025, 1, 9))  # national day of mourning (President Carter)
    assert not is_session(dt.date(2022, 6, 20))  # Juneteenth, observed
    assert is_session(dt.date(2024, 11, 29))  # half day is still a session


def test_empty_and_single_day_ranges() -> None:
    assert trading_days(dt.date(2024, 7, 6), dt.date(2024, 7, 7)) == []
    assert trading_days(dt.date(2024, 7, 10), dt.date(2024, 7, 1)) == []
    assert trading_days(dt.date(2024, 7, 5), dt.date(2024, 7, 5)) == [dt.date(2024, 7, 5)]


def test_last_session_before_is_strict() -> None:
    # Monday after the Good Friday weekend: the previous session is Thursday
    assert last_session_before(dt.date(2024, 4, 1)) == dt.date(2024, 3, 28)
    # Tuesday after Memorial Day
    assert last_session_before(dt.date(2024, 5, 28)) == dt.date(2024, 5, 24)
    # the holiday itself and a regular Tuesday
    assert last_session_before(dt.date(2024, 1, 15)) == dt.date(2024, 1, 12)
    assert last_session_before(dt.date(2024, 1, 10)) == dt.date(2024, 1, 9)


def test_session_on_or_before_and_next_session() -> None:
    assert session_on_or_before(dt.date(2024, 1, 20)) == dt.date(2024, 1, 19)  # Saturday
    assert session_on_or_before(dt.date(2024, 1, 15)) == dt.date(2024, 1, 12)  # MLK day
    assert session_on_or_before(dt.date(2024, 1, 16)) == dt.date(2024, 1, 16)
    assert next_session_after(dt.date(2024, 3, 28)) == dt.date(2024, 4, 1)


def test_dates_outside_the_calendar_raise() -> None:
    with pytest.raises(ValueError, match="outside the trading calendar"):
        trading_days(dt.date(1985, 1, 1), dt.date(1985, 2, 1))
    with pytest.raises(ValueError):
        session_on_or_before(dt.date(2099, 1, 1))


@pytest.mark.parametrize(
    "day, close",
    [
        (
            dt.date(2025, 11, 28),
            dt.datetime(2025, 11, 28, 18, 0, tzinfo=dt.UTC),
        ),  # day after Thanksgiving, 13:00 EST
        (dt.date(2024, 12, 24), dt.datetime(2024, 12, 24, 18, 0, tzinfo=dt.UTC)),  # Christmas Eve, 13:00 EST
        (dt.date(2025, 7, 3), dt.datetime(2025, 7, 3, 17, 0, tzinfo=dt.UTC)),  # before July 4th, 13:00 EDT
        (dt.date(2025, 1, 6), dt.datetime(2025, 1, 6, 21, 0, tzinfo=dt.UTC)),  # regular winter day, 16:00 EST
        (
            dt.date(2025, 6, 30),
            dt.datetime(2025, 6, 30, 20, 0, tzinfo=dt.UTC),
        ),  # regular summer day, 16:00 EDT
        (dt.date(2025, 3, 7), dt.datetime(2025, 3, 7, 21, 0, tzinfo=dt.UTC)),  # Friday before DST starts
        (dt.date(2025, 3, 10), dt.datetime(2025, 3, 10, 20, 0, tzinfo=dt.UTC)),  # Monday after DST starts
    ],
)
def test_session_close_is_the_exchange_close_in_utc(day: dt.date, close: dt.datetime) -> None:
    assert session_close(day) == close
    assert session_close(day).tzinfo is dt.UTC


def test_session_close_of_a_non_session_raises() -> None:
    with pytest.raises(ValueError, match="not an NYSE session"):
        session_close(dt.date(2025, 11, 27))  # Thanksgiving
    with pytest.raises(ValueError, match="outside the trading calendar"):
        session_close(dt.date(2099, 1, 2))


def test_third_friday_examples() -> None:
    assert third_friday(2025, 1) == dt.date(2025, 1, 17)
    assert third_friday(2024, 3) == dt.date(2024, 3, 15)
    assert third_friday(2024, 11) == dt.date(2024, 11, 15)  # month starting on a Friday
    assert third_friday(2026, 5) == dt.date(2026, 5, 15)


@given(st.integers(min_value=2000, max_value=2040), st.integers(min_value=1, max_value=12))
def test_third_friday_is_a_friday_between_the_15th_and_21st(year: int, month: int) -> None:
    d = third_friday(year, month)
    assert d.weekday() == 4
    assert (d.year, d.month) == (year, month)
    assert 15 <= d.day <= 21


def test_add_months_clamps_to_month_end() -> None:
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2023, 1, 31), 1) == dt.date(2023, 2, 28)
    assert add_months(dt.date(2024, 11, 15), 3) == dt.date(2025, 2, 15)
    assert add_months(dt.date(2024, 3, 31), -1) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2024, 5, 10), -17) == dt.date(2022, 12, 10)
    assert add_months(dt.date(2024, 5, 10), 0) == dt.date(2024, 5, 10)


@given(st.dates(min_value=dt.date(2001, 1, 1), max_value=dt.date(2039, 12, 31)))
def test_session_helpers_agree(d: dt.date) -> None:
    before = last_session_before(d)
    assert before < d and is_session(before)
    assert trading_days(before + dt.timedelta(days=1), d - dt.timedelta(days=1)) == []
    on = session_on_or_before(d)
    assert on == (d if is_session(d) else before)
