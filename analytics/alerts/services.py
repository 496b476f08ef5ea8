"""Alert rules and their evaluation after every batch run (:func:`after_batch`, called once by the
run's finalize step).

:func:`alerts_evaluate` takes the run's portfolios (every portfolio when the run has none) and
its ``as_of_date``, reads each metric from the stored results (:func:`analytics.alerts.selectors.
alert_metrics`; a metric whose result is missing is skipped and the reason stored on the
:class:`~analytics.alerts.models.AlertEvaluation` row), then:

- for each active rule of those portfolios: raises an Alert (value = the metric's value that
  breached) when ``value > threshold`` (``gt``) or ``value < threshold`` (``lt``) and no alert of
  that rule is open; resolves the open alert when the value no longer breaches. A skipped metric
  leaves the rule's open alert as it is (nothing is known about it);
- built-in expiration risk: one alert per held option expiring within
  :data:`~analytics.alerts.models.EXPIRATION_WINDOW_DAYS` calendar days of as_of (0 to 7 days;
  priority high at 2 days or less, else medium), resolved once the option is closed or expired.

Idempotent: a rerun of the same date raises nothing new (one open alert per rule and per option,
enforced by the database too). A run older than the latest date already evaluated for a portfolio
does not change that portfolio's alerts (a backfill never reopens or resolves current alerts).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from analytics.alerts.models import (
    EXPIRATION_WINDOW_DAYS,
    Alert,
    AlertEvaluation,
    AlertKind,
    AlertMetric,
    AlertOperator,
    AlertPriority,
    AlertRule,
)
from analytics.alerts.selectors import PortfolioMetrics, alert_metrics, held_options_frame
from analytics.models import BatchRun
from portfolios.models import Portfolio

__all__ = [
    "AlertsSummary",
    "after_batch",
    "alert_rule_create",
    "alert_rule_delete",
    "alert_rule_update",
    "alerts_evaluate",
    "alerts_evaluate_date",
    "breaches",
    "format_metric_value",
    "threshold_errors",
]

logger = logging.getLogger(__name__)

#: Expiration alerts at this many calendar days or fewer are high priority (else medium).
EXPIRATION_HIGH_PRIORITY_DAYS = 2
#: Largest |threshold| accepted (USD or days): beyond it a rule could never trigger meaningfully.
MAX_ABS_THRESHOLD = 1e15

METRIC_LABELS: dict[str, str] = {
    AlertMetric.VAR_1D_95: "1-day 95% VaR",
    AlertMetric.GROSS_EXPOSURE: "gross exposure",
    AlertMetric.NET_EXPOSURE: "net exposure",
    AlertMetric.DELTA_DOLLARS: "delta dollars",
    AlertMetric.CONCENTRATION: "concentration (largest position / gross)",
    AlertMetric.DRAWDOWN: "drawdown",
    AlertMetric.DAYS_TO_EXPIRY: "days to the nearest option expiry",
}
_USD = frozenset(
    {AlertMetric.VAR_1D_95, AlertMetric.GROSS_EXPOSURE, AlertMetric.NET_EXPOSURE, AlertMetric.DELTA_DOLLARS}
)
_FRACTION = frozenset({AlertMetric.CONCENTRATION, AlertMetric.DRAWDOWN})
#: Allowed threshold range per metric (inclusive; None = unbounded on that side).
THRESHOLD_RANGES: dict[str, tuple[float | None, float | None, str]] = {
    AlertMetric.VAR_1D_95: (0.0, None, "VaR is a positive loss in USD: use a threshold of 0 or more."),
    AlertMetric.GROSS_EXPOSURE: (0.0, None, "Gross exposure is in USD and never negative."),
    AlertMetric.NET_EXPOSURE: (None, None, ""),
    AlertMetric.DELTA_DOLLARS: (None, None, ""),
    AlertMetric.CONCENTRATION: (0.0, 1.0, "Concentration is a fraction between 0 and 1 (0.25 = 25%)."),
    AlertMetric.DRAWDOWN: (
        -1.0,
        0.0,
        "Drawdown is a negative fraction between -1 and 0 (-0.1 = 10% below the peak).",
    ),
    AlertMetric.DAYS_TO_EXPIRY: (0.0, None, "Days to expiry is a number of calendar days, 0 or more."),
}


# Rules -----------------------------------------------------------------------------------------


def threshold_errors(*, metric: str, threshold: float) -> list[str]:
    """Why ``threshold`` is not valid for ``metric`` (units: METRIC_UNITS); empty when valid."""
    if not math.isfinite(threshold) or abs(threshold) > MAX_ABS_THRESHOLD:
        return [f"Must be a finite number of at most {MAX_ABS_THRESHOLD:g} in absolute value."]
    low, high, message = THRESHOLD_RANGES[metric]
    if (low is not None and threshold < low) or (high is not None and threshold > high):
        return [message]
    return []


def breaches(*, value: float, operator: str, threshold: float) -> bool:
    """``gt``: value > threshold; ``lt``: value < threshold."""
    return value > threshold if operator == AlertOperator.GT else value < threshold


def format_metric_value(metric: str, value: float) -> str:
    """A value in its unit for messages: USD ``-$1,234.50``, fractions ``12.5%``, ``5 days``."""
    if metric in _USD:
        return f"{'-' if value < 0 else ''}${abs(value):,.2f}"
    if metric in _FRACTION:
        return f"{value * 100:.2f}%"
    return f"{value:g} days"


@transaction.atomic
def alert_rule_create(
    *,
    owner: Any,
    portfolio: Portfolio,
    name: str,
    metric: str,
    operator: str,
    threshold: float,
    priority: str = AlertPriority.MEDIUM,
    is_active: bool = True,
) -> AlertRule:
    """A rule of ``owner`` on their ``portfolio`` (the caller has checked ownership: 404 otherwise)."""
    if portfolio.owner_id != owner.pk:  # defence in depth: views resolve the portfolio per user
        raise ValueError("The portfolio belongs to another user.")
    return AlertRule.objects.create(
        owner=owner,
        portfolio=portfolio,
        name=name,
        metric=metric,
        operator=operator,
        threshold=float(threshold),
        priority=priority,
        is_active=is_active,
    )


@transaction.atomic
def alert_rule_update(*, rule: AlertRule, data: dict[str, Any]) -> AlertRule:
    """Updates the given fields of a rule (``portfolio`` already resolved for the owner).

    Changing what the rule measures (portfolio, metric, operator, threshold) resolves its open
    alert: it was raised for the old condition; the next batch run re-evaluates the new one.
    """
    if "portfolio" in data and data["portfolio"].owner_id != rule.owner_id:
        raise ValueError("The portfolio belongs to another user.")
    changed = {
        key
        for key in ("portfolio", "metric", "operator", "threshold")
        if key in data and getattr(rule, key) != data[key]
    }
    for key, value in data.items():
        setattr(rule, key, value)
    rule.save()
    if changed:
        Alert.objects.filter(rule=rule, resolved_at__isnull=True).update(
            resolved_at=timezone.now(), resolution=f"Rule changed ({', '.join(sorted(changed))})."
        )
    return rule


@transaction.atomic
def alert_rule_delete(*, rule: AlertRule) -> None:
    """Deletes the rule and its alerts."""
    rule.delete()


# Evaluation ------------------------------------------------------------------------------------


@dataclass
class AlertsSummary:
    """What one evaluation did."""

    as_of: dt.date
    evaluated: list[str] = field(default_factory=list)
    skipped_older: list[str] = field(default_factory=list)
    raised: int = 0
    resolved: int = 0


def alerts_evaluate(*, run: BatchRun) -> None:
    """Evaluates alert rules and expiration risk for the run's portfolios on its as_of date."""
    summary = alerts_evaluate_date(as_of=run.as_of_date, portfolio_ids=run.portfolio_ids, run=run)
    logger.info(
        "Alerts for run %s (%s): %d portfolio(s) evaluated, %d raised, %d resolved, %d skipped (newer date evaluated)",
        run.pk,
        run.as_of_date,
        len(summary.evaluated),
        summary.raised,
        summary.resolved,
        len(summary.skipped_older),
    )


