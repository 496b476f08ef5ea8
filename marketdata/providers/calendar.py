"""The US equity trading calendar (NYSE sessions, ``exchange_calendars`` XNYS), pure and cached.

All functions take and return ``datetime.date``; none reads the clock. The calendar is built once per
process for :data:`CALENDAR_FIRST` .. :data:`CALENDAR_LAST` (regular rules plus the historical
closures ``exchange_calendars`` knows, e.g. the national days of mourning); dates outside that span
raise ``ValueError`` rather than guessing.
"""

from __future__ import annotations

import calendar as _stdlib_calendar
import datetime as dt
import functools
import warnings

import numpy as np
import numpy.typing as npt

CALENDAR_FIRST = dt.date(1990, 1, 1)
CALENDAR_LAST = dt.date(2040, 12, 31)


@functools.cache
def _xnys() -> tuple[npt.NDArray[np.datetime64], npt.NDArray[np.datetime64]]:
    """The XNYS calendar's (sessions as ``datetime64[D]``, closes as UTC ``datetime64[s]``), read-only
    arrays aligned by position, built once per process."""
    import exchange_calendars

    with warnings.catch_warnings():
        # exchange_calendars trips pandas' own deprecation warnings (Series.values on tz data)
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        cal = exchange_calendars.get_calendar(
            "XNYS", start=CALENDAR_FIRST.isoformat(), end=CALENDAR_LAST.isoformat()
        )
        days = cal.sessions.values.astype("datetime64[D]")
        closes = cal.closes.values.astype("datetime64[s]")  # naive UTC
    days.setflags(write=False)
    closes.setflags(write=False)
    return days, closes


def sessions_array() -> npt.NDArray[np.datetime64]:
    """Every NYSE session in the calendar span as a sorted, read-only ``datetime64[D]`` array."""
    return _xnys()[0]


def _check(d: dt.date) -> np.datetime64:
    if not CALENDAR_FIRST <= d <= CALENDAR_LAST:
        raise ValueError(f"{d} is outside the trading calendar ({CALENDAR_FIRST}..{CALENDAR_LAST}).")
    return np.datetime64(d, "D")


def sessions_between(start: dt.date, end: dt.date) -> npt.NDArray[np.datetime64]:
    """Sessions in [start, end] (both inclusive) as ``datetime64[D]``; empty when start > end."""
    if start > end:
        return np.empty(0, dtype="datetime64[D]")
    days = sessions_array()
    lo = np.searchsorted(days, _check(start), side="left")
    hi = np.searchsorted(days, _check(end), side="right")
    return days[lo:hi]


def trading_days(start: dt.date, end: dt.date) -> list[dt.date]:
    """NYSE sessions in [start, end] (both inclusive), ascending."""
    return [d.item() for d in sessions_between(start, end)]


def is_session(d: dt.date) -> bool:
    """True when the NYSE is open on ``d``."""
    days = sessions_array()
    i = np.searchsorted(days, _check(d))
    return bool(i < len(days) and days[i] == np.datetime64(d, "D"))


def session_on_or_before(d: dt.date) -> dt.date:
    """``d`` itself when it is a session, else the last session before it."""
    days = sessions_array()
    i = int(np.searchsorted(days, _check(d), side="right")) - 1
    if i < 0:
        raise ValueError(f"No session on or before {d} in the calendar.")
    return days[i].item()


def session_close(d: dt.date) -> dt.datetime:
    """The actual close of the NYSE session ``d`` as an aware UTC datetime, from the exchange calendar:
    16:00 New York on a regular day (21:00Z in winter, 20:00Z in summer), 13:00 New York on an early
    close (2025-11-28 -> 18:00Z). ``ValueError`` when ``d`` is not a session."""
    days, closes = _xnys()
    i = int(np.searchsorted(days, _check(d)))
    if i >= len(days) or days[i] != np.datetime64(d, "D"):
        raise ValueError(f"{d} is not an NYSE session.")
    return closes[i].item().replace(tzinfo=dt.UTC)


def last_session_before(d: dt.date) -> dt.date:
    """The last session strictly before ``d`` (the previous close of a trading day, or the last
    closed session seen from a weekend or holiday)."""
    return session_on_or_before(d - dt.timedelta(days=1))


def next_session_after(d: dt.date) -> dt.date:
    """The first session strictly after ``d``."""
    days = sessions_array()
    i = int(np.searchsorted(days, _check(d), side="right"))
    if i >= len(days):
        raise ValueError(f"No session after {d} in the calendar.")
    return days[i].item()


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` moved by ``months`` calendar months (negative allowed); the day is clamped to the end
    of the target month (2024-01-31 + 1 month = 2024-02-29)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    last_day = _stdlib_calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(d.day, last_day))


def third_friday(year: int, month: int) -> dt.date:
    """The third Friday of the month: the standard monthly equity option expiration date (it is
    not moved when it falls on an exchange holiday; the OCC symbol keeps that date)."""
    first = dt.date(year, month, 1)
    offset = (4 - first.weekday()) % 7  # Monday = 0 .. Friday = 4
    return first + dt.timedelta(days=offset + 14)
