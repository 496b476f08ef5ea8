"""The sections of a portfolio export (GET /export/portfolio/{id}), read from the API's own selectors.

Nothing is recomputed here: every number is what the matching endpoint serves for the latest batch
run (each section carries the ``as_of_date`` / ``calculated_at`` of its result):

- ``portfolio`` and ``positions``: :func:`analytics.selectors.portfolio_data.portfolio_complete`
  (/data/portfolio/{id}/complete), open positions valued by the batch; with ``greeks`` each row also
  carries its stored Greeks from :func:`analytics.selectors.greeks.portfolio_greeks_get` (stocks:
  delta = signed shares, gamma/theta/vega/rho 0, delta_dollars = market value).
- ``exposures``: :func:`analytics.selectors.portfolio_data.portfolio_overview`
  (/analytics/portfolio/{id}/overview); ``percentage`` fields in percent of NAV.
- ``greeks``: /analytics/risk/{id}/greeks (totals, by underlying, by position, units).
- ``factors``: /analytics/factors/{id}/exposures: the model factors, then the macro sensitivities
  (``kind`` says which), then the CAPM beta.
- ``risk``: /analytics/risk/{id}/overview metrics and the stored VaR / ES entries of /var
  (historical, parametric, Monte Carlo; 95 % and 99 %; 1 and 10 days), without the by-position
  components.

A portfolio the batch has not valued yet answers 422 INSUFFICIENT_DATA (from the selectors).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from analytics.selectors.factors import factor_exposures_get
from analytics.selectors.greeks import portfolio_greeks_get
from analytics.selectors.portfolio_data import portfolio_complete, portfolio_overview
from analytics.selectors.risk import risk_overview_get, risk_var_get
from analytics.selectors.risk_keys import HORIZONS, VAR_METHODS
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData

__all__ = [
    "GREEK_COLUMNS",
    "POSITION_COLUMNS",
    "SECTIONS",
    "PortfolioExport",
    "portfolio_export_build",
]

#: The sections of a portfolio export, in file order.
SECTIONS: tuple[str, ...] = ("positions", "exposures", "greeks", "factors", "risk")
#: Columns of a position row (API.md "/export"), in order.
POSITION_COLUMNS: tuple[str, ...] = (
    "id",
    "symbol",
    "position_type",
    "quantity",
    "multiplier",
    "entry_price",
    "entry_date",
    "last_price",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "tags",
)
#: Columns a position row adds when the export includes ``greeks``.
GREEK_COLUMNS: tuple[str, ...] = ("delta", "gamma", "theta", "vega", "rho", "delta_dollars")
#: Keys of a section payload that the export keeps once, at the top.
_TOP_LEVEL_KEYS = ("portfolio_id", "data_source", "view")


@dataclass
class PortfolioExport:
    """The included sections of one portfolio's export (JSON-ready values: floats, dates, str ids)."""

    portfolio: dict[str, Any]
    include: tuple[str, ...]
    data_source: str
    positions: list[dict[str, Any]] = field(default_factory=list)
    exposures: dict[str, Any] = field(default_factory=dict)
    greeks: dict[str, Any] = field(default_factory=dict)
    factors: list[dict[str, Any]] = field(default_factory=list)
    risk: dict[str, Any] = field(default_factory=dict)

    @property
    def as_of_date(self) -> dt.date:
        return self.portfolio["as_of_date"]

    @property
    def position_columns(self) -> tuple[str, ...]:
        return POSITION_COLUMNS + (GREEK_COLUMNS if "greeks" in self.include else ())

    def as_json(self) -> dict[str, Any]:
        """The API.md JSON shape: ``portfolio``, the included sections, ``data_source``."""
        body: dict[str, Any] = {"portfolio": self.portfolio}
        for name in self.include:
            body[name] = getattr(self, name)
        body["data_source"] = self.data_source
        return body


