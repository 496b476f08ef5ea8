"""Portfolio-level reads behind /data/portfolios, /data/portfolio/{id}/complete and the
/analytics/portfolio/{id}/overview, from the stored results of batch engines 2 (PositionValuation)
and 3 (PortfolioAggregate). Each builds its payload in a constant number of queries, whatever the
number of positions. Output conventions and the shared rows: :mod:`analytics.selectors.valuation_rows`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Count, OuterRef, Q, Subquery

from analytics.models import PortfolioAggregate, PositionValuation
from analytics.selectors.conventions import overview_conventions
from analytics.selectors.price_history import HISTORY_WINDOW, bar_counts, history_class
from analytics.selectors.valuation_rows import (
    OPTION_TYPE_VALUES,
    aggregate_get,
    aggregate_stale,
    percent_of,
    position_row,
    price_symbols,
    risk_symbol_of,
    sources_by_symbol,
    tags_by_position,
    valuations_of_date,
)
from marketdata.selectors import data_source, joined_source
from portfolios.models import Portfolio, Position
from sigmasight.api.numbers import money, percent

__all__ = ["portfolio_complete", "portfolio_list_data", "portfolio_overview", "portfolios_data_source"]


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
                "total_value": money(p.latest_nav) if calculated else None,
                "cash_balance": money(p.cash_balance),
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


# /data/portfolio/{id}/complete --------------------------------------------------------------------


def portfolio_complete(
    *, portfolio: Portfolio, as_of: dt.date | None, include_positions: bool, include_cash: bool
) -> dict[str, Any]:
    """The /complete payload for the aggregate of ``as_of`` (default latest); 422 before the batch.

    ``has_complete_history``: the position's risk symbol (underlying for options) has a bar on
    every one of the 252 sessions ending at as_of_date. Queries: 8 whatever the number of positions.
    """
    aggregate = aggregate_get(portfolio=portfolio, as_of=as_of)
    stale = aggregate_stale(aggregate, requested_as_of=as_of)
    as_of = aggregate.as_of_date
    valuations = valuations_of_date(portfolio=portfolio, as_of=as_of)
    positions = [p for p, _ in valuations]
    risk = [risk_symbol_of(p) for p in positions]
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
        "total_value": money(nav),
        "cash_balance": money(aggregate.cash),
        "long_value": money(aggregate.long_value),
        "short_value": money(aggregate.short_value),
        "gross_exposure": money(aggregate.gross_exposure),
        "net_exposure": money(aggregate.net_exposure),
        "delta_adjusted_net_exposure": money(aggregate.delta_net),
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
            "option_count": sum(1 for p in positions if p["position_type"] in OPTION_TYPE_VALUES),
            "total_market_value": money(aggregate.net_exposure),
            "priced_count": aggregate.priced_count,
            "missing_price_count": aggregate.position_count - aggregate.priced_count,
        },
    }
    if include_positions:
        tags = tags_by_position(portfolio=portfolio)
        body["positions"] = [
            {**position_row(p, v, nav=nav, tags=tags), "has_complete_history": kind == "complete"}
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
    body["stale"] = stale
    body["data_source"] = data_source(symbols=price_symbols(positions) or None)
    return body


# /analytics/portfolio/{id}/overview ---------------------------------------------------------------


def portfolio_overview(*, portfolio: Portfolio, as_of: dt.date | None = None) -> dict[str, Any]:
    """The overview of the aggregate of ``as_of`` (default latest); 422 before the batch (6 queries).

    total_value = NAV = net exposure + cash; total_pnl = unrealized P&L of the priced positions
    (null when positions exist but none is priced); total_pnl_percent = total_pnl / sum |cost basis|
    x 100; exposure percentages = value / NAV x 100 (null when NAV <= 0).
    """
    aggregate = aggregate_get(portfolio=portfolio, as_of=as_of)
    totals = aggregate.breakdowns.get("totals", {})
    nav = aggregate.nav
    none_priced = aggregate.position_count > 0 and aggregate.priced_count == 0

    def pair(value: float) -> dict[str, float | None]:
        return {"value": money(value), "percentage": percent_of(value, nav)}

    symbols: set[str] = set()
    for symbol, underlying in PositionValuation.objects.filter(
        portfolio=portfolio, as_of_date=aggregate.as_of_date
    ).values_list("position__symbol", "position__underlying_symbol"):
        symbols.add(symbol)
        if underlying:
            symbols.add(underlying)
    return {
        "conventions": overview_conventions(),
        "portfolio_id": portfolio.id,
        "total_value": money(nav),
        "cash_balance": money(aggregate.cash),
        "total_pnl": None if none_priced else money(aggregate.unrealized_pnl),
        "total_pnl_percent": None if none_priced else percent(totals.get("pnl_percent")),
        "total_pnl_percent_base": "gross_cost_basis",
        "gross_cost_basis": money(totals.get("abs_cost_basis")),
        "daily_pnl": money(aggregate.daily_pnl),
        "cost_basis": money(aggregate.cost_basis),
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
        "stale": aggregate_stale(aggregate, requested_as_of=as_of),
        "data_source": data_source(symbols=sorted(symbols) or None),
    }
