"""Reads behind /data/portfolios, /data/portfolio/{id}/complete, /data/positions/* and the
/analytics/portfolio/{id}/overview, from the stored results of batch engines 2 (PositionValuation)
and 3 (PortfolioAggregate). Each builds its payload in a constant number of queries, whatever the
number of positions.

Output conventions (API.md): money in USD rounded to cents, prices per share to 4 decimals,
deltas to 6, ``*_percent`` and ``percentage`` fields in percent (4 decimals), weights as fractions
(6 decimals); a number that is not known is ``null``, never 0.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Abs

from analytics.engines.valuation import percent_of_nav, position_weights
from analytics.models import PortfolioAggregate, PositionValuation
from analytics.selectors.access import require
from analytics.selectors.price_history import HISTORY_WINDOW, bar_counts, history_class
from marketdata.models import PriceBar
from marketdata.selectors import data_source, joined_source
from portfolios.models import OPTION_TYPES, Portfolio, Position
from sigmasight.api.exceptions import NotFound

_OPTION_TYPES = {str(t) for t in OPTION_TYPES}
#: How old (calendar days) a symbol's last bar may be, relative to the newest bar, to name its source.
_SOURCE_LOOKBACK_DAYS = 7


# Formatting ---------------------------------------------------------------------------------------


def _num(value: Any, digits: int) -> float | None:
    """A finite number rounded to ``digits``, else None."""
    if value is None:
        return None
    value = float(value)
    return round(value, digits) if math.isfinite(value) else None


def _money(value: Any) -> float | None:
    return _num(value, 2)


def _price(value: Any) -> float | None:
    return _num(value, 4)


def _percent_of(value: float | None, base: float | None) -> float | None:
    """value / base x 100 (4 decimals); None when the base is not a positive finite number."""
    if value is None or base is None:
        return None
    return _num(percent_of_nav(value, base), 4)


def _weight(market_value: float | None, nav: float | None) -> float | None:
    """MV / NAV as a fraction (6 decimals); None when unknown or NAV <= 0."""
    if market_value is None or nav is None:
        return None
    return _num(position_weights(market_value, nav), 6)


def _risk_symbol(position: dict[str, Any]) -> str:
    """The underlying for options, else the symbol."""
    if position["position_type"] in _OPTION_TYPES:
        return position["underlying_symbol"]
    return position["symbol"]


# Shared reads -------------------------------------------------------------------------------------

#: Position columns read with ``values_list`` (no model instances: fast for big books).
POSITION_FIELDS = (
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
)
VALUATION_FIELDS = (
    "price",
    "previous_close",
    "price_source",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "pnl_percent",
    "daily_pnl",
    "delta",
    "delta_adjusted_exposure",
)


def aggregate_get(*, portfolio: Portfolio, as_of: dt.date | None = None) -> PortfolioAggregate:
    """The portfolio's aggregate of ``as_of`` (default: the latest); 422 INSUFFICIENT_DATA if none."""
    qs = PortfolioAggregate.objects.filter(portfolio=portfolio)
    aggregate = qs.filter(as_of_date=as_of).first() if as_of else qs.order_by("-as_of_date").first()
    return require(
        aggregate,
        what="valuation and aggregation results (batch engines 2 and 3)"
        + (f" for {as_of.isoformat()}" if as_of else ""),
        portfolio=portfolio,
        as_of=as_of,
    )


def _valuation_rows(queryset: QuerySet[PositionValuation]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(position, valuation) dicts of a PositionValuation queryset, in one query."""
    n = len(POSITION_FIELDS)
    columns = [f"position__{f}" for f in POSITION_FIELDS] + list(VALUATION_FIELDS)
    return [
        (dict(zip(POSITION_FIELDS, row[:n], strict=True)), dict(zip(VALUATION_FIELDS, row[n:], strict=True)))
        for row in queryset.values_list(*columns)
    ]


def _valuations(*, portfolio: Portfolio, as_of: dt.date) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The date's (position, valuation) pairs ordered by symbol, entry date, id (one query)."""
    return _valuation_rows(
        PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of).order_by(
            "position__symbol", "position__entry_date", "position_id"
        )
    )


def _tags_by_position(
    *, portfolio: Portfolio, position_ids: Sequence[Any] | None = None
) -> dict[Any, list[str]]:
    """Tag names (sorted) per position id of the portfolio, one query."""
    qs = Position.tags.through.objects.filter(position__portfolio=portfolio)
    if position_ids is not None:
        qs = qs.filter(position_id__in=list(position_ids))
    out: dict[Any, list[str]] = {}
    for pid, name in qs.order_by("tag__name").values_list("position_id", "tag__name"):
        out.setdefault(pid, []).append(name)
    return out


