"""Expiry calendar of an option book: expiry weeks, theta as the book ages, early-assignment flags.

Pure numpy: no Django, no clock, no I/O (``as_of`` is an argument).

Conventions
-----------
- Expiry week: the Monday on or before the expiration date (``week_start``).
- Theta by day: for each calendar date ``as_of + d`` (d = 0 .. days - 1) the book's theta
  (USD per calendar day: per-share theta x multiplier x signed quantity, summed) of the options
  still alive that day (expiration date after the date), priced with the one pricer (their
  exercise style) at T = (expiration - date) / 365 with today's spot, sigma, r and q (the book
  only ages; nothing else moves). Day 0 equals today's stored position theta.
- Early assignment (short options only, in the money):
  * a short call with a dividend yield q > 0 whose estimated quarterly dividend ``S x q / 4``
    (USD per share) exceeds its time value (price - intrinsic): the holder gains by exercising
    before the ex-dividend date; the ex-dates are not known, so dividends are assumed quarterly
    and one is expected within any quarter of the option's remaining life;
  * a short put deep in the money whose time value is below ``put_time_value_threshold``
    (USD per share, default 0.05): nothing is left to hold for.
  Time value = model price per share - intrinsic value (``max(S - K, 0)`` or ``max(K - S, 0)``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from analytics.engines.option_pricer import option_greeks, option_price

__all__ = [
    "PUT_TIME_VALUE_THRESHOLD",
    "ExpiryBook",
    "assignment_flags",
    "theta_by_day",
    "week_start",
]

#: Time value per share (USD) below which a deep in-the-money short put is flagged.
PUT_TIME_VALUE_THRESHOLD = 0.05
#: Dividends per year assumed for the ex-dividend estimate.
DIVIDENDS_PER_YEAR = 4


def week_start(date: dt.date) -> dt.date:
    """The Monday on or before ``date``."""
    return date - dt.timedelta(days=date.weekday())


@dataclass(frozen=True, eq=False)
class ExpiryBook:
    """Options as parallel arrays: spot (underlying price, USD), strike (USD), expiration dates,
    rate and dividend_yield (decimal), sigma (annualized), is_call, is_american, units (signed
    quantity x multiplier)."""

    spot: np.ndarray
    strike: np.ndarray
    expiration: tuple[dt.date, ...]
    rate: np.ndarray
    dividend_yield: np.ndarray
    sigma: np.ndarray
    is_call: np.ndarray
    is_american: np.ndarray
    units: np.ndarray

    def prices(self, as_of: dt.date) -> np.ndarray:
        """Model price per share on ``as_of`` (USD), each option with its exercise style."""
        t = np.array([max((e - as_of).days, 0) for e in self.expiration], dtype=np.float64) / 365.0
        with np.errstate(all="ignore"):
            return np.asarray(
                option_price(
                    self.spot,
                    self.strike,
                    t,
                    self.rate,
                    self.dividend_yield,
                    self.sigma,
                    self.is_call,
                    self.is_american,
                ),
                dtype=np.float64,
            )


def theta_by_day(book: ExpiryBook, as_of: dt.date, days: int = 30) -> list[tuple[dt.date, float]]:
    """``(date, theta USD per calendar day)`` for ``as_of + d``, d = 0 .. days - 1 (module doc)."""
    n = len(book.expiration)
    dates = [as_of + dt.timedelta(days=d) for d in range(days)]
    if n == 0:
        return [(d, 0.0) for d in dates]
    left = np.array([[(e - d).days for e in book.expiration] for d in dates], dtype=np.float64)
    alive = left > 0
    with np.errstate(all="ignore"):
        theta = np.asarray(
            option_greeks(
                book.spot,
                book.strike,
                np.maximum(left, 0.0) / 365.0,
                book.rate,
                book.dividend_yield,
                book.sigma,
                book.is_call,
                book.is_american,
            ).theta,
            dtype=np.float64,
        )
    totals = np.nansum(np.where(alive, theta * book.units, 0.0), axis=1)
    return [(d, float(t)) for d, t in zip(dates, totals, strict=True)]


def assignment_flags(
    book: ExpiryBook, as_of: dt.date, *, put_time_value_threshold: float = PUT_TIME_VALUE_THRESHOLD
) -> list[tuple[int, str, str]]:
    """``(index, code, reason)`` of the short options alive on ``as_of`` at risk of early
    assignment (module doc). ``code``: ``call_before_dividend`` or ``deep_itm_put``."""
    out: list[tuple[int, str, str]] = []
    prices = book.prices(as_of)
    for i in range(len(book.expiration)):
        if not (book.units[i] < 0 and book.expiration[i] > as_of):
            continue
        s, k, price = float(book.spot[i]), float(book.strike[i]), float(prices[i])
        if not (np.isfinite(s) and np.isfinite(k) and np.isfinite(price)):
            continue
        if book.is_call[i]:
            intrinsic = max(s - k, 0.0)
            dividend = s * float(book.dividend_yield[i]) / DIVIDENDS_PER_YEAR
            time_value = price - intrinsic
            if intrinsic > 0 and dividend > 0 and dividend > time_value:
                out.append(
                    (
                        i,
                        "call_before_dividend",
                        f"Short in-the-money call: the estimated quarterly dividend ${dividend:.2f}/share "
                        f"exceeds its time value ${max(time_value, 0.0):.2f}/share; exercise before the "
                        "ex-dividend date is likely.",
                    )
                )
        else:
            intrinsic = max(k - s, 0.0)
            time_value = price - intrinsic
            if intrinsic > 0 and time_value < put_time_value_threshold:
                out.append(
                    (
                        i,
                        "deep_itm_put",
                        f"Deep in-the-money short put: time value ${max(time_value, 0.0):.2f}/share is below "
                        f"${put_time_value_threshold:.2f}; early exercise is likely.",
                    )
                )
    return out
