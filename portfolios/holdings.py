"""Holdings reads for the batch: positions of many portfolios as one frame, in one or two queries.

Decimals become floats here, once. A position is held on day d when entry_date <= d < exit_date
(or it has no exit).

One consistent snapshot per batch run: inside :func:`position_snapshot` (the batch orchestrator
enters it around every engine step with the run's start time) these reads see only the positions
created at or before that instant, so every engine of a run works on the same set of positions and
a position written while the run is going lands in the next run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import pandas as pd
from django.db.models import Min, Q, QuerySet

from portfolios.models import OPTION_TYPES, Portfolio, Position

POSITION_COLUMNS = [
    "id",
    "portfolio_id",
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "exit_price",
    "exit_date",
    "underlying_symbol",
    "option_type",
    "strike_price",
    "expiration_date",
    "implied_volatility",
]


@dataclass(frozen=True)
class HeldSymbols:
    """Price symbols needed by some portfolios: stocks, option contracts and their underlyings."""

    symbols: list[str]
    earliest_entry: dt.date | None


#: The instant the current batch run's position snapshot was taken (None: no snapshot, read everything).
_SNAPSHOT_AT: ContextVar[dt.datetime | None] = ContextVar("position_snapshot_at", default=None)


@contextmanager
def position_snapshot(created_at_or_before: dt.datetime | None) -> Iterator[None]:
    """Within the block, the batch reads of this module see the positions created at or before
    ``created_at_or_before`` only (None: no restriction). Nested blocks restore the outer one."""
    token = _SNAPSHOT_AT.set(created_at_or_before)
    try:
        yield
    finally:
        _SNAPSHOT_AT.reset(token)


def in_snapshot(positions: QuerySet[Position]) -> QuerySet[Position]:
    """``positions`` restricted to the current batch run's snapshot (unchanged outside a run)."""
    at = _SNAPSHOT_AT.get()
    return positions if at is None else positions.filter(created_at__lte=at)


def held_on(as_of: dt.date) -> Q:
    return Q(entry_date__lte=as_of) & (Q(exit_date__isnull=True) | Q(exit_date__gt=as_of))


def held_symbols(*, portfolio_ids: Sequence[str] | None, as_of: dt.date) -> HeldSymbols:
    """Every symbol whose prices the portfolios need up to ``as_of`` (closed lots included: P&L history)."""
    qs = in_snapshot(Position.objects.filter(entry_date__lte=as_of))
    if portfolio_ids is not None:
        qs = qs.filter(portfolio_id__in=list(portfolio_ids))
    symbols: set[str] = set()
    for symbol, underlying in qs.values_list("symbol", "underlying_symbol").distinct():
        symbols.add(symbol)
        if underlying:
            symbols.add(underlying)
    earliest = qs.aggregate(first=Min("entry_date"))["first"]
    return HeldSymbols(symbols=sorted(symbols), earliest_entry=earliest)


def positions_frame(
    *, portfolio_ids: Sequence[str], as_of: dt.date | None = None, include_closed: bool = False
) -> pd.DataFrame:
    """Positions of the portfolios as a frame (floats, dates), held on ``as_of`` unless include_closed.

    Adds ``is_option`` (bool) and ``is_call`` (bool, False for stocks). Sorted by portfolio, symbol, entry date.
    """
    qs = in_snapshot(Position.objects.filter(portfolio_id__in=list(portfolio_ids)))
    if as_of is not None and not include_closed:
        qs = qs.filter(held_on(as_of))
    rows = list(qs.order_by("portfolio_id", "symbol", "entry_date").values_list(*POSITION_COLUMNS))
    frame = pd.DataFrame(rows, columns=POSITION_COLUMNS)
    for col in ("quantity", "entry_price", "exit_price", "strike_price", "implied_volatility"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["multiplier"] = frame["multiplier"].astype(float)
    frame["id"] = frame["id"].astype(str)
    frame["portfolio_id"] = frame["portfolio_id"].astype(str)
    frame["is_option"] = frame["position_type"].isin([str(t) for t in OPTION_TYPES])
    frame["is_call"] = frame["option_type"] == "call"
    frame["price_symbol"] = frame["symbol"]
    frame["risk_symbol"] = frame["underlying_symbol"].where(frame["is_option"], frame["symbol"])
    return frame


def position_tags(*, position_ids: Sequence[str]) -> pd.DataFrame:
    """(position_id, tag name, tag type) rows for the positions, one query."""
    through = Position.tags.through
    rows = list(
        through.objects.filter(position_id__in=list(position_ids)).values_list(
            "position_id", "tag__name", "tag__tag_type"
        )
    )
    frame = pd.DataFrame(rows, columns=["position_id", "tag", "tag_type"])
    frame["position_id"] = frame["position_id"].astype(str)
    return frame


def portfolio_cash(*, portfolio_ids: Sequence[str]) -> dict[str, float]:
    """Cash balance (USD) per portfolio id."""
    return {
        str(pk): float(cash)
        for pk, cash in Portfolio.objects.filter(id__in=list(portfolio_ids)).values_list("id", "cash_balance")
    }