def _symbols(positions: Iterable[dict[str, Any]]) -> list[str]:
    """Price symbols and underlyings of the positions."""
    out: set[str] = set()
    for p in positions:
        out.add(p["symbol"])
        if p["underlying_symbol"]:
            out.add(p["underlying_symbol"])
    return sorted(out)


def sources_by_symbol(*, symbols: Sequence[str]) -> dict[str, str]:
    """Provider of each symbol's latest bar (within a week of the newest bar), two queries."""
    symbols = sorted(set(symbols))
    if not symbols:
        return {}
    last = (
        PriceBar.objects.filter(symbol__in=symbols).order_by("-date").values_list("date", flat=True).first()
    )
    if last is None:
        return {}
    rows = (
        PriceBar.objects.filter(
            symbol__in=symbols, date__gte=last - dt.timedelta(days=_SOURCE_LOOKBACK_DAYS), date__lte=last
        )
        .order_by("date")
        .values_list("symbol", "source")
    )
    return dict(rows)  # the latest bar wins


# /data/portfolios ---------------------------------------------------------------------------------


def portfolio_list_data(*, user: Any) -> list[dict[str, Any]]:
    """The user's portfolios with NAV from their latest aggregate (four queries in all).

    ``position_count``: open positions (no exit date). ``total_value``: the NAV of the latest
    aggregate (null with ``valuation_status`` ``not_calculated`` before the batch ran for it);
    ``as_of_date`` / ``calculated_at`` say which run. ``cash_balance``: the stored balance now.
    """
    latest = PortfolioAggregate.objects.filter(portfolio=OuterRef("pk")).order_by("-as_of_date")
    portfolios = list(
        Portfolio.objects.filter(owner=user)
        .annotate(
            open_positions=Count("positions", filter=Q(positions__exit_date__isnull=True)),
            latest_nav=Subquery(latest.values("nav")[:1]),
            latest_date=Subquery(latest.values("as_of_date")[:1]),
            latest_calculated_at=Subquery(latest.values("calculated_at")[:1]),
        )
        .order_by("created_at", "name", "id")
    )
    held: dict[str, set[str]] = {}
    rows = (
        Position.objects.filter(portfolio__owner=user, exit_date__isnull=True)
        .values_list("portfolio_id", "symbol", "underlying_symbol")
        .distinct()
    )
    for pid, symbol, underlying in rows:
        held.setdefault(str(pid), set()).add(underlying or symbol)
    sources = sources_by_symbol(symbols=sorted(set().union(*held.values())) if held else [])
    out = []
    for p in portfolios:
        calculated = p.latest_date is not None
        out.append(
            {
                "id": p.id,
                "name": p.name,
                "currency": p.currency,
                "total_value": _money(p.latest_nav) if calculated else None,
                "cash_balance": _money(p.cash_balance),
                "position_count": p.open_positions,
                "created_at": p.created_at,
                "valuation_status": "calculated" if calculated else "not_calculated",
                "as_of_date": p.latest_date,
                "calculated_at": p.latest_calculated_at,
                "data_source": joined_source(sources.get(s, "") for s in held.get(str(p.id), ())),
            }
        )
    return out


def portfolios_data_source(items: Sequence[dict[str, Any]]) -> str:
    """The providers of all the listed portfolios (the ``X-Data-Source`` header of /data/portfolios)."""
    return joined_source(name for item in items for name in item["data_source"].split(","))


# Position rows ------------------------------------------------------------------------------------


def _position_row(
    p: dict[str, Any], v: dict[str, Any] | None, *, nav: float | None, tags: dict[Any, list[str]]
) -> dict[str, Any]:
    """A position's fields shared by /complete, /positions/details and /positions/top.

    ``v`` is its valuation (None: not valued on the date -> market figures null; the cost basis is
    then quantity x entry_price x multiplier from the stored lot).
    """
    quantity = float(p["quantity"])
    if v is None:
        v = dict.fromkeys(VALUATION_FIELDS)
        v["cost_basis"] = quantity * float(p["entry_price"]) * p["multiplier"]
    return {
        "id": p["id"],
        "portfolio_id": p["portfolio_id"],
        "symbol": p["symbol"],
        "position_type": p["position_type"],
        "quantity": quantity,
        "multiplier": p["multiplier"],
        "entry_price": _price(p["entry_price"]),
        "entry_date": p["entry_date"],
        "last_price": _price(v["price"]),
        "previous_close": _price(v["previous_close"]),
        "price_source": v["price_source"] or None,
        "market_value": _money(v["market_value"]),
        "cost_basis": _money(v["cost_basis"]),
        "unrealized_pnl": _money(v["unrealized_pnl"]),
        "unrealized_pnl_percent": _num(v["pnl_percent"], 4),
        "daily_pnl": _money(v["daily_pnl"]),
        "weight": _weight(v["market_value"], nav),
        "delta": _num(v["delta"], 6),
        "delta_adjusted_exposure": _money(v["delta_adjusted_exposure"]),
        "underlying_symbol": p["underlying_symbol"] or None,
        "option_type": p["option_type"] or None,
        "strike_price": _price(p["strike_price"]),
        "expiration_date": p["expiration_date"],
        "tags": tags.get(p["id"], []),
    }


