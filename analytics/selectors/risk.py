"""Reads of engine 7's stored results for the /analytics/risk endpoints.

Every selector answers in a constant number of queries whatever the number of positions: JSON
sub-documents are extracted in SQL (``metrics__var__historical__h1__c95``), never the whole row.
Money is rounded to cents, percentages to 4 decimals and ratios to 8 at output
(:mod:`sigmasight.api.numbers`); a missing result raises 422
INSUFFICIENT_DATA (``analytics.api.common.require``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.db.models import Q
from rest_framework import serializers

from analytics.models import CorrelationResult, RiskMetrics, RiskView, StressScenario, StressTestResult
from analytics.selectors.access import require
from analytics.selectors.conventions import (
    contributions_conventions,
    risk_overview_conventions,
    scenarios_conventions,
    var_conventions,
)
from analytics.selectors.risk_book import view_impact
from analytics.selectors.risk_keys import confidence_key, horizon_key
from analytics.selectors.staleness import result_stale
from marketdata.selectors import data_source
from portfolios.models import Portfolio
from sigmasight.api.numbers import money, percent, ratio

__all__ = [
    "RATIO_DIGITS",
    "risk_contributions_get",
    "risk_overview_get",
    "risk_scenarios_get",
    "risk_stress_inputs_get",
    "risk_var_get",
    "scenario_payload",
]

#: Decimals of the unitless numbers of the risk responses (fractions, betas, factor moves).
RATIO_DIGITS = 8


def _metrics_row(
    portfolio: Portfolio, *, view: str, as_of: dt.date | None, keys: Sequence[str], what: str
) -> dict[str, Any]:
    """The latest (or as_of's) RiskMetrics of the view with only ``keys`` of ``metrics``."""
    qs = RiskMetrics.objects.filter(portfolio=portfolio, view=view)
    if as_of is not None:
        qs = qs.filter(as_of_date=as_of)
    fields = [f"metrics__{k}" for k in keys]
    row = qs.order_by("-as_of_date").values("as_of_date", "calculated_at", *fields).first()
    row = require(row, what=what, portfolio=portfolio, as_of=as_of)
    return {
        "as_of_date": row["as_of_date"],
        "calculated_at": row["calculated_at"],
        "stale": _risk_stale(portfolio, result_as_of=row["as_of_date"], requested_as_of=as_of),
        **{k: row[f] for k, f in zip(keys, fields, strict=True)},
    }


def _risk_stale(portfolio: Portfolio, *, result_as_of: dt.date, requested_as_of: dt.date | None) -> bool:
    """True when the last run could not recompute engine 7's stored results (one query)."""
    return result_stale(
        portfolio_id=portfolio.id,
        engines=("stress_tests",),
        result_as_of=result_as_of,
        requested_as_of=requested_as_of,
    )


def _symbols_source(symbols: Sequence[str] | None) -> str:
    return data_source(symbols=sorted(set(symbols or [])) or None)


# --- scenarios ------------------------------------------------------------------------------


def visible_scenarios(*, user: Any, ids: Sequence[str]) -> dict[str, StressScenario]:
    """The scenarios of ``ids`` the user may use (the library and their own); 400 names the others."""
    found = {
        s.id: s
        for s in StressScenario.objects.filter(Q(owner__isnull=True) | Q(owner=user), id__in=list(ids))
    }
    unknown = [i for i in ids if i not in found]
    if unknown:
        raise serializers.ValidationError({"scenarios": [f"Unknown scenario id(s): {', '.join(unknown)}."]})
    return found


def scenario_payload(
    *, scenario: dict[str, Any], fields: dict[str, Any], nav: float, view: str
) -> dict[str, Any]:
    """One scenario of the API.md shape from stored (or just computed) result fields."""
    impact = view_impact(fields["by_position"], nav, view)
    return {
        **scenario,
        "shocks": fields["shocks"],
        "impact": {
            "dollar_impact": money(impact["dollar_impact"]),
            "percentage_impact": percent(impact["percentage_impact"]),
            "new_portfolio_value": money(impact["new_portfolio_value"]),
        },
        "severity": impact["severity"],
        "by_position": [
            {
                "position_id": r["position_id"],
                "symbol": r["symbol"],
                "side": r.get("side"),
                "dollar_impact": money(r.get("dollar_impact")),
                "percentage_impact": percent(r.get("percentage_impact")),
                "underlying_return": ratio(r.get("underlying_return"), RATIO_DIGITS),
            }
            for r in impact["by_position"]
        ],
        "factor_moves": {k: ratio(v, RATIO_DIGITS) for k, v in fields["factor_moves"].items()},
        "unmodeled": [
            u
            for u in fields["unmodeled"]
            if view == RiskView.PORTFOLIO
            or u["position_id"] in {r["position_id"] for r in impact["by_position"]}
        ],
    }


def risk_scenarios_get(
    *, portfolio: Portfolio, user: Any, scenario_ids: Sequence[str] | None, view: str, as_of: dt.date | None
) -> dict[str, Any]:
    """Stored stress results of the portfolio (all scenarios, or ``scenario_ids`` in library order)."""
    if scenario_ids:
        visible_scenarios(user=user, ids=scenario_ids)
    qs = StressTestResult.objects.filter(portfolio=portfolio)
    requested = as_of
    if as_of is None:
        as_of = qs.order_by("-as_of_date").values_list("as_of_date", flat=True).first()
    as_of = require(as_of, what="stress test results", portfolio=portfolio)
    qs = qs.filter(as_of_date=as_of)
    if scenario_ids:
        qs = qs.filter(scenario_id__in=list(scenario_ids))
    rows = list(qs.select_related("scenario").order_by("scenario__display_order", "scenario_id"))
    missing = sorted(set(scenario_ids or []) - {r.scenario_id for r in rows})
    if missing:
        require(
            None,
            what=f"stress results for scenario(s) {', '.join(missing)}",
            portfolio=portfolio,
            as_of=as_of,
        )
    require(rows or None, what="stress test results", portfolio=portfolio, as_of=as_of)
    nav = rows[0].portfolio_value
    scenarios = [
        scenario_payload(
            scenario={
                "id": r.scenario_id,
                "name": r.scenario.name,
                "category": r.scenario.category,
                "description": r.scenario.description,
                "window": r.scenario.window or None,
                "source": r.scenario.source or None,
            },
            fields={
                "shocks": r.shocks,
                "by_position": r.by_position,
                "factor_moves": r.factor_moves,
                "unmodeled": r.unmodeled,
            },
            nav=nav,
            view=view,
        )
        for r in rows
    ]
    return {
        "conventions": scenarios_conventions(propagation="conditional"),
        "portfolio_id": str(portfolio.id),
        "view": view,
        "propagation": "conditional",
        "portfolio_value": money(nav),
        "calculation_date": as_of,
        "as_of_date": as_of,
        "calculated_at": max(r.calculated_at for r in rows),
        "stale": _risk_stale(portfolio, result_as_of=as_of, requested_as_of=requested),
        "data_source": _symbols_source([p["symbol"] for p in rows[0].by_position]),
        "scenarios": scenarios,
    }


def risk_stress_inputs_get(*, portfolio: Portfolio, as_of: dt.date | None) -> dict[str, Any]:
    """The stress inputs the batch stored (for custom scenarios) with their date and symbols."""
    qs = RiskMetrics.objects.filter(portfolio=portfolio, view=RiskView.PORTFOLIO)
    if as_of is not None:
        qs = qs.filter(as_of_date=as_of)
    row = qs.order_by("-as_of_date").values("as_of_date", "stress_inputs", "metrics__symbols").first()
    row = require(
        row if row and row["stress_inputs"] else None,
        what="stress test inputs",
        portfolio=portfolio,
        as_of=as_of,
    )
    return {
        "as_of_date": row["as_of_date"],
        "inputs": row["stress_inputs"],
        "stale": _risk_stale(portfolio, result_as_of=row["as_of_date"], requested_as_of=as_of),
        "data_source": _symbols_source(row["metrics__symbols"]),
    }


# --- VaR --------------------------------------------------------------------------------------


def risk_var_get(
    *,
    portfolio: Portfolio,
    method: str,
    confidence: float,
    horizon_days: int,
    view: str,
    as_of: dt.date | None,
) -> dict[str, Any]:
    """One VaR/ES entry with its by-position components."""
    entry_key = f"var__{method}__{horizon_key(horizon_days)}__{confidence_key(confidence)}"
    row = _metrics_row(
        portfolio,
        view=view,
        as_of=as_of,
        keys=[entry_key, "positions", "excluded", "nav", "symbols", "parameters"],
        what="VaR results",
    )
    entry = require(
        row[entry_key], what=f"{method} VaR for the {view} view", portfolio=portfolio, as_of=as_of
    )
    positions = row["positions"] or []
    comp_var = entry.get("component_var") or [None] * len(positions)
    comp_es = entry.get("component_es") or [None] * len(positions)
    return {
        "conventions": var_conventions(method=method, confidence=confidence, horizon_days=horizon_days),
        "portfolio_id": str(portfolio.id),
        "view": view,
        "method": method,
        "confidence": confidence,
        "horizon_days": horizon_days,
        "var": money(entry["var"]),
        "expected_shortfall": money(entry["expected_shortfall"]),
        "var_percent": percent(entry["var_percent"]),
        "expected_shortfall_percent": percent(entry["expected_shortfall_percent"]),
        "observations": entry["observations"],
        "scenarios": entry["scenarios"],
        "portfolio_value": money(row["nav"]),
        "component_method": entry["component_method"],
        **_monte_carlo_reproduction(method, row.get("parameters") or {}),
        "by_position": [
            {
                "position_id": p["position_id"],
                "symbol": p["symbol"],
                "component_var": money(cv),
                "component_es": money(ce),
            }
            for p, cv, ce in zip(positions, comp_var, comp_es, strict=True)
        ],
        "excluded": row["excluded"] or [],
        "as_of_date": row["as_of_date"],
        "calculated_at": row["calculated_at"],
        "stale": row["stale"],
        "data_source": _symbols_source(row["symbols"]),
    }


def _monte_carlo_reproduction(method: str, parameters: dict[str, Any]) -> dict[str, Any]:
    """``seed`` and ``paths`` of a Monte Carlo figure (numpy default_rng(seed), multivariate normal
    draws from the 252-day sample covariance), so it can be reproduced; nothing for other methods."""
    if method != "monte_carlo":
        return {}
    return {"seed": parameters.get("monte_carlo_seed"), "paths": parameters.get("monte_carlo_paths")}


# --- contributions ----------------------------------------------------------------------------


def risk_contributions_get(*, portfolio: Portfolio, view: str, as_of: dt.date | None) -> dict[str, Any]:
    """Risk contributions by position and by factor (annualized fractions of NAV)."""
    row = _metrics_row(
        portfolio,
        view=view,
        as_of=as_of,
        keys=["contributions", "positions", "excluded", "symbols"],
        what="risk contributions",
    )
    c = require(row["contributions"], what="risk contributions", portfolio=portfolio, as_of=as_of)
    positions = row["positions"] or []
    by = c["by_position"]
    return {
        "conventions": contributions_conventions(),
        "portfolio_id": str(portfolio.id),
        "view": view,
        "total_risk": ratio(c["total_risk"], RATIO_DIGITS),
        "factor_risk": ratio(c["factor_risk"], RATIO_DIGITS),
        "specific_risk": ratio(c["specific_risk"], RATIO_DIGITS),
        "model_total_risk": ratio(c["model_total_risk"], RATIO_DIGITS),
        "observations": c.get("observations"),
        "by_position": [
            {
                "position_id": p["position_id"],
                "symbol": p["symbol"],
                "weight": ratio(w, RATIO_DIGITS),
                "mctr": ratio(m, RATIO_DIGITS),
                "ctr": ratio(ctr, RATIO_DIGITS),
                "ctr_percent": percent(pct),
            }
            for p, w, m, ctr, pct in zip(
                positions, by["weight"], by["mctr"], by["ctr"], by["ctr_percent"], strict=True
            )
        ],
        "by_factor": [
            {
                "factor": f["factor"],
                "exposure": ratio(f["exposure"], RATIO_DIGITS),
                "ctr": ratio(f["ctr"], RATIO_DIGITS),
                "ctr_percent": percent(f["ctr_percent"]),
                "contribution_to_factor_risk": ratio(f["contribution_to_factor_risk"], RATIO_DIGITS),
            }
            for f in c["by_factor"]
        ],
        "specific": {
            "ctr": ratio(c["specific"]["ctr"], RATIO_DIGITS),
            "ctr_percent": percent(c["specific"]["ctr_percent"]),
        },
        "unmodeled": c.get("unmodeled", []),
        "excluded": row["excluded"] or [],
        "units": {
            "risk": "annualized volatility, fraction of NAV",
            "weight": "delta-adjusted exposure / NAV",
            "ctr_percent": "percent of total_risk (by_factor: of model_total_risk squared)",
        },
        "as_of_date": row["as_of_date"],
        "calculated_at": row["calculated_at"],
        "stale": row["stale"],
        "data_source": _symbols_source(row["symbols"]),
    }


# --- overview ---------------------------------------------------------------------------------


def _max_drawdown(portfolio: Portfolio, as_of: dt.date) -> dict[str, Any]:
    """Max drawdown (negative fraction) of the performance summary of engine 8 on or before
    as_of; null with a note when there is none (never invented)."""
    try:
        summary = apps.get_model("analytics", "PerformanceSummary")
    except LookupError:
        return {"value": None, "note": "Performance snapshots (engine 8) are not available yet."}
    row = (
        summary.objects.filter(portfolio=portfolio, as_of_date__lte=as_of)
        .order_by("-as_of_date")
        .values("as_of_date", "max_drawdown", "max_drawdown_start", "max_drawdown_end")
        .first()
    )
    if row is None:
        return {"value": None, "note": "No performance snapshot on or before as_of_date (engine 8)."}
    return {
        "value": ratio(row["max_drawdown"], RATIO_DIGITS),
        "peak_date": row["max_drawdown_start"],
        "trough_date": row["max_drawdown_end"],
        "as_of_date": row["as_of_date"],
    }


def _average_correlation(portfolio: Portfolio, as_of: dt.date, view: str, stored: Any) -> dict[str, Any]:
    if view != RiskView.PORTFOLIO:
        return {
            "value": ratio(stored, RATIO_DIGITS),
            "source": "computed on the view's positions (engine 6's definition)",
        }
    value = (
        CorrelationResult.objects.filter(portfolio=portfolio, as_of_date=as_of)
        .order_by("lookback_days")
        .values_list("average_correlation", flat=True)
        .first()
    )
    if value is None:
        return {"value": None, "note": "No correlation result for this date (engine 6)."}
    return {"value": ratio(value, RATIO_DIGITS), "source": "correlations"}


def risk_overview_get(*, portfolio: Portfolio, view: str, as_of: dt.date | None) -> dict[str, Any]:
    """The risk overview of API.md. Its VaR is the historical 95 % 1-day entry the /var endpoint
    serves, and its ES the historical 97.5 % 1-day one."""
    row = _metrics_row(
        portfolio,
        view=view,
        as_of=as_of,
        keys=["summary", "nav", "symbols", "var__historical__h1__c95", "var__historical__h1__c975"],
        what="risk metrics",
    )
    summary = require(row["summary"], what="risk metrics", portfolio=portfolio, as_of=as_of)
    var95 = row["var__historical__h1__c95"] or {}
    es975 = row["var__historical__h1__c975"] or {}
    date = row["as_of_date"]
    return {
        "conventions": risk_overview_conventions(),
        "portfolio_id": str(portfolio.id),
        "view": view,
        "portfolio_value": money(row["nav"]),
        "metrics": {
            "beta": {
                "value": ratio(summary["beta"], RATIO_DIGITS),
                "benchmark": "SPY",
                "coverage": ratio(summary.get("beta_coverage"), RATIO_DIGITS),
            },
            "annualized_volatility": {"value": ratio(summary["annualized_volatility"], RATIO_DIGITS)},
            "var_1d_95": {
                "value": money(var95.get("var")),
                "method": "historical",
                "percent": percent(var95.get("var_percent")),
            },
            "expected_shortfall_1d_975": {
                "value": money(es975.get("expected_shortfall")),
                "method": "historical",
                "percent": percent(es975.get("expected_shortfall_percent")),
            },
            "average_correlation": _average_correlation(
                portfolio, date, view, summary.get("average_correlation")
            ),
            "max_drawdown": _max_drawdown(portfolio, date),
        },
        "as_of_date": date,
        "calculated_at": row["calculated_at"],
        "stale": row["stale"],
        "data_source": _symbols_source(row["symbols"]),
    }
