"""Reads for alerts: the metric values rules compare (from stored batch results), alert and rule lists.

:func:`alert_metrics` reads, for many portfolios and one ``as_of`` date, in a constant number of
queries (one per source), the values of :class:`~analytics.alerts.models.AlertMetric` (units:
:data:`~analytics.alerts.models.METRIC_UNITS`):

- ``var_1d_95``: ``RiskMetrics(view=portfolio).metrics["summary"]["var_1d_95"]`` of as_of;
- ``gross_exposure``, ``net_exposure``: PortfolioAggregate of as_of;
- ``delta_dollars``: options' stored PositionGreeks.delta_dollars + stocks' stored market value
  (delta 1 per share) over the positions valued on as_of;
- ``concentration``: max |market value| / sum |market value| over the positions valued on as_of;
- ``drawdown``: PortfolioSnapshot.drawdown of the last snapshot on or before as_of (at most
  :data:`MAX_SNAPSHOT_AGE_DAYS` old);
- ``days_to_expiry``: calendar days from as_of to the nearest expiration (on or after as_of) of a
  held option.

A metric whose result is missing is left out of ``values`` and explained in ``notes`` (never
estimated); a sum over partly priced positions is kept and the gap noted. Results of engines that
are not installed (RiskMetrics, PortfolioSnapshot) are read defensively: a missing model or field
is a note, never an error.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from django.apps import apps
from django.core.exceptions import FieldError
from django.db import DatabaseError
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from analytics.alerts.models import Alert, AlertMetric, AlertRule
from analytics.models import PortfolioAggregate, PositionGreeks, PositionValuation
from analytics.selectors.strategies import book_greeks_frame
from portfolios.holdings import held_on
from portfolios.models import OPTION_TYPES, Portfolio, Position
from sigmasight.api.numbers import number

__all__ = [
    "MAX_SNAPSHOT_AGE_DAYS",
    "PortfolioMetrics",
    "alert_list",
    "alert_metrics",
    "alert_rule_list",
    "held_options_frame",
]

logger = logging.getLogger(__name__)

#: A snapshot older than this many calendar days before as_of does not give a current drawdown.
MAX_SNAPSHOT_AGE_DAYS = 7

_OPTION_TYPES = [str(t) for t in OPTION_TYPES]
_OPTION_COLUMNS = ["position_id", "portfolio_id", "symbol", "expiration_date", "exit_date"]
_VALUATION_COLUMNS = [
    "position_id",
    "portfolio_id",
    "price",
    "market_value",
    "position_type",
    "quantity",
    "multiplier",
]
_GREEK_COLUMNS = [
    "position_id",
    "position_delta",
    "position_gamma",
    "position_theta",
    "position_vega",
    "position_rho",
    "delta_dollars",
    "gamma_dollars",
]


@dataclass
class PortfolioMetrics:
    """One portfolio's metric values (finite floats) and notes {metric: why missing or partial}."""

    metric_values: dict[str, float] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, float | None]:
        return {metric.value: self.metric_values.get(metric.value) for metric in AlertMetric}


def alert_metrics(
    *, portfolio_ids: Sequence[str], as_of: dt.date, options: pd.DataFrame | None = None
) -> dict[str, PortfolioMetrics]:
    """{portfolio id: PortfolioMetrics} for ``as_of`` (see the module docstring). Queries: 6 (5 when
    the caller passes ``options``, the :func:`held_options_frame` of the same portfolios and date)."""
    ids = [str(pid) for pid in portfolio_ids]
    out = {pid: PortfolioMetrics() for pid in ids}
    if not ids:
        return out
    _read_var(out, ids, as_of)
    aggregates = _read_exposures(out, ids, as_of)
    _read_positions(out, ids, as_of, aggregates)
    _read_drawdown(out, ids, as_of)
    if options is None:
        options = held_options_frame(portfolio_ids=ids, as_of=as_of)
    _days_to_expiry(out, options, as_of)
    return out