# /data/portfolio/{id}/complete --------------------------------------------------------------------


def portfolio_complete(
    *, portfolio: Portfolio, as_of: dt.date | None, include_positions: bool, include_cash: bool
) -> dict[str, Any]:
    """The /complete payload for the aggregate of ``as_of`` (default latest); 422 before the batch.

    ``has_complete_history``: the position's risk symbol (underlying for options) has a bar on
    every one of the 252 sessions ending at as_of_date. Queries: 7 whatever the number of positions.
    """
    aggregate = aggregate_get(portfolio=portfolio, as_of=as_of)
    as_of = aggregate.as_of_date
    valuations = _valuations(portfolio=portfolio, as_of=as_of)
    positions = [p for p, _ in valuations]
    risk = [_risk_symbol(p) for p in positions]
    counts = bar_counts(symbols=risk, as_of=as_of)
    days_252 = counts["days_252"].to_dict()
    classes = [history_class(int(days_252[s])) for s in risk]
    last_dates = [d for d in counts["last_date"] if d is not None]
    totals = aggregate.breakdowns.get("totals", {})
    nav = aggregate.nav

    portfolio_block: dict[str, Any] = {
        "id": portfolio.id,
        "name": portfolio.name,
        "currency": portfolio.currency,
        "total_value": _money(nav),
        "cash_balance": _money(aggregate.cash),
        "long_value": _money(aggregate.long_value),
        "short_value": _money(aggregate.short_value),
        "gross_exposure": _money(aggregate.gross_exposure),
        "net_exposure": _money(aggregate.net_exposure),
        "delta_adjusted_net_exposure": _money(aggregate.delta_net),
        "position_count": aggregate.position_count,
        "as_of_date": as_of,
    }
    if not include_cash:
        del portfolio_block["cash_balance"]
    body: dict[str, Any] = {
        "portfolio": portfolio_block,
        "positions_summary": {
            "long_count": totals.get("long_count"),
            "short_count": totals.get("short_count"),
            "option_count": sum(1 for p in positions if p["position_type"] in _OPTION_TYPES),
            "total_market_value": _money(aggregate.net_exposure),
            "priced_count": aggregate.priced_count,
            "missing_price_count": aggregate.position_count - aggregate.priced_count,
        },
    }
    if include_positions:
        tags = _tags_by_position(portfolio=portfolio)
        body["positions"] = [
            {**_position_row(p, v, nav=nav, tags=tags), "has_complete_history": kind == "complete"}
            for (p, v), kind in zip(valuations, classes, strict=True)
        ]
    body["data_quality"] = {
        "complete_data_positions": classes.count("complete"),
        "partial_data_positions": classes.count("partial"),
        "insufficient_data_positions": classes.count("insufficient"),
        "data_as_of_date": max(last_dates) if last_dates else None,
        "history_window_sessions": HISTORY_WINDOW,
    }
    body["as_of_date"] = as_of
    body["calculated_at"] = aggregate.calculated_at
    body["data_source"] = data_source(symbols=_symbols(positions) or None)
    return body


# /data/positions/details --------------------------------------------------------------------------


