"""Shared reads and output formatting of the stored valuations (batch engines 2 and 3) behind the
/data endpoints and the /analytics/portfolio/{id}/overview.

Output conventions (API.md, applied with :mod:`sigmasight.api.numbers`: half-up rounding, null for
a number that is not known, never 0): money in USD rounded to cents, prices per share to 4
decimals, deltas to 6, ``*_percent`` and ``percentage`` fields in percent (4 decimals), weights as
fractions (6 decimals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import QuerySet

from analytics.engines.valuation import percent_of_nav, position_weights
from analytics.models import PortfolioAggregate, PositionValuation
from analytics.selectors.access import require
from analytics.selectors.staleness import result_stale
from marketdata.models import PriceBar
from portfolios.models import OPTION_TYPES, Portfolio, Position
from sigmasight.api.numbers import money, percent, price, ratio, shares

__all__ = [
    "OPTION_TYPE_VALUES",
    "POSITION_FIELDS",
    "VALUATION_FIELDS",
    "WEIGHT_DIGITS",
    "aggregate_get",
    "aggregate_stale",
    "percent_of",
    "position_row",
    "price_symbols",
    "risk_symbol_of",
    "sources_by_symbol",
    "tags_by_position",
    "valuation_rows",
    "valuations_of_date",
    "weight",
]

OPTION_TYPE_VALUES = {str(t) for t in OPTION_TYPES}
#: How old (calendar days) a symbol's last bar may be, relative to the newest bar, to name its source.
SOURCE_LOOKBACK_DAYS = 7
#: Decimals of position weights (fractions of NAV).
WEIGHT_DIGITS = 6


# Formatting ---------------------------------------------------------------------------------------


def percent_of(value: float | None, base: float | None) -> float | None:
    """value / base x 100 (4 decimals); None when the base is not a positive finite number."""
    if value is None or base is None:
        return None
    return percent(percent_of_nav(value, base))


def weight(market_value: float | None, nav: float | None) -> float | None:
    """MV / NAV as a fraction (6 decimals); None when unknown or NAV <= 0."""
    if market_value is None or nav is None:
        return None
    return ratio(position_weights(market_value, nav), WEIGHT_DIGITS)


def risk_symbol_of(position: dict[str, Any]) -> str:
    """The underlying for options, else the symbol."""
    if position["position_type"] in OPTION_TYPE_VALUES:
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


#: The engines whose results the valuation reads serve (positions valued, then aggregated).
VALUATION_ENGINES = ("valuation", "aggregation")


def aggregate_stale(aggregate: PortfolioAggregate, *, requested_as_of: dt.date | None = None) -> bool:
    """True when the last run could not recompute this aggregate or its valuations (one query)."""
    return result_stale(
        portfolio_id=aggregate.portfolio_id,
        engines=VALUATION_ENGINES,
        result_as_of=aggregate.as_of_date,
        requested_as_of=requested_as_of,
    )


def valuation_rows(queryset: QuerySet[PositionValuation]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(position, valuation) dicts of a PositionValuation queryset, in one query."""
    n = len(POSITION_FIELDS)
    columns = [f"position__{f}" for f in POSITION_FIELDS] + list(VALUATION_FIELDS)
    return [
        (dict(zip(POSITION_FIELDS, row[:n], strict=True)), dict(zip(VALUATION_FIELDS, row[n:], strict=True)))
        for row in queryset.values_list(*columns)
    ]


def valuations_of_date(
    *, portfolio: Portfolio, as_of: dt.date
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The date's (position, valuation) pairs ordered by symbol, entry date, id (one query)."""
    return valuation_rows(
        PositionValuation.objects.filter(portfolio=portfolio, as_of_date=as_of).order_by(
            "position__symbol", "position__entry_date", "position_id"
        )
    )


def tags_by_position(
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


def price_symbols(positions: Iterable[dict[str, Any]]) -> list[str]:
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
            symbol__in=symbols, date__gte=last - dt.timedelta(days=SOURCE_LOOKBACK_DAYS), date__lte=last
        )
        .order_by("date")
        .values_list("symbol", "source")
    )
    return dict(rows)  # the latest bar wins


# Position rows ------------------------------------------------------------------------------------


def position_row(
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
        "entry_price": price(p["entry_price"]),
        "entry_date": p["entry_date"],
        "last_price": price(v["price"]),
        "previous_close": price(v["previous_close"]),
        "price_source": v["price_source"] or None,
        "market_value": money(v["market_value"]),
        "cost_basis": money(v["cost_basis"]),
        "unrealized_pnl": money(v["unrealized_pnl"]),
        "unrealized_pnl_percent": percent(v["pnl_percent"]),
        "daily_pnl": money(v["daily_pnl"]),
        "weight": weight(v["market_value"], nav),
        "delta": shares(v["delta"]),
        "delta_adjusted_exposure": money(v["delta_adjusted_exposure"]),
        "underlying_symbol": p["underlying_symbol"] or None,
        "option_type": p["option_type"] or None,
        "strike_price": price(p["strike_price"]),
        "expiration_date": p["expiration_date"],
        "tags": tags.get(p["id"], []),
    }
