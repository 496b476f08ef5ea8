"""The staff console's portfolio page (``analytics.admin.portfolio``): one read per panel, each from
the selector the API serves the same figure with, so the console and the API never disagree.

A panel whose batch result does not exist yet (422 from the API) is ``None`` with a ``notes`` entry
saying what is missing. Units are those of the API: money USD, ``weight`` and ``ctr`` fractions,
``*_percent`` / ``percentage`` percent, drawdown a fraction (<= 0).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, TypeVar

from analytics.models import PortfolioSnapshot
from analytics.selectors.greeks import portfolio_greeks_get
from analytics.selectors.portfolio_data import portfolio_overview
from analytics.selectors.position_data import position_details
from analytics.selectors.risk import risk_contributions_get, risk_scenarios_get
from analytics.selectors.valuation_rows import aggregate_get
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData
from sigmasight.api.numbers import money, number

__all__ = ["portfolio_console"]

T = TypeVar("T")

#: Engine 3's breakdown groups shown as "exposures by ..." (keys of ``breakdowns``).
EXPOSURE_GROUPS: tuple[str, ...] = ("type", "sector")


def _panel(read: Callable[[], T], notes: list[str]) -> T | None:
    try:
        return read()
    except InsufficientData as exc:
        notes.append(str(exc))
        return None


def _percent(fraction: float | None) -> float | None:
    """A fraction as percent, 2 decimals (display of weights and drawdowns)."""
    return None if fraction is None else number(fraction * 100.0, 2)


def _with_weight_percent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**row, "weight_percent": _percent(row["weight"])} for row in rows]


def _history(portfolio: Portfolio, days: int) -> list[dict[str, Any]]:
    """The last ``days`` daily snapshots (engine 8), oldest first: NAV (USD) and drawdown (fraction)."""
    rows = list(
        PortfolioSnapshot.objects.filter(portfolio=portfolio)
        .order_by("-date")
        .values("date", "nav", "drawdown", "cumulative_return")[:days]
    )
    return [
        {
            "date": r["date"],
            "nav": money(r["nav"]),
            "drawdown": number(r["drawdown"], 6),
            "drawdown_percent": _percent(r["drawdown"]),
            "cumulative_return": number(r["cumulative_return"], 6),
        }
        for r in reversed(rows)
    ]


def _exposures(portfolio: Portfolio) -> dict[str, list[dict[str, Any]]]:
    """Engine 3's groups by position type and by sector: net and gross (USD) and net as % of NAV,
    largest gross first."""
    aggregate = aggregate_get(portfolio=portfolio)
    out: dict[str, list[dict[str, Any]]] = {}
    for group in EXPOSURE_GROUPS:
        items = (aggregate.breakdowns or {}).get(group, {})
        rows = [
            {
                "name": name,
                "net": money(values.get("net")),
                "gross": money(values.get("gross")),
                "net_percent": number(values.get("net_pct"), 2),
                "positions": values.get("position_count"),
            }
            for name, values in items.items()
        ]
        out[group] = sorted(rows, key=lambda r: -(r["gross"] or 0.0))
    return out


def _top_contributors(portfolio: Portfolio, limit: int) -> list[dict[str, Any]]:
    rows = risk_contributions_get(portfolio=portfolio, view="portfolio", as_of=None)["by_position"]
    return _with_weight_percent(sorted(rows, key=lambda r: -(r["ctr"] or 0.0))[:limit])


def _worst_scenarios(portfolio: Portfolio, user: Any, limit: int) -> list[dict[str, Any]]:
    payload = risk_scenarios_get(
        portfolio=portfolio, user=user, scenario_ids=None, view="portfolio", as_of=None
    )
    rows = [
        {
            "id": s["id"],
            "name": s["name"],
            "category": s["category"],
            "severity": s["severity"],
            **s["impact"],
        }
        for s in payload["scenarios"]
    ]
    return sorted(rows, key=lambda r: r["dollar_impact"] if r["dollar_impact"] is not None else 0.0)[:limit]


def portfolio_console(
    *, portfolio: Portfolio, user: Any, history_days: int = 252, top: int = 10, scenarios: int = 5
) -> dict[str, Any]:
    """Every panel of the portfolio page: ``overview`` (the /analytics overview), ``history`` (NAV
    and drawdown, last ``history_days`` snapshots), ``exposures`` (by type and sector), ``greeks``
    (the book's totals of /analytics/risk/{id}/greeks), ``contributors`` (the ``top`` positions by
    contribution to risk), ``scenarios`` (the ``scenarios`` worst stress results by dollar impact),
    ``positions`` (open lots with market value, P&L and weight of /data/positions/details), and
    ``notes`` for the panels without data."""
    notes: list[str] = []
    greeks = _panel(lambda: portfolio_greeks_get(portfolio=portfolio), notes)
    details = _panel(
        lambda: position_details(portfolio=portfolio, position_ids=None, include_closed=False), notes
    )
    as_of: dt.date | None = details["as_of_date"] if details else None
    return {
        "overview": _panel(lambda: portfolio_overview(portfolio=portfolio), notes),
        "history": _history(portfolio, history_days),
        "exposures": _panel(lambda: _exposures(portfolio), notes),
        "greeks": None if greeks is None else {**greeks["current"], "as_of_date": greeks["as_of_date"]},
        "contributors": _panel(lambda: _top_contributors(portfolio, top), notes),
        "scenarios": _panel(lambda: _worst_scenarios(portfolio, user, scenarios), notes),
        "positions": None if details is None else _with_weight_percent(details["positions"]),
        "positions_summary": None if details is None else details["summary"],
        "as_of_date": as_of,
        "notes": list(dict.fromkeys(notes)),
    }