def after_batch(*, run: BatchRun) -> None:
    """Evaluates the alert rules of the run's portfolios; a failure is logged, never raised."""
    try:
        alerts_evaluate(run=run)
    except Exception:  # noqa: BLE001 - alerts never fail a finished run
        logger.exception("Alert evaluation failed for run %s", run.id)


@transaction.atomic
def alerts_evaluate_date(
    *, as_of: dt.date, portfolio_ids: Sequence[str] | None, run: BatchRun | None = None
) -> AlertsSummary:
    """Evaluates the portfolios (None = every portfolio) on ``as_of``; see the module docstring.

    Queries: a constant number whatever the number of portfolios, rules and positions.
    """
    if portfolio_ids is None:
        ids = [str(pk) for pk in Portfolio.objects.values_list("id", flat=True)]
    else:
        ids = sorted({str(pk) for pk in portfolio_ids})
    summary = AlertsSummary(as_of=as_of)
    if not ids:
        return summary

    latest = {
        str(pid): date
        for pid, date in AlertEvaluation.objects.filter(portfolio_id__in=ids)
        .values("portfolio_id")
        .annotate(latest=Max("as_of_date"))
        .values_list("portfolio_id", "latest")
    }
    summary.evaluated = [pid for pid in ids if latest.get(pid) is None or latest[pid] <= as_of]
    summary.skipped_older = [pid for pid in ids if pid not in set(summary.evaluated)]
    if not summary.evaluated:
        return summary

    now = timezone.now()
    options = held_options_frame(portfolio_ids=summary.evaluated, as_of=as_of)
    metrics = alert_metrics(portfolio_ids=summary.evaluated, as_of=as_of, options=options)
    raised: list[Alert] = []
    resolved: list[Alert] = []
    _evaluate_rules(summary.evaluated, metrics, as_of, now, raised, resolved)
    _evaluate_expirations(summary.evaluated, options, as_of, now, raised, resolved)

    if raised:
        Alert.objects.bulk_create(raised, ignore_conflicts=True)  # a concurrent evaluation already raised it
    if resolved:
        Alert.objects.bulk_update(
            resolved, ["resolved_at", "resolved_as_of_date", "resolved_value", "resolution"]
        )
    _record(summary.evaluated, metrics, raised, resolved, as_of, run)
    summary.raised, summary.resolved = len(raised), len(resolved)
    return summary


