"""Engine 3: portfolio aggregation (DESIGN.md "Conventions of the numbers", "Valuation").

Reads the stored PositionValuation rows of ``as_of`` (engine 2) and the portfolios' cash, and stores
one PortfolioAggregate per portfolio (USD, signed):

- long = sum of positive market values, short = sum of negative ones (<= 0), gross = sum |MV|,
  net = sum MV, NAV = net + cash; the same four for delta-adjusted exposure (stocks MV; options
  delta x S x multiplier x quantity); cost basis, unrealized and daily P&L sums.
- Positions without a price are skipped by the sums and counted (``position_count`` -
  ``priced_count``); a P&L sum over no priced position is 0 with ``priced_count`` 0 (readers show
  the count so such a 0 is never mistaken for a real figure). ``daily_pnl`` is null when no
  position has one.
- ``breakdowns`` (JSON): ``{"tag": {name: group}, "type": {position_type: group},
  "underlying": {risk symbol: group}, "sector": {sector: group}, "totals": {...}}`` where a group is
  the engine's sums (long, short, gross, net, delta_long, delta_short, delta_gross, delta_net,
  cost_basis, unrealized_pnl, daily_pnl, position_count, long_count, short_count, mv_missing,
  delta_missing) plus ``<exposure>_pct`` (value / NAV x 100, null when NAV <= 0). A position with
  several tags counts once in each; untagged positions are in no tag group; tag groups carry
  their ``tag_type``. The underlying of a stock is itself, of an option its underlying symbol; the
  sector is ``Security.sector`` of that symbol (``"Unknown"`` when the security master has none).
  ``totals``: pnl_percent (= unrealized / sum |cost basis| x 100, both over the priced positions),
  abs_cost_basis (that gross cost base), long_count,
  short_count (by the sign of delta-adjusted exposure), mv_missing, delta_missing.

A portfolio with held positions that have no valuation row for the date is a failure (run the
valuation engine first): it gets no new aggregate and keeps its stored ones (the last good result,
which the readers then mark ``stale``). "Held" counts the positions of the run's snapshot
(:func:`portfolios.holdings.in_snapshot`): a position added after valuation does not fail the run.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import transaction
from django.db.models import Count

from analytics.batch.result import EngineResult
from analytics.engines.valuation import exposures_by_group, portfolio_exposures
from analytics.models import PortfolioAggregate, PositionValuation
from marketdata.models import Security
from portfolios.holdings import held_on, in_snapshot, portfolio_cash, position_tags
from portfolios.models import OPTION_TYPES, Position

#: Sector label of a symbol the security master has no sector for.
UNKNOWN_SECTOR = "Unknown"

AGGREGATE_FIELDS = [
    "nav",
    "cash",
    "long_value",
    "short_value",
    "gross_exposure",
    "net_exposure",
    "delta_long",
    "delta_short",
    "delta_gross",
    "delta_net",
    "cost_basis",
    "unrealized_pnl",
    "daily_pnl",
    "position_count",
    "priced_count",
    "breakdowns",
]

_VALUATION_COLUMNS = [
    "position_id",
    "portfolio_id",
    "market_value",
    "cost_basis",
    "unrealized_pnl",
    "daily_pnl",
    "delta_adjusted_exposure",
    "position__position_type",
    "position__symbol",
    "position__underlying_symbol",
]


def valuation_rows_frame(*, portfolio_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Stored valuations of the date with position type, risk symbol, sector (2 queries).

    Columns: position_id, portfolio_id (str), market_value, cost_basis, unrealized_pnl, daily_pnl,
    delta_adjusted_exposure (float, NaN = unknown), position_type, underlying (risk symbol), sector.
    """
    rows = list(
        PositionValuation.objects.filter(portfolio_id__in=list(portfolio_ids), as_of_date=as_of).values_list(
            *_VALUATION_COLUMNS
        )
    )
    frame = pd.DataFrame(rows, columns=_VALUATION_COLUMNS).rename(
        columns={"position__position_type": "position_type"}
    )
    for col in ("market_value", "cost_basis", "unrealized_pnl", "daily_pnl", "delta_adjusted_exposure"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
    frame["position_id"] = frame["position_id"].astype(str)
    frame["portfolio_id"] = frame["portfolio_id"].astype(str)
    option = frame["position_type"].isin([str(t) for t in OPTION_TYPES])
    frame["underlying"] = frame["position__underlying_symbol"].where(option, frame["position__symbol"])
    frame = frame.drop(columns=["position__symbol", "position__underlying_symbol"])
    sectors = dict(
        Security.objects.filter(symbol__in=sorted(set(frame["underlying"]))).values_list("symbol", "sector")
    )
    frame["sector"] = [sectors.get(s) or UNKNOWN_SECTOR for s in frame["underlying"]]
    return frame


def _clean(value: Any) -> Any:
    """JSON-safe scalars: numpy -> Python, NaN/inf -> None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _groups_json(groups: pd.DataFrame) -> dict[str, dict[str, dict[str, Any]]]:
    """(portfolio_id, key)-indexed group sums -> {portfolio_id: {key: {column: value}}}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for (pid, key), rec in zip(groups.index, groups.to_dict("records"), strict=True):
        out.setdefault(str(pid), {})[str(key)] = {k: _clean(v) for k, v in rec.items()}
    return out


def portfolio_aggregates_compute(
    *, valuations: pd.DataFrame, tags: pd.DataFrame, cash: dict[str, float]
) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    """Aggregates many portfolios at once with the valuation engine.

    Returns (one row per portfolio id of ``cash`` with the engine's columns, breakdowns JSON per id).
    """
    cash_series = pd.Series(cash, dtype=float)
    cash_series.index.name = "portfolio_id"
    totals = portfolio_exposures(valuations, cash_series)
    nav = totals["nav"]
    by_type = exposures_by_group(valuations, "position_type", nav=nav, portfolio_col="portfolio_id")
    by_underlying = exposures_by_group(valuations, "underlying", nav=nav, portfolio_col="portfolio_id")
    by_sector = exposures_by_group(valuations, "sector", nav=nav, portfolio_col="portfolio_id")
    tagged = valuations.merge(tags, on="position_id", how="inner")
    by_tag = exposures_by_group(tagged, "tag", nav=nav, portfolio_col="portfolio_id")
    tag_types = {
        (pid, name): kind
        for pid, name, kind in zip(tagged["portfolio_id"], tagged["tag"], tagged["tag_type"], strict=True)
    }

    parts = {
        "tag": _groups_json(by_tag),
        "type": _groups_json(by_type),
        "underlying": _groups_json(by_underlying),
        "sector": _groups_json(by_sector),
    }
    breakdowns: dict[str, dict[str, Any]] = {}
    for pid, row in totals.iterrows():
        pid = str(pid)
        tag_groups = parts["tag"].get(pid, {})
        for name, group in tag_groups.items():
            group["tag_type"] = tag_types.get((pid, name), "regular")
        breakdowns[pid] = {
            "tag": tag_groups,
            "type": parts["type"].get(pid, {}),
            "underlying": parts["underlying"].get(pid, {}),
            "sector": parts["sector"].get(pid, {}),
            "totals": {
                "pnl_percent": _clean(row["pnl_percent"]),
                "abs_cost_basis": _clean(float(row["abs_cost_basis"])),
                "long_count": int(row["long_count"]),
                "short_count": int(row["short_count"]),
                "mv_missing": int(row["mv_missing"]),
                "delta_missing": int(row["delta_missing"]),
            },
        }
    return totals, breakdowns


def _zero_if_nan(value: float) -> float:
    return float(value) if math.isfinite(float(value)) else 0.0


@transaction.atomic
def portfolio_aggregates_upsert(
    *, totals: pd.DataFrame, breakdowns: dict[str, dict[str, Any]], as_of: dt.date
) -> int:
    """Upserts one PortfolioAggregate per row of ``totals``. Portfolios that failed are not in
    ``totals`` and keep their stored rows (a failure never deletes a result)."""
    rows = []
    for pid, row in totals.iterrows():
        position_count = int(row["position_count"])
        rows.append(
            PortfolioAggregate(
                portfolio_id=str(pid),
                as_of_date=as_of,
                nav=float(row["nav"]),
                cash=float(row["cash"]),
                long_value=float(row["long"]),
                short_value=float(row["short"]),
                gross_exposure=float(row["gross"]),
                net_exposure=float(row["net"]),
                delta_long=float(row["delta_long"]),
                delta_short=float(row["delta_short"]),
                delta_gross=float(row["delta_gross"]),
                delta_net=float(row["delta_net"]),
                cost_basis=_zero_if_nan(row["cost_basis"]),
                unrealized_pnl=_zero_if_nan(row["unrealized_pnl"]),
                daily_pnl=_clean(float(row["daily_pnl"])),
                position_count=position_count,
                priced_count=position_count - int(row["mv_missing"]),
                breakdowns=breakdowns[str(pid)],
            )
        )
    if rows:
        # calculated_at is auto_now: bulk_create sets it on insert and update_fields refreshes it.
        PortfolioAggregate.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["portfolio", "as_of_date"],
            update_fields=[*AGGREGATE_FIELDS, "calculated_at"],
        )
    return len(rows)