def portfolio_export_build(*, portfolio: Portfolio, include: Sequence[str]) -> PortfolioExport:
    """Reads the ``include``d sections (any of :data:`SECTIONS`; kept in :data:`SECTIONS` order).

    The portfolio block and the positions always come from the latest valuation (the positions
    are read even when not included: the CSV and the position Greeks need them); 422 when the
    batch has not produced a requested section.
    """
    wanted = tuple(name for name in SECTIONS if name in set(include))
    complete = portfolio_complete(portfolio=portfolio, as_of=None, include_positions=True, include_cash=True)
    block = complete["portfolio"]
    export = PortfolioExport(
        portfolio={
            "id": str(block["id"]),
            "name": block["name"],
            "as_of_date": block["as_of_date"],
            "total_value": block["total_value"],
            "cash_balance": block["cash_balance"],
            "currency": block["currency"],
            "calculated_at": complete["calculated_at"],
        },
        include=wanted,
        data_source=complete["data_source"],
    )
    greeks = portfolio_greeks_get(portfolio=portfolio) if "greeks" in wanted else None
    export.positions = _position_rows(complete["positions"], greeks)
    if "exposures" in wanted:
        export.exposures = _section(portfolio_overview(portfolio=portfolio))
    if greeks is not None:
        export.greeks = _section({k: v for k, v in greeks.items() if k != "after_expiry"})
    if "factors" in wanted:
        export.factors = _factor_rows(factor_exposures_get(portfolio=portfolio))
    if "risk" in wanted:
        export.risk = _risk(portfolio)
    return export


def _section(payload: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in payload.items() if k not in _TOP_LEVEL_KEYS}


def _position_rows(
    positions: Sequence[dict[str, Any]], greeks: dict[str, Any] | None
) -> list[dict[str, Any]]:
    """The /complete rows cut to :data:`POSITION_COLUMNS` (ids as text), plus the position's Greeks
    of the greeks payload when given (null for a position the Greeks run did not cover)."""
    by_id = {row["position_id"]: row for row in greeks["by_position"]} if greeks is not None else None
    rows = []
    for position in positions:
        row = {name: position[name] for name in POSITION_COLUMNS}
        row["id"] = str(row["id"])
        if by_id is not None:
            found = by_id.get(row["id"], {})
            row.update({name: found.get(name) for name in GREEK_COLUMNS})
        rows.append(row)
    return rows


def _factor_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """Model factors, macro sensitivities, then the CAPM beta, each with its ``kind`` and the
    regression's ``r_squared`` / ``observations`` where the endpoint gives them."""
    rows = [
        {**item, "kind": "model", "r_squared": payload["r_squared"], "observations": payload["observations"]}
        for item in payload["factors"]
    ]
    rows += [{**item, "kind": "macro"} for item in payload["macro_sensitivities"]]
    capm = payload.get("capm")
    if capm:
        rows.append(
            {
                "name": "CAPM",
                "etf_symbol": capm["benchmark"],
                "beta": capm["beta"],
                "exposure_dollar": capm["exposure_dollar"],
                "t_stat": capm["t_stat"],
                "p_value": capm["p_value"],
                "kind": "capm",
                "r_squared": capm["r_squared"],
                "observations": capm["observations"],
            }
        )
    return rows


#: Confidences of the exported VaR / ES entries (97.5 % ES 1-day is in the overview metrics).
RISK_CONFIDENCES: tuple[float, ...] = (0.95, 0.99)
#: Fields of a /var entry kept in the export (the by-position components are left out).
_VAR_FIELDS = (
    "method",
    "confidence",
    "horizon_days",
    "var",
    "expected_shortfall",
    "var_percent",
    "expected_shortfall_percent",
    "observations",
)


def _risk(portfolio: Portfolio) -> dict[str, Any]:
    """The risk overview and the VaR entries (:data:`RISK_CONFIDENCES`) of the portfolio view (422 without the overview;
    an entry the batch did not store, e.g. Monte Carlo when it was switched off, is left out)."""
    overview = risk_overview_get(portfolio=portfolio, view="portfolio", as_of=None)
    entries = []
    for method in VAR_METHODS:
        for confidence in RISK_CONFIDENCES:
            for horizon in HORIZONS:
                try:
                    entry = risk_var_get(
                        portfolio=portfolio,
                        method=method,
                        confidence=confidence,
                        horizon_days=horizon,
                        view="portfolio",
                        as_of=overview["as_of_date"],
                    )
                except InsufficientData:
                    continue
                entries.append({name: entry[name] for name in _VAR_FIELDS})
    return {**_section(overview), "var": entries}
