"""The modeled book: the positions held on the session's as-of date with its trades laid over them.

Pure pandas (no query). A trade is matched FIFO (by entry date, the order of
``portfolios.holdings.positions_frame``) against the lots of the same symbol held with the
opposite sign: it closes them (wholly or partly) at its price, and whatever is left of it opens a
new lot (``id`` = ``trade:<trade id>``, entry price = the trade price, entry date = the as-of
date). A trade in the direction of the held lots opens a new lot. A lot opened by an earlier trade
of the session can be closed by a later one. This is exactly what ``save`` with ``apply`` writes, so
the next batch of the as-of date values the same book.

Quantities are signed (shares or contracts); prices USD per share; cost = quantity x price x
multiplier (the cash moves by minus the cost).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from portfolios.holdings import POSITION_COLUMNS
from portfolios.validation import derive_position_type

__all__ = [
    "TRADE_LOT_PREFIX",
    "Closing",
    "ModeledBook",
    "TradeLeg",
    "book_lots",
    "modeled_book",
    "trade_cost",
]

#: Id prefix of a lot a trade opens in the modeled book.
TRADE_LOT_PREFIX = "trade:"
#: Quantities below this (in absolute value) are zero (floats of 6-decimal quantities).
QUANTITY_EPSILON = 1e-9


@dataclass(frozen=True)
class TradeLeg:
    """One trade as the book needs it (``quantity`` signed; ``price`` USD per share)."""

    id: str
    symbol: str
    quantity: float
    price: float
    multiplier: int
    underlying_symbol: str = ""
    option_type: str = ""
    strike_price: float | None = None
    expiration_date: dt.date | None = None

    @property
    def is_option(self) -> bool:
        return bool(self.option_type)


@dataclass(frozen=True)
class Closing:
    """A trade closing ``quantity`` (signed like the lot) of the lot ``position_id`` at ``price``."""

    trade_id: str
    position_id: str
    quantity: float
    price: float


@dataclass
class ModeledBook:
    """The modeled positions (``positions_frame`` columns) and how the trades got there.

    ``closings``: lots (held or opened by an earlier trade) closed by each trade; ``opened``: the
    quantity each trade opened as a new lot, before later trades closed some of it; ``cash_moved``:
    minus the sum of the trades' costs (USD).
    """

    positions: pd.DataFrame
    closings: list[Closing] = field(default_factory=list)
    opened: dict[str, float] = field(default_factory=dict)
    cash_moved: float = 0.0


def trade_cost(leg: TradeLeg) -> float:
    """Cash paid for a trade (USD; negative = received): quantity x price x multiplier."""
    return leg.quantity * leg.price * leg.multiplier


def _lot_row(leg: TradeLeg, quantity: float, *, portfolio_id: str, as_of: dt.date) -> dict[str, object]:
    option = leg.is_option
    return {
        "id": f"{TRADE_LOT_PREFIX}{leg.id}",
        "portfolio_id": portfolio_id,
        "symbol": leg.symbol,
        "position_type": str(derive_position_type(quantity, leg.option_type or None)),
        "quantity": quantity,
        "multiplier": float(leg.multiplier),
        "entry_price": leg.price,
        "entry_date": as_of,
        "exit_price": np.nan,
        "exit_date": None,
        "underlying_symbol": leg.underlying_symbol if option else "",
        "option_type": leg.option_type if option else "",
        "strike_price": np.nan if leg.strike_price is None else float(leg.strike_price),
        "expiration_date": leg.expiration_date,
        "implied_volatility": np.nan,
        "is_option": option,
        "is_call": leg.option_type == "call",
        "price_symbol": leg.symbol,
        "risk_symbol": leg.underlying_symbol if option else leg.symbol,
    }


def book_lots(
    held: pd.DataFrame, trades: Sequence[TradeLeg], *, portfolio_id: str, as_of: dt.date
) -> pd.DataFrame:
    """Every lot a book of ``held`` and (a subsequence of) ``trades`` can hold: the held rows, then
    one row per trade (the lot it opens, quantity = the trade's) in trade order. A modeled book is
    a selection of these rows with its own quantities (:func:`modeled_book`), so the books of one
    session share one typed frame."""
    rows = [_lot_row(leg, float(leg.quantity), portfolio_id=portfolio_id, as_of=as_of) for leg in trades]
    if not rows:
        return _typed(held.copy())
    added = pd.DataFrame(rows).reindex(columns=held.columns)
    return _typed(pd.concat([held, added], ignore_index=True) if len(held) else added)


def modeled_book(
    held: pd.DataFrame,
    trades: Sequence[TradeLeg],
    *,
    portfolio_id: str,
    as_of: dt.date,
    lots: pd.DataFrame | None = None,
) -> ModeledBook:
    """``held`` (rows of ``positions_frame`` of one portfolio on ``as_of``) with ``trades`` applied
    in order (see the module docstring). Lots closed to zero leave the book; the held rows keep
    their order and the lots the trades open follow in trade order. ``lots``: :func:`book_lots` of
    ``held`` and a trade list that holds ``trades`` in the same order (built when omitted)."""
    ids = [str(pid) for pid in held["id"].tolist()]
    quantities = dict(zip(ids, held["quantity"].to_numpy(dtype=np.float64).tolist(), strict=True))
    by_symbol: dict[str, list[str]] = {}
    for pid, symbol in zip(ids, held["symbol"].tolist(), strict=True):
        by_symbol.setdefault(str(symbol), []).append(pid)
    closings: list[Closing] = []
    opened: dict[str, float] = {}
    cash = 0.0
    for leg in trades:
        cash -= trade_cost(leg)
        remaining = float(leg.quantity)
        for pid in by_symbol.get(leg.symbol, []):
            if abs(remaining) < QUANTITY_EPSILON:
                break
            lot = quantities[pid]
            if abs(lot) < QUANTITY_EPSILON or np.sign(lot) == np.sign(remaining):
                continue
            closed = float(np.sign(lot)) * min(abs(lot), abs(remaining))
            quantities[pid] = lot - closed
            remaining += closed
            closings.append(Closing(trade_id=leg.id, position_id=pid, quantity=closed, price=leg.price))
        if abs(remaining) >= QUANTITY_EPSILON:
            lot_id = f"{TRADE_LOT_PREFIX}{leg.id}"
            quantities[lot_id] = remaining
            opened[leg.id] = remaining
            by_symbol.setdefault(leg.symbol, []).append(lot_id)

    table = book_lots(held, trades, portfolio_id=portfolio_id, as_of=as_of) if lots is None else lots
    quantity = np.array([quantities.get(pid, 0.0) for pid in table["id"].tolist()], dtype=np.float64)
    keep = np.flatnonzero(np.abs(quantity) >= QUANTITY_EPSILON)
    frame = table.iloc[keep].reset_index(drop=True)
    frame["quantity"] = quantity[keep]
    return ModeledBook(positions=frame, closings=closings, opened=opened, cash_moved=cash)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The dtypes of ``positions_frame`` (floats, bools) after rows were added."""
    for col in ("quantity", "entry_price", "exit_price", "strike_price", "implied_volatility", "multiplier"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["is_option"] = frame["is_option"].astype(bool)
    frame["is_call"] = frame["is_call"].astype(bool)
    for col in POSITION_COLUMNS:
        if col not in frame:
            frame[col] = None
    return frame