def held_options_frame(*, portfolio_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Option positions held on ``as_of`` (one query): position_id, portfolio_id, symbol,
    expiration_date, exit_date, days_to_expiry (calendar days from as_of; negative = expired)."""
    rows = (
        Position.objects.filter(portfolio_id__in=list(portfolio_ids), position_type__in=_OPTION_TYPES)
        .filter(held_on(as_of))
        .values_list("id", "portfolio_id", "symbol", "expiration_date", "exit_date")
    )
    frame = pd.DataFrame(list(rows), columns=_OPTION_COLUMNS)
    frame["position_id"] = frame["position_id"].astype(str)
    frame["portfolio_id"] = frame["portfolio_id"].astype(str)
    frame["days_to_expiry"] = [
        (expiry - as_of).days if expiry is not None else np.nan for expiry in frame["expiration_date"]
    ]
    frame["days_to_expiry"] = frame["days_to_expiry"].astype(float)
    return frame


def _optional_model(name: str) -> Any:
    try:
        return apps.get_model("analytics", name)
    except LookupError:
        return None


def _note_all(out: dict[str, PortfolioMetrics], metric: str, why: str) -> None:
    for metrics in out.values():
        metrics.notes[metric] = why


def _read_var(out: dict[str, PortfolioMetrics], ids: list[str], as_of: dt.date) -> None:
    metric = AlertMetric.VAR_1D_95.value
    model = _optional_model("RiskMetrics")
    if model is None:
        _note_all(out, metric, "The risk engine's results (RiskMetrics) are not installed.")
        return
    try:
        rows = dict(
            model.objects.filter(portfolio_id__in=ids, as_of_date=as_of, view="portfolio").values_list(
                "portfolio_id", "metrics__summary__var_1d_95"
            )
        )
    except (FieldError, DatabaseError) as exc:  # a layout this reader does not know: skip, noted
        logger.warning("Cannot read var_1d_95 from RiskMetrics: %s", exc)
        _note_all(out, metric, "The risk engine's results could not be read.")
        return
    rows = {str(pid): value for pid, value in rows.items()}
    for pid, metrics in out.items():
        if pid not in rows:
            metrics.notes[metric] = (
                f"No risk metrics for {as_of.isoformat()} (risk engine not run or failed)."
            )
            continue
        value = number(rows[pid])
        if value is None:
            metrics.notes[metric] = "The risk engine stored no finite 1-day 95% VaR (not enough history)."
        else:
            metrics.metric_values[metric] = value


def _read_exposures(out: dict[str, PortfolioMetrics], ids: list[str], as_of: dt.date) -> dict[str, int]:
    """Gross and net exposure; returns {portfolio id: position_count} of the aggregates found."""
    rows = PortfolioAggregate.objects.filter(portfolio_id__in=ids, as_of_date=as_of).values_list(
        "portfolio_id", "gross_exposure", "net_exposure", "position_count", "priced_count"
    )
    found: dict[str, int] = {}
    for portfolio_id, gross, net, count, priced in rows:
        pid = str(portfolio_id)
        found[pid] = count
        out[pid].metric_values[AlertMetric.GROSS_EXPOSURE.value] = float(gross)
        out[pid].metric_values[AlertMetric.NET_EXPOSURE.value] = float(net)
        if priced < count:
            note = (
                f"{count - priced} of {count} positions unpriced on {as_of.isoformat()}: left out of the sum."
            )
            out[pid].notes[AlertMetric.GROSS_EXPOSURE.value] = note
            out[pid].notes[AlertMetric.NET_EXPOSURE.value] = note
    for pid, metrics in out.items():
        if pid not in found:
            why = f"No portfolio aggregate for {as_of.isoformat()} (aggregation engine not run or failed)."
            metrics.notes[AlertMetric.GROSS_EXPOSURE.value] = why
            metrics.notes[AlertMetric.NET_EXPOSURE.value] = why
    return found


def _read_positions(
    out: dict[str, PortfolioMetrics], ids: list[str], as_of: dt.date, aggregates: dict[str, int]
) -> None:
    """delta_dollars and concentration from the valuations (and option Greeks) of as_of."""
    rows = PositionValuation.objects.filter(portfolio_id__in=ids, as_of_date=as_of, is_held=True).values_list(
        "position_id",
        "portfolio_id",
        "price",
        "market_value",
        "position__position_type",
        "position__quantity",
        "position__multiplier",
    )
    valued = pd.DataFrame(list(rows), columns=_VALUATION_COLUMNS)
    greek_rows = PositionGreeks.objects.filter(portfolio_id__in=ids, as_of_date=as_of).values_list(
        *_GREEK_COLUMNS
    )
    greeks = pd.DataFrame(list(greek_rows), columns=_GREEK_COLUMNS)
    greeks["position_id"] = greeks["position_id"].astype(str)
    greeks = greeks.set_index("position_id").apply(pd.to_numeric, errors="coerce").astype(float)

    for column in ("position_id", "portfolio_id"):
        valued[column] = valued[column].astype(str)
    for column in ("price", "market_value", "quantity", "multiplier"):
        valued[column] = pd.to_numeric(valued[column], errors="coerce").astype(float)
    valued["is_option"] = valued["position_type"].isin(_OPTION_TYPES)
    valued["delta_dollars"] = book_greeks_frame(positions=valued, greeks=greeks)["delta_dollars"].to_numpy()

    delta_metric, conc_metric = AlertMetric.DELTA_DOLLARS.value, AlertMetric.CONCENTRATION.value
    groups = dict(tuple(valued.groupby("portfolio_id"))) if not valued.empty else {}
    for pid, metrics in out.items():
        part = groups.get(pid)
        if part is None:
            if aggregates.get(pid) == 0:  # an empty book: no exposure at all
                metrics.metric_values[delta_metric] = 0.0
                metrics.notes[conc_metric] = "The portfolio held no position on this date."
            else:
                why = f"No position valuations for {as_of.isoformat()} (valuation engine not run or failed)."
                metrics.notes[delta_metric] = why
                metrics.notes[conc_metric] = why
            continue
        n = len(part)
        dd = part["delta_dollars"].to_numpy(dtype=float)
        known = np.isfinite(dd)
        if known.any():
            metrics.metric_values[delta_metric] = float(dd[known].sum())
            if not known.all():
                metrics.notes[delta_metric] = (
                    f"{int((~known).sum())} of {n} positions without stored Greeks or price: left out of the sum."
                )
        else:
            metrics.notes[delta_metric] = f"No stored Greeks or prices for {as_of.isoformat()}."
        mv = np.abs(part["market_value"].to_numpy(dtype=float))
        priced = np.isfinite(mv)
        gross = float(mv[priced].sum())
        if gross > 0:
            metrics.metric_values[conc_metric] = float(mv[priced].max() / gross)
            if not priced.all():
                metrics.notes[conc_metric] = (
                    f"{int((~priced).sum())} of {n} positions unpriced: left out of the largest and the gross."
                )
        else:
            metrics.notes[conc_metric] = "Gross exposure is zero or unknown: concentration is undefined."


def _read_drawdown(out: dict[str, PortfolioMetrics], ids: list[str], as_of: dt.date) -> None:
    metric = AlertMetric.DRAWDOWN.value
    model = _optional_model("PortfolioSnapshot")
    if model is None:
        _note_all(out, metric, "Portfolio snapshots (performance engine) are not installed.")
        return
    start = as_of - dt.timedelta(days=MAX_SNAPSHOT_AGE_DAYS)
    try:
        rows = list(
            model.objects.filter(portfolio_id__in=ids, date__gte=start, date__lte=as_of)
            .order_by("portfolio_id", "-date")
            .values_list("portfolio_id", "date", "drawdown")
        )
    except (FieldError, DatabaseError) as exc:
        logger.warning("Cannot read drawdowns from PortfolioSnapshot: %s", exc)
        _note_all(out, metric, "Portfolio snapshots could not be read.")
        return
    latest: dict[str, tuple[dt.date, Any]] = {}
    for pid, date, drawdown in rows:  # newest first per portfolio
        latest.setdefault(str(pid), (date, drawdown))
    for pid, metrics in out.items():
        if pid not in latest:
            metrics.notes[metric] = (
                f"No portfolio snapshot between {start.isoformat()} and {as_of.isoformat()} (snapshot engine not run)."
            )
            continue
        date, drawdown = latest[pid]
        value = number(drawdown)
        if value is None:
            metrics.notes[metric] = f"The snapshot of {date.isoformat()} has no drawdown."
            continue
        metrics.metric_values[metric] = value
        if date != as_of:
            metrics.notes[metric] = f"From the last snapshot, of {date.isoformat()}."


def _days_to_expiry(out: dict[str, PortfolioMetrics], options: pd.DataFrame, as_of: dt.date) -> None:
    metric = AlertMetric.DAYS_TO_EXPIRY.value
    live = options.loc[options["days_to_expiry"] >= 0]
    nearest = (
        live.groupby("portfolio_id")["days_to_expiry"].min() if not live.empty else pd.Series(dtype=float)
    )
    for pid, metrics in out.items():
        if pid in nearest.index:
            metrics.metric_values[metric] = float(nearest[pid])
        else:
            metrics.notes[metric] = f"No held option expiring on or after {as_of.isoformat()}."


# Lists ---------------------------------------------------------------------------------------------


def alert_list(
    *,
    user: Any,
    portfolio: Portfolio | None = None,
    priority: str | None = None,
    status: str | None = None,
    kind: str | None = None,
) -> QuerySet[Alert]:
    """The user's alerts: unresolved first, then the most recently triggered (rule and position joined)."""
    alerts = Alert.objects.filter(portfolio__owner=user).select_related("rule", "position")
    if portfolio is not None:
        alerts = alerts.filter(portfolio=portfolio)
    if priority:
        alerts = alerts.filter(priority=priority)
    if kind:
        alerts = alerts.filter(kind=kind)
    if status == "open":
        alerts = alerts.filter(resolved_at__isnull=True)
    elif status == "resolved":
        alerts = alerts.filter(resolved_at__isnull=False)
    resolved_last = Case(
        When(resolved_at__isnull=True, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return alerts.order_by(resolved_last, "-triggered_at", "id")


def alert_rule_list(*, user: Any, portfolio: Portfolio | None = None) -> QuerySet[AlertRule]:
    """The user's alert rules, newest first, with ``open_alert_count``."""
    rules = AlertRule.objects.filter(owner=user).annotate(
        open_alert_count=Count("alerts", filter=Q(alerts__resolved_at__isnull=True))
    )
    if portfolio is not None:
        rules = rules.filter(portfolio=portfolio)
    return rules.order_by("-created_at", "id")