def _evaluate_rules(
    ids: list[str],
    metrics: dict[str, PortfolioMetrics],
    as_of: dt.date,
    now: dt.datetime,
    raised: list[Alert],
    resolved: list[Alert],
) -> None:
    rules = list(AlertRule.objects.filter(portfolio_id__in=ids, is_active=True))
    open_alerts = {
        alert.rule_id: alert
        for alert in Alert.objects.select_for_update().filter(
            rule__in=[r.pk for r in rules], resolved_at__isnull=True
        )
    }
    for rule in rules:
        value = metrics[str(rule.portfolio_id)].metric_values.get(rule.metric)
        if value is None:  # the result is missing: nothing known, the open alert stays as it is
            continue
        alert = open_alerts.get(rule.pk)
        breached = breaches(value=value, operator=rule.operator, threshold=rule.threshold)
        if breached and alert is None:
            raised.append(
                Alert(
                    rule=rule,
                    portfolio_id=rule.portfolio_id,
                    kind=AlertKind.RULE,
                    priority=rule.priority,
                    metric=rule.metric,
                    operator=rule.operator,
                    value=value,
                    threshold=rule.threshold,
                    as_of_date=as_of,
                    triggered_at=now,
                    message=_rule_message(rule, value, as_of),
                )
            )
        elif not breached and alert is not None:
            side = "at or below" if rule.operator == AlertOperator.GT else "at or above"
            _resolve(
                alert,
                as_of=as_of,
                now=now,
                value=value,
                why=f"Back to {format_metric_value(rule.metric, value)}, {side} the threshold.",
            )
            resolved.append(alert)


