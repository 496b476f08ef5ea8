"""Position-level reads behind /data/positions/details and /data/positions/top/{portfolio_id},
from the latest stored valuation (batch engine 2) and aggregate (engine 3): a constant number of
queries whatever the number of positions. Output conventions and the shared rows:
:mod:`analytics.selectors.valuation_rows`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import F
from django.db.models.functions import Abs

from analytics.models import PositionValuation
from analytics.selectors.valuation_rows import (
    POSITION_FIELDS,
    VALUATION_FIELDS,
    aggregate_get,
    aggregate_stale,
    percent_of,
    position_row,
    price_symbols,
    tags_by_position,
    valuation_rows,
)
from marketdata.selectors import data_source
from portfolios.models import Portfolio, Position
from sigmasight.api.exceptions import NotFound
from sigmasight.api.numbers import money, price

__all__ = ["position_details", "top_positions"]


# /data/positions/details --------------------------------------------------------------------------


def position_details(
    *, portfolio: Portfolio, position_ids: Sequence[str] | None, include_closed: bool
) -> dict[str, Any]:
    """Positions of the portfolio with prices and P&L of the latest valuation (7 queries).

    Open lots (no exit date) carry the latest valuation's price, market value and unrealized P&L
    (null when the lot was not valued on that date, e.g. added after the run: ``valued`` false).
    Closed lots (with ``include_closed``) carry ``realized_pnl`` = (exit - entry) x quantity x
    multiplier and null market figures. Unknown ``position_ids`` (or another portfolio's) -> 404.
    Summary totals are over the open lots; ``total_realized_pnl`` over the closed ones listed.
    """
    aggregate = aggregate_get(portfolio=portfolio)
    as_of = aggregate.as_of_date
    qs = Position.objects.filter(portfolio=portfolio)
    if position_ids:
        qs = qs.filter(id__in=list(position_ids))
    elif not include_closed:
        qs = qs.filter(exit_date__isnull=True)
    positions = [
        dict(zip(POSITION_FIELDS, row, strict=True))
        for row in qs.order_by("symbol", "entry_date", "id").values_list(*POSITION_FIELDS)
    ]
    if position_ids:
        found = {str(p["id"]) for p in positions}
        missing = [pid for pid in position_ids if pid not in found]
        if missing:
            raise NotFound("Some positions were not found in this portfolio.", {"position_ids": missing})
        if not include_closed:
            positions = [p for p in positions if p["exit_date"] is None]
    valuation_qs = PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of)
    if position_ids:
        valuation_qs = valuation_qs.filter(position_id__in=list(position_ids))
    valuations = {
        row[0]: dict(zip(VALUATION_FIELDS, row[1:], strict=True))
        for row in valuation_qs.values_list("position_id", *VALUATION_FIELDS)
    }
    tags = tags_by_position(portfolio=portfolio, position_ids=position_ids or None)
    rows = []
    totals = {"cost": 0.0, "mv": 0.0, "pnl": 0.0, "realized": 0.0, "unpriced": 0}
    for p in positions:
        closed = p["exit_date"] is not None
        v = None if closed else valuations.get(p["id"])
        row = position_row(p, v, nav=aggregate.nav, tags=tags)
        if v is not None:
            totals["cost"] += v["cost_basis"]
            if v["market_value"] is None:
                totals["unpriced"] += 1
            else:
                totals["mv"] += v["market_value"]
                totals["pnl"] += v["unrealized_pnl"] or 0.0
        realized = None
        if closed:
            realized = (
                (float(p["exit_price"]) - float(p["entry_price"])) * float(p["quantity"]) * p["multiplier"]
            )
            totals["realized"] += realized
        row.update(
            current_price=row.pop("last_price"),
            exit_date=p["exit_date"],
            exit_price=price(p["exit_price"]),
            realized_pnl=money(realized),
            status="closed" if closed else "open",
            valued=v is not None,
        )
        if closed:  # a closed lot has no current market figures
            for key in (
                "current_price",
                "previous_close",
                "price_source",
                "market_value",
                "unrealized_pnl",
                "unrealized_pnl_percent",
                "daily_pnl",
                "weight",
                "delta",
                "delta_adjusted_exposure",
            ):
                row[key] = None
        rows.append(row)
    open_count = sum(1 for r in rows if r["status"] == "open")
    return {
        "positions": rows,
        "summary": {
            "total_positions": len(rows),
            "open_positions": open_count,
            "closed_positions": len(rows) - open_count,
            "total_cost_basis": money(totals["cost"]),
            "total_market_value": money(totals["mv"]),
            "total_unrealized_pnl": money(totals["pnl"]),
            "total_realized_pnl": money(totals["realized"]),
            "unpriced_positions": totals["unpriced"],
        },
        "portfolio_id": portfolio.id,
        "as_of_date": as_of,
        "calculated_at": aggregate.calculated_at,
        "stale": aggregate_stale(aggregate),
        "data_source": data_source(symbols=price_symbols(positions) or None),
    }


# /data/positions/top/{portfolio_id} ---------------------------------------------------------------


def top_positions(*, portfolio: Portfolio, limit: int, sort_by: str) -> dict[str, Any]:
    """The ``limit`` largest positions of the latest valuation by |market value| (7 queries).

    ``sort_by=weight`` orders by |weight| = |market value| / NAV, the same order when NAV > 0
    (weights are null when NAV <= 0 and the order stays by |market value|). Unpriced positions
    come last. Ties: symbol, then id.
    """
    aggregate = aggregate_get(portfolio=portfolio)
    as_of = aggregate.as_of_date
    valuations = valuation_rows(
        PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of)
        .annotate(abs_mv=Abs("market_value"))
        .order_by(F("abs_mv").desc(nulls_last=True), "position__symbol", "position_id")[:limit]
    )
    tags = tags_by_position(portfolio=portfolio, position_ids=[p["id"] for p, _ in valuations])
    positions = []
    for rank, (p, v) in enumerate(valuations, start=1):
        row = position_row(p, v, nav=aggregate.nav, tags=tags)
        row["current_price"] = row.pop("last_price")
        row["rank"] = rank
        positions.append(row)
    shown_gross = sum(abs(v["market_value"]) for _, v in valuations if v["market_value"] is not None)
    return {
        "portfolio_id": portfolio.id,
        "sort_by": sort_by,
        "limit": limit,
        "total_positions": aggregate.position_count,
        "positions": positions,
        "summary": {
            "nav": money(aggregate.nav),
            "gross_exposure": money(aggregate.gross_exposure),
            "top_gross_exposure": money(shown_gross),
            "top_gross_percent_of_gross": percent_of(shown_gross, aggregate.gross_exposure),
        },
        "as_of_date": as_of,
        "calculated_at": aggregate.calculated_at,
        "stale": aggregate_stale(aggregate),
        "data_source": data_source(symbols=price_symbols(p for p, _ in valuations) or None),
    }
