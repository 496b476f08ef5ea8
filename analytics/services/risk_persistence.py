"""Stores engine 7's computed rows: StressTestResult per (portfolio, date, scenario) and
RiskMetrics per (portfolio, date, view), then deletes the rows of that date the computed portfolios
no longer produce (a failed portfolio keeps its rows).

PostgreSQL takes the COPY fast path (``sigmasight.copy_upsert``); other databases ORM bulk upserts.
Both write the same rows; ``calculated_at`` is refreshed on every upsert.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.db import connection, transaction
from django.db.models import Q

from analytics.models import RiskMetrics, RiskView, StressTestResult
from analytics.services.risk_portfolio import VIEWS, PortfolioRisk
from sigmasight.copy_upsert import copy_upsert, copy_upsert_available

__all__ = ["risk_results_persist"]

STRESS_FLOAT_FIELDS = ("portfolio_value", "dollar_impact", "percentage_impact", "new_portfolio_value")
STRESS_JSON_FIELDS = ("shocks", "factor_moves", "by_position", "unmodeled")
STRESS_UPDATE_FIELDS = [
    "portfolio_value",
    "dollar_impact",
    "percentage_impact",
    "new_portfolio_value",
    "severity",
    "shocks",
    "factor_moves",
    "by_position",
    "unmodeled",
    "calculated_at",
]


def _json(value: Any) -> str:
    return json.dumps(value)


def _copy(*, table: str, temp: str, columns: dict[str, str], conflict: list[str], rows: list[Any]) -> None:
    """COPY upsert of text rows refreshing ``calculated_at`` on every conflicting row."""
    copy_upsert(
        table=table,
        temp=temp,
        binary=False,
        only_changed=False,
        touch=["calculated_at"],
        columns=columns,
        conflict=conflict,
        rows=rows,
    )


def _stress_inputs(risk: PortfolioRisk, view: str) -> dict[str, Any]:
    """The stored stress inputs of a view's row (only the portfolio view carries them)."""
    return risk.stress_inputs if view == RiskView.PORTFOLIO else {}


# --- stress test results --------------------------------------------------------------------


def _stress_upsert(*, as_of: dt.date, computed: dict[str, PortfolioRisk], fast: bool) -> int:
    """Upserts one StressTestResult per portfolio and scenario; returns the row count."""
    if fast:
        rows: list[Any] = [
            (
                pid,
                as_of,
                sid,
                *(fields[f] for f in STRESS_FLOAT_FIELDS),
                fields["severity"],
                *(_json(fields[f]) for f in STRESS_JSON_FIELDS),
            )
            for pid, risk in computed.items()
            for sid, fields in risk.stress.items()
        ]
        scenario_type = StressTestResult._meta.get_field("scenario").target_field.db_type(connection)
        assert scenario_type is not None  # the scenario key is a concrete column (db_type None: none)
        _copy(
            table=StressTestResult._meta.db_table,
            temp="risk_stress_upsert",
            columns={
                "portfolio_id": "uuid",
                "as_of_date": "date",
                "scenario_id": scenario_type,
                **dict.fromkeys(STRESS_FLOAT_FIELDS, "double precision"),
                "severity": "varchar(16)",
                **dict.fromkeys(STRESS_JSON_FIELDS, "jsonb"),
            },
            conflict=["portfolio_id", "as_of_date", "scenario_id"],
            rows=rows,
        )
        return len(rows)
    objects = [
        StressTestResult(portfolio_id=pid, as_of_date=as_of, scenario_id=sid, **fields)
        for pid, risk in computed.items()
        for sid, fields in risk.stress.items()
    ]
    StressTestResult.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "scenario"],
        update_fields=STRESS_UPDATE_FIELDS,
        batch_size=500,
    )
    return len(objects)


# --- risk metrics (VaR, contributions, summary) ---------------------------------------------


def _metrics_upsert(*, as_of: dt.date, computed: dict[str, PortfolioRisk], fast: bool) -> int:
    """Upserts one RiskMetrics per portfolio and view; returns the row count."""
    if fast:
        rows: list[Any] = [
            (pid, as_of, view, _json(metrics), _json(_stress_inputs(risk, view)))
            for pid, risk in computed.items()
            for view, metrics in risk.metrics.items()
        ]
        _copy(
            table=RiskMetrics._meta.db_table,
            temp="risk_metrics_upsert",
            columns={
                "portfolio_id": "uuid",
                "as_of_date": "date",
                "view": "varchar(16)",
                "metrics": "jsonb",
                "stress_inputs": "jsonb",
            },
            conflict=["portfolio_id", "as_of_date", "view"],
            rows=rows,
        )
        return len(rows)
    objects = [
        RiskMetrics(
            portfolio_id=pid,
            as_of_date=as_of,
            view=view,
            metrics=metrics,
            stress_inputs=_stress_inputs(risk, view),
        )
        for pid, risk in computed.items()
        for view, metrics in risk.metrics.items()
    ]
    RiskMetrics.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date", "view"],
        update_fields=["metrics", "stress_inputs", "calculated_at"],
        batch_size=100,
    )
    return len(objects)


# --- both, with the stale rows of the date --------------------------------------------------


@transaction.atomic
def risk_results_persist(*, as_of: dt.date, computed: dict[str, PortfolioRisk]) -> tuple[int, int]:
    """Upserts the computed rows (PostgreSQL: COPY fast path; else ORM bulk upserts) and deletes
    the computed portfolios' rows of that date they no longer produce: scenarios no longer run,
    views no longer computed. A portfolio that failed is not in ``computed`` and keeps its stored
    rows (the last good result, served marked ``stale``). Returns (stress rows, metrics rows)."""
    fast = bool(computed) and copy_upsert_available()
    counts = (
        _stress_upsert(as_of=as_of, computed=computed, fast=fast),
        _metrics_upsert(as_of=as_of, computed=computed, fast=fast),
    )
    stale = Q(pk__in=[])
    for pid, risk in computed.items():
        stale |= Q(portfolio_id=pid) & ~Q(scenario_id__in=list(risk.stress))
    StressTestResult.objects.filter(stale, as_of_date=as_of).delete()
    RiskMetrics.objects.filter(portfolio_id__in=list(computed), as_of_date=as_of).exclude(
        view__in=list(VIEWS)
    ).delete()
    return counts
