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

from django.conf import settings
from django.db.models import Count, F, OuterRef, Q, Subquery
from django.db.models.functions import Abs

from analytics.api.common import require
from analytics.engines.valuation import percent_of_nav, position_weights
from analytics.models import PortfolioAggregate, PositionValuation
from analytics.selectors.price_history import HISTORY_WINDOW, bar_counts, history_class
from marketdata.models import PriceBar
from marketdata.selectors import data_source
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


def _risk_symbol(position: Position) -> str:
    return position.underlying_symbol if position.position_type in _OPTION_TYPES else position.symbol


# Shared reads -------------------------------------------------------------------------------------


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


def _valuations(*, portfolio: Portfolio, as_of: dt.date) -> list[PositionValuation]:
    """The date's valuations with their positions and tags (two queries)."""
    return list(
        PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of)
        .select_related("position")
        .prefetch_related("position__tags")
        .order_by("position__symbol", "position__entry_date", "position_id")
    )


def _symbols(positions: Iterable[Position]) -> list[str]:
    """Price symbols and underlyings of the positions."""
    out: set[str] = set()
    for p in positions:
        out.add(p.symbol)
        if p.underlying_symbol:
            out.add(p.underlying_symbol)
    return sorted(out)


def _tags(position: Position) -> list[str]:
    return sorted(t.name for t in position.tags.all())


def sources_by_symbol(*, symbols: Sequence[str]) -> dict[str, str]:
    """Provider of each symbol's latest bar (within a week of the newest bar), two queries."""
    symbols = sorted(set(symbols))
    if not symbols:
        return {}
    last = PriceBar.objects.filter(symbol__in=symbols).order_by("-date").values_list("date", flat=True).first()
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


def _joined_source(sources: Iterable[str]) -> str:
    names = sorted(set(sources) - {"model", ""})
    return ",".join(names) or settings.MARKET_DATA_PROVIDER


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
                "data_source": _joined_source(sources.get(s, "") for s in held.get(str(p.id), ())),
            }
        )
    return out


def portfolios_data_source(items: Sequence[dict[str, Any]]) -> str:
    """The providers of all the listed portfolios (the ``X-Data-Source`` header of /data/portfolios)."""
    return _joined_source(name for item in items for name in item["data_source"].split(","))


# Position rows ------------------------------------------------------------------------------------


def _valued_position(v: PositionValuation, *, nav: float | None) -> dict[str, Any]:
    """A valued position's fields shared by /complete, /positions/details and /positions/top."""
    p = v.position
    return {
        "id": p.id,
        "portfolio_id": p.portfolio_id,
        "symbol": p.symbol,
        "position_type": p.position_type,
        "quantity": float(p.quantity),
        "multiplier": p.multiplier,
        "entry_price": _price(p.entry_price),
        "entry_date": p.entry_date,
        "last_price": _price(v.price),
        "previous_close": _price(v.previous_close),
        "price_source": v.price_source or None,
        "market_value": _money(v.market_value),
        "cost_basis": _money(v.cost_basis),
        "unrealized_pnl": _money(v.unrealized_pnl),
        "unrealized_pnl_percent": _num(v.pnl_percent, 4),
        "daily_pnl": _money(v.daily_pnl),
        "weight": _weight(v.market_value, nav),
        "delta": _num(v.delta, 6),
        "delta_adjusted_exposure": _money(v.delta_adjusted_exposure),
        "underlying_symbol": p.underlying_symbol or None,
        "option_type": p.option_type or None,
        "strike_price": _price(p.strike_price),
        "expiration_date": p.expiration_date,
        "tags": _tags(p),
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
    positions = [v.position for v in valuations]
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
            "option_count": sum(1 for p in positions if p.position_type in _OPTION_TYPES),
            "total_market_value": _money(aggregate.net_exposure),
            "priced_count": aggregate.priced_count,
            "missing_price_count": aggregate.position_count - aggregate.priced_count,
        },
    }
    if include_positions:
        body["positions"] = [
            {**_valued_position(v, nav=nav), "has_complete_history": kind == "complete"}
            for v, kind in zip(valuations, classes, strict=True)
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
    qs = Position.objects.filter(portfolio=portfolio).prefetch_related("tags")
    if position_ids:
        qs = qs.filter(id__in=list(position_ids))
    elif not include_closed:
        qs = qs.filter(exit_date__isnull=True)
    positions = list(qs.order_by("symbol", "entry_date", "id"))
    if position_ids:
        found = {str(p.id) for p in positions}
        missing = [pid for pid in position_ids if pid not in found]
        if missing:
            raise NotFound("Some positions were not found in this portfolio.", {"position_ids": missing})
        if not include_closed:
            positions = [p for p in positions if p.exit_date is None]
    valuations = {
        v.position_id: v
        for v in PositionValuation.objects.filter(
            portfolio=portfolio, as_of_date=as_of, position_id__in=[p.id for p in positions]
        )
    }
    rows = []
    totals = {"cost": 0.0, "mv": 0.0, "pnl": 0.0, "realized": 0.0, "unpriced": 0}
    for p in positions:
        v = valuations.get(p.id)
        closed = p.exit_date is not None
        if v is not None and not closed:
            v.position = p
            row = _valued_position(v, nav=aggregate.nav)
            totals["cost"] += v.cost_basis
            if v.market_value is None:
                totals["unpriced"] += 1
            else:
                totals["mv"] += v.market_value
                totals["pnl"] += v.unrealized_pnl or 0.0
        else:
            row = _unvalued_position(p)
        if closed:
            realized = (float(p.exit_price) - float(p.entry_price)) * float(p.quantity) * p.multiplier
            totals["realized"] += realized
            row["realized_pnl"] = _money(realized)
        row.update(
            current_price=row.pop("last_price"),
            exit_date=p.exit_date,
            exit_price=_price(p.exit_price),
            status="closed" if closed else "open",
            valued=v is not None and not closed,
        )
        row.setdefault("realized_pnl", None)
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


def _unvalued_position(p: Position) -> dict[str, Any]:
    """A lot without a valuation row: its stored fields, market figures null."""
    return {
        "id": p.id,
        "portfolio_id": p.portfolio_id,
        "symbol": p.symbol,
        "position_type": p.position_type,
        "quantity": float(p.quantity),
        "multiplier": p.multiplier,
        "entry_price": _price(p.entry_price),
        "entry_date": p.entry_date,
        "last_price": None,
        "previous_close": None,
        "price_source": None,
        "market_value": None,
        "cost_basis": _money(float(p.quantity) * float(p.entry_price) * p.multiplier),
        "unrealized_pnl": None,
        "unrealized_pnl_percent": None,
        "daily_pnl": None,
        "weight": None,
        "delta": None,
        "delta_adjusted_exposure": None,
        "underlying_symbol": p.underlying_symbol or None,
        "option_type": p.option_type or None,
        "strike_price": _price(p.strike_price),
        "expiration_date": p.expiration_date,
        "tags": _tags(p),
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
    base = PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of)
    valuations = list(
        base.select_related("position")
        .prefetch_related("position__tags")
        .annotate(abs_mv=Abs("market_value"))
        .order_by(F("abs_mv").desc(nulls_last=True), "position__symbol", "position_id")[:limit]
    )
    positions = []
    for rank, v in enumerate(valuations, start=1):
        row = _valued_position(v, nav=aggregate.nav)
        row["current_price"] = row.pop("last_price")
        row["rank"] = rank
        positions.append(row)
    shown_gross = sum(abs(v.market_value) for v in valuations if v.market_value is not None)
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
        "data_source": data_source(symbols=_symbols(v.position for v in valuations) or None),
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