def _held_counts(*, portfolio_ids: Sequence[str], as_of: dt.date) -> dict[str, int]:
    """Number of positions of the run's snapshot held on as_of per portfolio (one query)."""
    rows = (
        in_snapshot(Position.objects.filter(portfolio_id__in=list(portfolio_ids)))
        .filter(held_on(as_of))
        .values("portfolio_id")
        .annotate(n=Count("id"))
        .values_list("portfolio_id", "n")
    )
    return {str(pid): n for pid, n in rows}


def aggregation_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Batch engine 3 for a chunk of portfolios (vectorized across the chunk).

    Counts: portfolios (aggregates written), positions (valuations aggregated), unpriced.
    Failures: portfolios whose held positions lack a valuation row for the date.
    """
    ids = [str(p) for p in portfolio_ids]
    valuations = valuation_rows_frame(portfolio_ids=ids, as_of=as_of)
    held = _held_counts(portfolio_ids=ids, as_of=as_of)
    valued = valuations.groupby("portfolio_id").size().to_dict() if not valuations.empty else {}
    failures = {
        pid: (
            f"valuation missing for {held[pid] - valued.get(pid, 0)} of {held[pid]} held positions on "
            f"{as_of.isoformat()}: run the valuation engine first"
        )
        for pid in ids
        if held.get(pid, 0) > valued.get(pid, 0)
    }
    cash = {pid: c for pid, c in portfolio_cash(portfolio_ids=ids).items() if pid not in failures}
    valuations = valuations[valuations["portfolio_id"].isin(list(cash))]
    tags = position_tags(position_ids=list(valuations["position_id"]))
    totals, breakdowns = portfolio_aggregates_compute(valuations=valuations, tags=tags, cash=cash)
    written = portfolio_aggregates_upsert(totals=totals, breakdowns=breakdowns, as_of=as_of)
    unpriced = int(np.isnan(valuations["market_value"].to_numpy(dtype=np.float64)).sum())
    return EngineResult(
        counts={"portfolios": written, "positions": len(valuations), "unpriced": unpriced},
        failures=failures,
        notes={"unpriced_positions": unpriced} if unpriced else {},
    )
