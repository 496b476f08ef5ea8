"""A portfolio export as a file (CSV, XLSX or JSON) and its history record.

- ``json``: :meth:`PortfolioExport.as_json` with the API's encoding.
- ``csv``: the positions table only (one header row, one row per open position, the columns of
  the JSON rows, with the Greek columns when ``greeks`` is included; tags joined with ``;``). The
  other sections are not tables of positions and are left out of a CSV (use xlsx or json).
- ``xlsx``: one sheet per included section (``Positions``, ``Exposures``, ``Greeks``, ``Factors``,
  ``Risk``). Values are the JSON ones, except that percentages are stored as fractions under a
  percent number format (an API ``*_percent`` / ``percentage`` of 12.0 is the cell 0.12, shown
  12.00 %), so spreadsheet arithmetic works on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from exports.files import CONTENT_TYPES, ExportFile, export_filename
from exports.history import export_record_create
from exports.models import ExportKind
from exports.portfolio_export import PortfolioExport, portfolio_export_build
from exports.writers.csv_writer import csv_bytes
from exports.writers.json_writer import json_bytes
from exports.writers.xlsx_writer import Column, Sheet, xlsx_bytes
from portfolios.models import Portfolio

__all__ = ["PORTFOLIO_FORMATS", "portfolio_export_file", "portfolio_export_render"]

PORTFOLIO_FORMATS: tuple[str, ...] = ("csv", "xlsx", "json")
_PERCENT = 0.01  # API percent -> fraction


def portfolio_export_file(
    *, user: Any, portfolio: Portfolio, file_format: str, include: Sequence[str]
) -> ExportFile:
    """Builds the export of the user's ``portfolio`` (owner already checked), renders it and
    records it in the history (kind ``portfolio``). 422 before the batch valued the portfolio."""
    export = portfolio_export_build(portfolio=portfolio, include=include)
    file = portfolio_export_render(export=export, file_format=file_format)
    export_record_create(
        owner=user, kind=ExportKind.PORTFOLIO, file_format=file_format, file=file, portfolio=portfolio
    )
    return file


def portfolio_export_render(*, export: PortfolioExport, file_format: str) -> ExportFile:
    """The file of ``export`` in ``file_format`` (one of :data:`PORTFOLIO_FORMATS`)."""
    if file_format == "json":
        content = json_bytes(export.as_json())
    elif file_format == "csv":
        content = csv_bytes(columns=export.position_columns, rows=export.positions)
    elif file_format == "xlsx":
        content = xlsx_bytes(_sheets(export))
    else:
        raise ValueError(f"unknown portfolio export format {file_format!r}")
    filename = export_filename(
        kind="portfolio", name=export.portfolio["name"], stamp=export.as_of_date, extension=file_format
    )
    return ExportFile(content=content, filename=filename, content_type=CONTENT_TYPES[file_format])


# XLSX sheets --------------------------------------------------------------------------------------

_POSITION_SHEET = [
    Column("id", "id"),
    Column("symbol", "symbol"),
    Column("position_type", "position_type"),
    Column("quantity", "quantity", "quantity"),
    Column("multiplier", "multiplier", "integer"),
    Column("entry_price", "entry_price", "price"),
    Column("entry_date", "entry_date", "date"),
    Column("last_price", "last_price", "price"),
    Column("market_value", "market_value", "money"),
    Column("cost_basis", "cost_basis", "money"),
    Column("unrealized_pnl", "unrealized_pnl", "money"),
    Column("tags", "tags"),
]
_POSITION_GREEKS = [
    Column("delta", "delta", "greek"),
    Column("gamma", "gamma", "greek"),
    Column("theta", "theta", "greek"),
    Column("vega", "vega", "greek"),
    Column("rho", "rho", "greek"),
    Column("delta_dollars", "delta_dollars", "money"),
]
_METRIC_SHEET = [
    Column("metric", "metric"),
    Column("value", "value", "money", kind_key="value_kind"),
    Column("percent", "percent", "percent", scale=_PERCENT),
    Column("percent_of", "percent_of"),
]
_GREEKS_SHEET = [
    Column("level", "level"),
    Column("symbol", "symbol"),
    Column("underlying_symbol", "underlying_symbol"),
    Column("exercise", "exercise"),
    Column("volatility", "volatility", "percent"),
    Column("volatility_source", "volatility_source"),
    Column("days_to_expiry", "days_to_expiry", "integer"),
    Column("delta", "delta", "greek"),
    Column("delta_dollars", "delta_dollars", "money"),
    Column("gamma", "gamma", "greek"),
    Column("gamma_dollars", "gamma_dollars", "money"),
    Column("theta", "theta", "greek"),
    Column("vega", "vega", "greek"),
    Column("rho", "rho", "greek"),
    Column("positions", "positions", "integer"),
]
_FACTOR_SHEET = [
    Column("name", "factor"),
    Column("kind", "kind"),
    Column("etf_symbol", "etf_symbol"),
    Column("beta", "beta", "ratio"),
    Column("exposure_dollar", "exposure_dollar", "money"),
    Column("t_stat", "t_stat", "ratio"),
    Column("p_value", "p_value", "ratio"),
    Column("r_squared", "r_squared", "ratio"),
    Column("observations", "observations", "integer"),
]
_RISK_SHEET = [
    Column("metric", "metric"),
    Column("method", "method"),
    Column("confidence", "confidence", "percent"),
    Column("horizon_days", "horizon_days", "integer"),
    Column("value", "value", "money", kind_key="value_kind"),
    Column("percent", "percent_of_nav", "percent", scale=_PERCENT),
    Column("observations", "observations", "integer"),
    Column("note", "note"),
]


def _sheets(export: PortfolioExport) -> list[Sheet]:
    sheets = []
    if "positions" in export.include:
        columns = _POSITION_SHEET + (_POSITION_GREEKS if "greeks" in export.include else [])
        sheets.append(Sheet("Positions", columns, export.positions))
    if "exposures" in export.include:
        sheets.append(Sheet("Exposures", _METRIC_SHEET, _exposure_rows(export)))
    if "greeks" in export.include:
        sheets.append(Sheet("Greeks", _GREEKS_SHEET, _greek_rows(export.greeks)))
    if "factors" in export.include:
        sheets.append(Sheet("Factors", _FACTOR_SHEET, export.factors))
    if "risk" in export.include:
        sheets.append(Sheet("Risk", _RISK_SHEET, _risk_rows(export.risk)))
    return sheets


def _exposure_rows(export: PortfolioExport) -> list[dict[str, Any]]:
    """Key/value rows of the overview: money with its percent of NAV (P&L: of cost basis)."""
    o = export.exposures
    rows: list[dict[str, Any]] = [
        {"metric": "total_value", "value": o["total_value"]},
        {"metric": "cash_balance", "value": o["cash_balance"]},
        {
            "metric": "total_pnl",
            "value": o["total_pnl"],
            "percent": o["total_pnl_percent"],
            "percent_of": "cost basis",
        },
        {"metric": "daily_pnl", "value": o["daily_pnl"]},
        {"metric": "cost_basis", "value": o["cost_basis"]},
    ]
    for group, prefix in (("exposures", "exposure"), ("delta_adjusted", "delta_adjusted")):
        for side in ("long", "short", "gross", "net"):
            pair = o[group][side]
            rows.append(
                {
                    "metric": f"{prefix}_{side}",
                    "value": pair["value"],
                    "percent": pair["percentage"],
                    "percent_of": "NAV",
                }
            )
    for count in (
        "position_count",
        "priced_position_count",
        "missing_price_count",
        "long_count",
        "short_count",
    ):
        rows.append({"metric": count, "value": o.get(count), "value_kind": "integer"})
    rows.append({"metric": "as_of_date", "value": o["as_of_date"], "value_kind": "date"})
    rows.append({"metric": "calculated_at", "value": o["calculated_at"], "value_kind": "datetime"})
    return rows


def _greek_rows(greeks: dict[str, Any]) -> list[dict[str, Any]]:
    """Position rows, then one row per underlying, then the portfolio total."""
    rows = [{**row, "level": "position"} for row in greeks["by_position"]]
    rows += [
        {**row, "level": "underlying", "symbol": row["underlying"], "underlying_symbol": row["underlying"]}
        for row in greeks["by_underlying"]
    ]
    rows.append({**greeks["current"], "level": "portfolio", "symbol": "TOTAL"})
    return rows


#: Risk overview metric -> the kind of its value (money, fraction shown as percent, ratio).
_RISK_METRIC_KINDS = {
    "beta": "ratio",
    "annualized_volatility": "percent",
    "var_1d_95": "money",
    "expected_shortfall_1d_975": "money",
    "average_correlation": "ratio",
    "max_drawdown": "percent",
}


def _risk_rows(risk: dict[str, Any]) -> list[dict[str, Any]]:
    """The overview metrics, then a VaR and an ES row per stored entry (percent = of NAV)."""
    rows = []
    for name, kind in _RISK_METRIC_KINDS.items():
        metric = risk["metrics"].get(name) or {}
        rows.append(
            {
                "metric": name,
                "method": metric.get("method")
                or (f"vs {metric['benchmark']}" if metric.get("benchmark") else None),
                "value": metric.get("value"),
                "value_kind": kind,
                "percent": metric.get("percent"),
                "note": metric.get("note"),
            }
        )
    for entry in risk["var"]:
        for metric, value, percent in (
            ("var", entry["var"], entry["var_percent"]),
            ("expected_shortfall", entry["expected_shortfall"], entry["expected_shortfall_percent"]),
        ):
            rows.append(
                {
                    "metric": metric,
                    "method": entry["method"],
                    "confidence": entry["confidence"],
                    "horizon_days": entry["horizon_days"],
                    "value": value,
                    "percent": percent,
                    "observations": entry["observations"],
                }
            )
    return rows
