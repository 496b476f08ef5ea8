"""How numbers read in the PDF and HTML reports (the JSON and CSV keep the raw numbers).

A missing or non-finite value prints as an en dash.
"""

from __future__ import annotations

import math
from typing import Any

DASH = "\u2013"


def _ok(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def money(value: Any, *, decimals: int = 0) -> str:
    """USD with thousands separators: ``$1,234,567`` / ``-$12,345``."""
    if not _ok(value):
        return DASH
    return f"{'-' if value < 0 else ''}${abs(value):,.{decimals}f}"


def money_short(value: Any) -> str:
    """USD in K / M / B with one decimal: ``$3.28M``."""
    if not _ok(value):
        return DASH
    sign, v = ("-" if value < 0 else ""), abs(value)
    for scale, unit in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if v >= scale:
            return f"{sign}${v / scale:,.2f}{unit}"
    return f"{sign}${v:,.0f}"


def percent(value: Any, *, decimals: int = 1) -> str:
    """A number already in percent (``12.0`` -> ``12.0%``)."""
    return f"{value:,.{decimals}f}%" if _ok(value) else DASH


def fraction(value: Any, *, decimals: int = 1, signed: bool = False) -> str:
    """A fraction shown in percent (``0.12`` -> ``12.0%``)."""
    if not _ok(value):
        return DASH
    return f"{value * 100:{'+' if signed else ''},.{decimals}f}%"


def number(value: Any, *, decimals: int = 2, signed: bool = False) -> str:
    if not _ok(value):
        return DASH
    return f"{value:{'+' if signed else ''},.{decimals}f}"


def confidence(value: Any) -> str:
    """``0.975`` -> ``97.5%``, ``0.95`` -> ``95%``."""
    return f"{value * 100:g}%" if _ok(value) else DASH
