"""OCC (OSI) option symbols: parse and format. Pure Python: no Django import.

An OCC symbol is ``ROOT + YYMMDD + C|P + STRIKE``:

- ROOT: the underlying's option root, 1 to 6 letters or digits. In the *padded* form (21 characters,
  the OCC standard) it is right-padded with spaces to 6 characters (``"AAPL  251219C00150000"``); in
  the *unpadded* form used by most vendors it is not (``"AAPL251219C00150000"``).
- YYMMDD: the expiration date, years 2000-2099.
- C or P: call or put.
- STRIKE: the strike price x 1000 in 8 digits (``00150000`` = 150.000), so strikes run from 0.001 to
  99999.999 with at most 3 decimals.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal

OptionKind = Literal["call", "put"]

ROOT_MAX_LENGTH = 6
PADDED_LENGTH = 21
_TAIL_LENGTH = 15  # YYMMDD + C/P + 8 strike digits
_ROOT = re.compile(r"^[A-Z0-9]{1,6}$")
_TAIL = re.compile(r"^(?P<date>\d{6})(?P<kind>[CP])(?P<strike>\d{8})$")
_STRIKE_STEP = Decimal("0.001")
_STRIKE_MAX = Decimal("99999.999")
_KINDS: dict[str, OptionKind] = {"C": "call", "P": "put"}


class OCCError(ValueError):
    """The text is not a valid OCC symbol, or a contract cannot be written as one.

    ``part`` names the faulty component when there is one: ``underlying``, ``expiration``,
    ``option_type`` or ``strike`` (``None`` for the overall format).
    """

    def __init__(self, message: str, part: str | None = None) -> None:
        super().__init__(message)
        self.part = part


@dataclass(frozen=True)
class OCCContract:
    """One listed option contract: ``strike`` is per share, a ``Decimal`` with 3 decimals."""

    underlying: str
    expiration: dt.date
    option_type: OptionKind
    strike: Decimal


def parse_occ(symbol: str) -> OCCContract:
    """Parses a padded or unpadded OCC symbol (case-insensitive, surrounding blanks ignored).

    Raises :class:`OCCError` naming what is wrong (format, root, date or strike).
    """
    if not isinstance(symbol, str):
        raise OCCError("An OCC symbol must be a string.")
    text = symbol.strip().upper()
    if len(text) <= _TAIL_LENGTH:
        raise OCCError(f"{symbol!r} is too short for an OCC symbol (ROOT + YYMMDD + C/P + 8 strike digits).")
    head, tail = text[:-_TAIL_LENGTH], text[-_TAIL_LENGTH:]
    match = _TAIL.match(tail)
    if match is None:
        raise OCCError(
            f"{symbol!r} is not an OCC symbol: it must end with YYMMDD, C or P, and 8 strike digits."
        )
    return OCCContract(
        underlying=_parse_root(head, symbol),
        expiration=_parse_date(match["date"]),
        option_type=_KINDS[match["kind"]],
        strike=_parse_strike(match["strike"]),
    )


def format_occ(contract: OCCContract, padded: bool = True) -> str:
    """Writes the contract as an OCC symbol (21 characters when ``padded``).

    Raises :class:`OCCError` when the contract cannot be represented (root, year, strike range or
    more than 3 strike decimals).
    """
    root = contract.underlying.strip().upper() if isinstance(contract.underlying, str) else ""
    if not _ROOT.match(root):
        raise OCCError(
            f"The underlying {contract.underlying!r} is not an OCC root (1-6 letters or digits).",
            "underlying",
        )
    if not 2000 <= contract.expiration.year <= 2099:
        raise OCCError(
            f"The expiration {contract.expiration.isoformat()} is outside 2000-2099.", "expiration"
        )
    kind = next((code for code, name in _KINDS.items() if name == contract.option_type), None)
    if kind is None:
        raise OCCError(f"The option type {contract.option_type!r} is not 'call' or 'put'.", "option_type")
    strike_digits = _format_strike(contract.strike)
    root_part = root.ljust(ROOT_MAX_LENGTH) if padded else root
    return f"{root_part}{contract.expiration:%y%m%d}{kind}{strike_digits}"


def is_occ(symbol: object) -> bool:
    """True when ``symbol`` parses as an OCC symbol (padded or unpadded)."""
    if not isinstance(symbol, str):
        return False
    try:
        parse_occ(symbol)
    except OCCError:
        return False
    return True


def _parse_root(head: str, symbol: str) -> str:
    """The root: unpadded (no spaces) or padded to exactly 6 characters with trailing spaces."""
    root = head.rstrip(" ")
    if root != head and len(head) != ROOT_MAX_LENGTH:
        raise OCCError(
            f"{symbol!r}: the root must be padded with spaces to exactly 6 characters, or not padded."
        )
    if not _ROOT.match(root):
        raise OCCError(f"{symbol!r}: the root {root!r} must be 1 to 6 letters or digits.", "underlying")
    return root


def _parse_date(digits: str) -> dt.date:
    try:
        return dt.date(2000 + int(digits[:2]), int(digits[2:4]), int(digits[4:6]))
    except ValueError:
        raise OCCError(f"The expiration {digits!r} is not a valid YYMMDD date.", "expiration") from None


def _parse_strike(digits: str) -> Decimal:
    strike = (Decimal(int(digits)) * _STRIKE_STEP).quantize(_STRIKE_STEP)
    if strike <= 0:
        raise OCCError(f"The strike {digits!r} must be positive.", "strike")
    return strike


def _format_strike(strike: Decimal | int | str) -> str:
    try:
        value = Decimal(strike)
    except (InvalidOperation, TypeError, ValueError):
        raise OCCError(f"The strike {strike!r} is not a number.", "strike") from None
    if not value.is_finite() or not 0 < value <= _STRIKE_MAX:
        raise OCCError(f"The strike {strike} must be greater than 0 and at most {_STRIKE_MAX}.", "strike")
    if value != value.quantize(_STRIKE_STEP):
        raise OCCError(f"The strike {strike} has more than 3 decimals.", "strike")
    return f"{int(value.scaleb(3)):08d}"