def position_details(
    *, portfolio: Portfolio, position_ids: Sequence[str] | None, include_closed: bool
) -> dict[str, Any]:
    """Positions of the portfolio with prices and P&L of the latest valuation (6 queries).

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
    tags = _tags_by_position(portfolio=portfolio, position_ids=position_ids or None)
    rows = []
    totals = {"cost": 0.0, "mv": 0.0, "pnl": 0.0, "realized": 0.0, "unpriced": 0}
    for p in positions:
        closed = p["exit_date"] is not None
        v = None if closed else valuations.get(p["id"])
        row = _position_row(p, v, nav=aggregate.nav, tags=tags)
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
            exit_price=_price(p["exit_price"]),
            realized_pnl=_money(realized),
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
            "total_cost_basis": _money(totals["cost"]),
            "total_market_value": _money(totals["mv"]),
            "total_unrealized_pnl": _money(totals["pnl"]),
            "total_realized_pnl": _money(totals["realized"]),
            "unpriced_positions": totals["unpriced"],
        },
        "portfolio_id": portfolio.id,
        "as_of_date": as_of,
        "calculated_at": aggregate.calculated_at,
        "data_source": data_source(symbols=_symbols(positions) or None),
    }


# /data/positions/top/{portfolio_id} ---------------------------------------------------------------


def top_positions(*, portfolio: Portfolio, limit: int, sort_by: str) -> dict[str, Any]:
    """The ``limit`` largest positions of the latest valuation by |market value| (6 queries).

    ``sort_by=weight`` orders by |weight| = |market value| / NAV, the same order when NAV > 0
    (weights are null when NAV <= 0 and the order stays by |market value|). Unpriced positions
    come last. Ties: symbol, then id.
    """
    aggregate = aggregate_get(portfolio=portfolio)
    as_of = aggregate.as_of_date
    valuations = _valuation_rows(
        PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of)
        .annotate(abs_mv=Abs("market_value"))
        .order_by(F("abs_mv").desc(nulls_last=True), "position__symbol", "position_id")[:limit]
    )
    tags = _tags_by_position(portfolio=portfolio, position_ids=[p["id"] for p, _ in valuations])
    positions = []
    for rank, (p, v) in enumerate(valuations, start=1):
        row = _position_row(p, v, nav=aggregate.nav, tags=tags)
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
            "nav": _money(aggregate.nav),
            "gross_exposure": _money(aggregate.gross_exposure),
            "top_gross_exposure": _money(shown_gross),
            "top_gross_percent_of_gross": _percent_of(shown_gross, aggregate.gross_exposure),
        },
        "as_of_date": as_of,
        "calculated_at": aggregate.calculated_at,
        "data_source": data_source(symbols=_symbols(p for p, _ in valuations) or None),
    }


# /analytics/portfolio/{id}/overview ---------------------------------------------------------------


def portfolio_overview(*, portfolio: Portfolio, as_of: dt.date | None = None) -> dict[str, Any]:
    """The overview of the aggregate of ``as_of`` (default latest); 422 before the batch (5 queries).

    total_value = NAV = net exposure + cash; total_pnl = unrealized P&L of the priced positions
    (null when positions exist but none is priced); total_pnl_percent = total_pnl / sum |cost basis|
    x 100; exposure percentages = value / NAV x 100 (null when NAV <= 0).
    """
    aggregate = aggregate_get(portfolio=portfolio, as_of=as_of)
    totals = aggregate.breakdowns.get("totals", {})
    nav = aggregate.nav
    none_priced = aggregate.position_count > 0 and aggregate.priced_count == 0

    def pair(value: float) -> dict[str, float | None]:
        return {"value": _money(value), "percentage": _percent_of(value, nav)}

    symbols: set[str] = set()
    for symbol, underlying in PositionValuation.objects.filter(
        portfolio=portfolio, as_of_date=aggregate.as_of_date
    ).values_list("position__symbol", "position__underlying_symbol"):
        symbols.add(symbol)
        if underlying:
            symbols.add(underlying)
    return {
        "portfolio_id": portfolio.id,
        "total_value": _money(nav),
        "cash_balance": _money(aggregate.cash),
        "total_pnl": None if none_priced else _money(aggregate.unrealized_pnl),
        "total_pnl_percent": None if none_priced else _num(totals.get("pnl_percent"), 4),
        "daily_pnl": _money(aggregate.daily_pnl),
        "cost_basis": _money(aggregate.cost_basis),
        "exposures": {
            "long": pair(aggregate.long_value),
            "short": pair(aggregate.short_value),
            "gross": pair(aggregate.gross_exposure),
            "net": pair(aggregate.net_exposure),
        },
        "delta_adjusted": {
            "long": pair(aggregate.delta_long),
            "short": pair(aggregate.delta_short),
            "gross": pair(aggregate.delta_gross),
            "net": pair(aggregate.delta_net),
        },
        "position_count": aggregate.position_count,
        "priced_position_count": aggregate.priced_count,
        "missing_price_count": aggregate.position_count - aggregate.priced_count,
        "long_count": totals.get("long_count"),
        "short_count": totals.get("short_count"),
        "as_of_date": aggregate.as_of_date,
        "calculated_at": aggregate.calculated_at,
        "data_source": data_source(symbols=sorted(symbols) or None),
    }