def _rule_message(rule: AlertRule, value: float, as_of: dt.date) -> str:
    side = "above" if rule.operator == AlertOperator.GT else "below"
    return (
        f"{rule.name}: {METRIC_LABELS[rule.metric]} {format_metric_value(rule.metric, value)} is {side} "
        f"{format_metric_value(rule.metric, rule.threshold)} on {as_of.isoformat()}."
    )


def _resolve(alert: Alert, *, as_of: dt.date, now: dt.datetime, value: float | None, why: str) -> None:
    alert.resolved_at = now
    alert.resolved_as_of_date = as_of
    alert.resolved_value = value
    alert.resolution = why[:200]


def _evaluate_expirations(
    ids: list[str],
    options: pd.DataFrame,
    as_of: dt.date,
    now: dt.datetime,
    raised: list[Alert],
    resolved: list[Alert],
) -> None:
    days = options["days_to_expiry"]
    soon = options.loc[(days >= 0) & (days <= EXPIRATION_WINDOW_DAYS)]
    held = options.set_index("position_id")
    open_alerts = {
        str(alert.position_id): alert
        for alert in Alert.objects.select_for_update().filter(
            portfolio_id__in=ids, kind=AlertKind.EXPIRATION, resolved_at__isnull=True
        )
    }
    for rec in soon.to_dict("records"):
        if rec["position_id"] in open_alerts:
            continue
        n = int(rec["days_to_expiry"])
        when = "today" if n == 0 else f"in {n} day{'s' if n != 1 else ''}"
        raised.append(
            Alert(
                portfolio_id=rec["portfolio_id"],
                position_id=rec["position_id"],
                kind=AlertKind.EXPIRATION,
                priority=AlertPriority.HIGH if n <= EXPIRATION_HIGH_PRIORITY_DAYS else AlertPriority.MEDIUM,
                metric=AlertMetric.DAYS_TO_EXPIRY,
                operator="lte",
                value=float(n),
                threshold=float(EXPIRATION_WINDOW_DAYS),
                as_of_date=as_of,
                triggered_at=now,
                message=(
                    f"Option {rec['symbol']} expires {when} ({rec['expiration_date'].isoformat()}, "
                    f"as of {as_of.isoformat()})."
                ),
            )
        )
    soon_ids = set(soon["position_id"])
    for position_id, alert in open_alerts.items():
        if position_id in soon_ids:
            continue
        if position_id not in held.index:
            why, value = "Position closed.", None
        else:
            days = float(held.loc[position_id, "days_to_expiry"])
            value = days if math.isfinite(days) else None
            why = (
                "Option expired."
                if value is not None and value < 0
                else "No longer expires within the window."
            )
        _resolve(alert, as_of=as_of, now=now, value=value, why=why)
        resolved.append(alert)


def _record(
    ids: list[str],
    metrics: dict[str, PortfolioMetrics],
    raised: list[Alert],
    resolved: list[Alert],
    as_of: dt.date,
    run: BatchRun | None,
) -> None:
    raised_by = pd.Series([str(a.portfolio_id) for a in raised], dtype=object).value_counts()
    resolved_by = pd.Series([str(a.portfolio_id) for a in resolved], dtype=object).value_counts()
    rows = [
        AlertEvaluation(
            portfolio_id=pid,
            as_of_date=as_of,
            run=run,
            metrics=metrics[pid].as_json(),
            notes=dict(metrics[pid].notes),
            alerts_raised=int(raised_by.get(pid, 0)),
            alerts_resolved=int(resolved_by.get(pid, 0)),
        )
        for pid in ids
    ]
    AlertEvaluation.objects.bulk_create(
        rows,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=["portfolio", "as_of_date"],
        update_fields=["run", "metrics", "notes", "alerts_raised", "alerts_resolved", "evaluated_at"],
    )
