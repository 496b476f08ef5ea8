"""The output formatting of numbers: API responses and the JSON stored in the database.

One null rule and one rounding rule for every app (analytics and portfolios use the same
functions, so that e.g. the onboarding preview and /data show the same market value to the cent).

Null rule
    ``None``, NaN, +/-inf, booleans and anything that is not a number become ``None`` (JSON
    ``null``): never NaN (invalid JSON, rejected by JSONB) and never 0 for an unknown. Every other
    value comes back as a Python ``float`` (numpy scalars and ``Decimal`` included).

Rounding rule
    Half-up (a tie rounds away from zero) on the number's shortest decimal form: a float is rounded
    as ``repr()`` writes it, a ``Decimal`` on its exact value. So ``2.675 -> 2.68``,
    ``0.125 -> 0.13``, ``-0.005 -> -0.01``: what a person rounding the printed number gets.
    (Python's ``round()`` rounds the float's exact binary value, half to even: 2.67 and 0.12.)
    The two rules differ only on such decimal ties; any other value rounds to the nearest.

Precisions
    :func:`money` USD to the cent (2 decimals), :func:`price` per share to 4 decimals,
    :func:`percent` (a value already x 100) to 4 decimals, :func:`shares` (share counts such as
    option deltas and gammas) to 6 decimals; :func:`ratio` and :func:`number` are rounded only when
    ``digits`` is given.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Any

import numpy as np

__all__ = [
    "MONEY_DIGITS",
    "PERCENT_DIGITS",
    "PRICE_DIGITS",
    "SHARES_DIGITS",
    "money",
    "number",
    "numbers",
    "percent",
    "price",
    "ratio",
    "shares",
]

#: Decimals of USD amounts (cents), prices per share, percentages and share counts.
MONEY_DIGITS = 2
PRICE_DIGITS = 4
PERCENT_DIGITS = 4
SHARES_DIGITS = 6

# Enough precision for any float's decimal form at any digits used here (quantize fails when the
# result needs more digits than the context's precision).
_CONTEXT = Context(prec=400, rounding=ROUND_HALF_UP)
_QUANTA: dict[int, Decimal] = {}


def _quantum(digits: int) -> Decimal:
    quantum = _QUANTA.get(digits)
    if quantum is None:
        quantum = _QUANTA[digits] = Decimal(1).scaleb(-digits)
    return quantum


def _half_up_decimal(value: float | Decimal, digits: int) -> float:
    """``value`` (finite) rounded half-up to ``digits`` decimals on its shortest decimal form."""
    exact = value if isinstance(value, Decimal) else Decimal(repr(value))
    try:
        return float(exact.quantize(_quantum(digits), context=_CONTEXT))
    except InvalidOperation:  # pragma: no cover - beyond any float's magnitude
        return float(value)


def _half_up(value: float | Decimal, digits: int) -> float:
    """``value`` (finite) rounded half-up to ``digits`` decimals on its shortest decimal form.

    Floats take a fast path with the same result as the decimal one (:func:`_half_up_decimal`,
    tested on random floats): a float whose shortest form has at most ``digits`` decimals is
    already rounded; one whose form is not a tie (a last digit 5 just past ``digits``) rounds to
    the nearest, and ``round()`` (correctly rounded on the exact binary value) lands on the same
    side as the decimal form: a rounding midpoint between the two would itself be a shorter form of
    the float. Ties, exponent forms and Decimals take the decimal path.
    """
    if type(value) is not float:
        return _half_up_decimal(value, digits)
    text = repr(value)
    dot = text.find(".")
    if dot < 0 or "e" in text:
        return _half_up_decimal(value, digits)
    decimals = len(text) - dot - 1
    if decimals <= digits:
        return value
    if decimals == digits + 1 and text[-1] == "5":
        return _half_up_decimal(value, digits)
    return round(value, digits)


def number(value: Any, digits: int | None = None) -> float | None:
    """A finite float (rounded half-up to ``digits`` decimals when given), else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        if not value.is_finite():
            return None
        return float(value) if digits is None else _half_up(value, digits)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(x):
        return None
    return x if digits is None else _half_up(x, digits)


def numbers(values: Iterable[Any], digits: int | None = None) -> list[float | None]:
    """:func:`number` of each value (a numpy array is flattened); a list, in order."""
    if isinstance(values, np.ndarray):
        if values.dtype == np.float64 and digits is None:  # fast path: same floats, non-finite -> None
            return [x if math.isfinite(x) else None for x in values.ravel().tolist()]
        values = values.ravel().tolist()
    return [number(v, digits) for v in values]


def money(value: Any) -> float | None:
    """USD rounded half-up to the cent; None when not a finite number."""
    return number(value, MONEY_DIGITS)


def price(value: Any) -> float | None:
    """A price per share (or per contract unit) rounded half-up to 4 decimals; None when unknown."""
    return number(value, PRICE_DIGITS)


def percent(value: Any) -> float | None:
    """A percentage (already x 100: 12.5 means 12.5 %) rounded half-up to 4 decimals; None when unknown."""
    return number(value, PERCENT_DIGITS)


def shares(value: Any) -> float | None:
    """A number of shares (e.g. a position delta or gamma) rounded half-up to 6 decimals; None when unknown."""
    return number(value, SHARES_DIGITS)


def ratio(value: Any, digits: int | None = None) -> float | None:
    """A unitless number (fraction, beta, correlation), rounded half-up when ``digits``; None when unknown."""
    return number(value, digits)
