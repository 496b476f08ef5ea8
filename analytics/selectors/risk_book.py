"""The book engine 7 works on: one row per held position with everything the risk engines need.

A *book* is a DataFrame indexed by position id (str) with columns:

- ``portfolio_id``, ``symbol``, ``risk_symbol`` (the stock itself, or an option's underlying),
  ``is_option``, ``is_call``, ``is_american`` (exercise style; False for stocks);
- ``quantity`` (signed shares or contracts), ``multiplier`` (1 or 100), ``price`` (USD per share of
  the stock, or of the option's underlying), option terms ``strike`` (USD), ``expiry_years``
  (calendar days / 365), ``rate`` and ``dividend_yield`` (decimal), ``sigma`` (annualized decimal);
- ``exposure``: delta-adjusted exposure (USD, signed, from the stored valuation), ``market_value``;
- ``side``: ``long`` / ``short`` / ``flat`` by the sign of ``exposure`` (the views' split);
- ``reason``: why the position cannot be priced (``no_valuation``, ``no_price``,
  ``no_option_inputs``) or None.

Helpers here convert a book to the engines' :class:`PositionSet`,
select a view's rows (:func:`view_book`) and sum a view's stored stress impacts (:func:`view_impact`).
Both the engine-7 services (writers) and the /analytics/risk selectors (readers) use them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analytics.engines.revaluation import PositionSet
from analytics.engines.stress import severity
from analytics.models import RiskView

__all__ = [
    "BOOK_COLUMNS",
    "book_position_set",
    "pricing_reason",
    "side_of",
    "view_book",
    "view_impact",
]

BOOK_COLUMNS = [
    "portfolio_id",
    "symbol",
    "risk_symbol",
    "is_option",
    "is_call",
    "is_american",
    "quantity",
    "multiplier",
    "price",
    "strike",
    "expiry_years",
    "rate",
    "dividend_yield",
    "sigma",
    "exposure",
    "market_value",
    "side",
    "reason",
]


def side_of(exposure: float) -> str:
    """``long`` (> 0), ``short`` (< 0) or ``flat`` (zero or unknown) delta-adjusted exposure."""
    if exposure is None or not np.isfinite(exposure) or exposure == 0:
        return "flat"
    return "long" if exposure > 0 else "short"


def pricing_reason(book: pd.DataFrame) -> pd.Series:
    """Why each position cannot be revalued (None when it can): missing price or option input."""
    price_ok = np.isfinite(book["price"].to_numpy(dtype=float)) & np.isfinite(
        book["exposure"].to_numpy(dtype=float)
    )
    terms = book[["strike", "expiry_years", "rate", "dividend_yield", "sigma"]].to_numpy(dtype=float)
    option_ok = ~book["is_option"].to_numpy(dtype=bool) | np.isfinite(terms).all(axis=1)
    # numpy's stubs do not take None as an array-like (numpy treats it as an object scalar)
    reason = np.where(~price_ok, "no_price", np.where(~option_ok, "no_option_inputs", None))  # type: ignore[call-overload]
    return pd.Series(reason, index=book.index, dtype=object)


def view_book(book: pd.DataFrame, view: str) -> pd.DataFrame:
    """Rows of the view: all positions, or those with positive / negative delta-adjusted exposure."""
    if view == RiskView.LONGS:
        return book[book["side"] == "long"]
    if view == RiskView.SHORTS:
        return book[book["side"] == "short"]
    return book


def view_impact(by_position: Sequence[Mapping[str, Any]], nav: float, view: str) -> dict[str, Any]:
    """Impact of a view (portfolio | longs | shorts) from stored per-position impacts.

    Returns ``{dollar_impact, percentage_impact (of the portfolio's NAV x 100), new_portfolio_value,
    severity, by_position}``: the view's rows, their finite impacts summed (what the engine sums).
    """
    sides: dict[str, str] = {RiskView.LONGS: "long", RiskView.SHORTS: "short"}
    side = sides.get(view)
    rows = [r for r in by_position if side is None or r.get("side") == side]
    total = float(sum(r["dollar_impact"] for r in rows if r.get("dollar_impact") is not None))
    pct = total / nav * 100.0 if nav and np.isfinite(nav) and nav > 0 else None
    return {
        "dollar_impact": total,
        "percentage_impact": pct,
        "new_portfolio_value": nav + total,
        "severity": severity(total, nav),
        "by_position": rows,
    }


def book_position_set(book: pd.DataFrame, columns: Sequence[str] | pd.Index | None = None) -> PositionSet:
    """The engines' PositionSet of a book; ``underlying`` indexes ``columns`` (risk symbols) when
    given, else each position is its own column."""
    underlying = None
    if columns is not None:
        index = pd.Index(columns)
        underlying = index.get_indexer(book["risk_symbol"])
        if (underlying < 0).any():
            missing = sorted(set(book["risk_symbol"][underlying < 0]))
            raise ValueError(f"risk symbols without a return column: {missing}")
    return PositionSet.build(
        quantity=book["quantity"].to_numpy(dtype=float),
        price=book["price"].to_numpy(dtype=float),
        multiplier=book["multiplier"].to_numpy(dtype=float),
        is_option=book["is_option"].to_numpy(dtype=bool),
        strike=book["strike"].to_numpy(dtype=float),
        expiry_years=book["expiry_years"].to_numpy(dtype=float),
        rate=book["rate"].to_numpy(dtype=float),
        dividend_yield=book["dividend_yield"].to_numpy(dtype=float),
        sigma=book["sigma"].to_numpy(dtype=float),
        is_call=book["is_call"].to_numpy(dtype=bool),
        is_american=(
            book["is_american"].to_numpy(dtype=bool) if "is_american" in book else False
        ),  # books stored before exercise styles were recorded are European
        underlying=underlying,
        ids=tuple(book.index),
    )
