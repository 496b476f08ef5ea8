"""The ``conventions`` object of an /analytics response (API.md: every /analytics response carries
``conventions: {units, window, method, annualization, reference}`` describing how its numbers
were made)."""

from __future__ import annotations

from typing import Any

__all__ = ["conventions"]


def conventions(
    *, units: str, method: str, window: str | None = None, annualization: str | None = None, reference: str
) -> dict[str, Any]:
    """The ``conventions`` object: free-text ``units``, ``window`` (None: no window), ``method``,
    ``annualization`` (None: not annualized) and ``reference`` (where the formulas are written)."""
    return {
        "units": units,
        "window": window,
        "method": method,
        "annualization": annualization,
        "reference": reference,
    }
