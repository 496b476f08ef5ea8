"""Engine 8: daily NAV snapshots backfilled since inception, and the performance summary.

For each portfolio of the chunk (DESIGN.md "Performance"):

- Lots: every position entered on or before ``as_of``, closed ones included (an exit after
  ``as_of`` has not happened yet as of ``as_of``). A lot is held on d when entry_date <= d <
  exit_date.
- Trading days: the dates with a stored close for SPY (the reference calendar) or for any symbol
  of the chunk, from the portfolio's earliest entry date to ``as_of``; a snapshot for every one
  (with exchange data these are the sessions; a bar dated off-session would only add a day
  valued at carried-forward closes).
- Prices: the stored ``close`` per share (options: the OCC contract's own bars), x quantity x
  multiplier. A missing close is carried forward from the last known one; a lot held before its
  symbol's first bar is valued at its entry price (both counted in the step's notes).
- Cash: the portfolio's current ``cash_balance`` on every day (the app keeps no cash ledger, so
  cash neither earns nor flows; NAV = market value + that cash).
- Flows F_t: cost of lots opened on day t (quantity x entry price x multiplier) minus proceeds of
  lots closed that day (quantity x exit price x multiplier), at the start of the day (an entry or
  exit between sessions is booked on the next session). r_t = (NAV_t - NAV_t-1 - F_t) /
  (NAV_t-1 + F_t), null on the first day and when the denominator is <= 0. Math:
  :mod:`analytics.engines.performance`.
- Summary: the statistics of the whole history vs SPY (risk-free DGS3MO / 252 per day), stored in
  :class:`PerformanceSummary` for ``as_of``.

Speed (1,000 portfolios x 30 lots x 2 years in ~30 s on 2 cores): one price query per chunk, the
per-lot values of the whole chunk in one matrix pass summed per portfolio, and on PostgreSQL a
binary COPY into a temporary table followed by one INSERT ... ON CONFLICT DO UPDATE that only
rewrites changed rows and one DELETE of stale rows (other databases: compare with the stored rows,
then bulk upserts in batches). Stored rows of these portfolios dated on or before ``as_of`` that
are no longer days of their history are deleted; a rerun of the same date writes nothing and
leaves row counts unchanged. Queries per chunk: positions, cash, closes, benchmark bars, rates,
then the writes.
"""

from __future__ import annotations

import datetime as dt
import struct
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import connection, transaction

from analytics.batch.result import EngineResult
from analytics.engines.performance import (
    cumulative_returns,
    daily_returns,
    drawdown_series,
    lot_values,
    performance_metrics,
    period_returns,
)
from analytics.models import PerformanceSummary, PortfolioSnapshot
from analytics.models.performance import SUMMARY_STATISTICS_VERSION
from analytics.selectors.performance import (
    DEFAULT_BENCHMARK,
    PRICE_LOOKBACK_DAYS,
    RATE_LOOKBACK_DAYS,
    RETURN_KEYS,
    TRADING_DAYS,
    benchmark_daily_returns,
    closes_frame,
    daily_risk_free,
    lot_price_frame,
    lots_by_id,
)
from portfolios.holdings import portfolio_cash, positions_frame
from sigmasight.api.numbers import number
from sigmasight.copy_upsert import copy_upsert, copy_upsert_available

#: Stored columns of a snapshot besides its key (portfolio, date).
SNAPSHOT_FIELDS = [
    "nav",
    "market_value",
    "cash",
    "long_value",
    "short_value",
    "gross_exposure",
    "net_exposure",
    "flow",
    "daily_return",
    "cumulative_return",
    "drawdown",
    "position_count",
]
SUMMARY_FIELDS = [
    "benchmark",
    "first_date",
    "observations",
    "nav",
    "total_return",
    "annualized_return",
    "annualized_volatility",
    "sharpe_ratio",
    "sortino_ratio",
    "max_drawdown",
    "max_drawdown_start",
    "max_drawdown_end",
    "max_drawdown_recovery",
    "calmar_ratio",
    "beta",
    "alpha",
    "returns",
    "benchmark_returns",
    "risk_free_rate",
    "statistics_version",
    "calculated_at",
]
#: Rows per INSERT ... ON CONFLICT statement.
UPSERT_BATCH = 5000


@dataclass
class ChunkHistories:
    """The computed histories of a chunk: one snapshot frame per portfolio id (DatetimeIndex,
    SNAPSHOT_FIELDS) and how many lots needed a carried-forward close or the entry-price stand-in."""

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    lots_carried_forward: int = 0
    lots_priced_at_entry: int = 0
    unpriced_symbols: list[str] = field(default_factory=list)


def chunk_histories(*, lots: pd.DataFrame, closes: pd.DataFrame, cash: dict[str, float]) -> ChunkHistories:
    """The daily snapshots of every portfolio of ``lots`` in one vectorized pass.

    ``lots``: rows of ``positions_frame`` (entered on or before the last date of ``closes``);
    ``closes``: dates x symbols (close per share), its dates the trading calendar (each date has a
    bar for at least one symbol read: SPY and the chunk's symbols). Each portfolio's rows start at
    its earliest entry date. The per-lot values and flows come from
    :func:`analytics.engines.performance.lot_values` (the matrices ``nav_and_flows`` sums), summed
    per portfolio; returns, cumulative returns and drawdowns from the engine's series functions.
    """
    lots = lots.sort_values("portfolio_id", kind="stable").reset_index(drop=True)
    out = ChunkHistories()
    if lots.empty or closes.empty:
        return out
    prices = lot_price_frame(lots, closes)
    values = lot_values(lots_by_id(lots), prices, ffill_prices=False)
    dates = values.dates
    # carried-forward closes and entry-price stand-ins on held days, counted for the notes
    by_lot = closes.reindex(columns=list(lots["symbol"])).sort_index()
    raw = by_lot.reindex(dates).to_numpy(dtype=np.float64)
    known = ~np.isnan(by_lot.ffill().reindex(dates).to_numpy(dtype=np.float64))
    gap = values.held & np.isnan(raw)
    out.lots_priced_at_entry = int((gap & ~known).any(axis=0).sum())
    out.lots_carried_forward = int((gap & known).any(axis=0).sum())
    out.unpriced_symbols = sorted(set(lots["symbol"]) - set(closes.columns[closes.notna().any().to_numpy()]))

    pids = lots["portfolio_id"].to_numpy()
    starts = np.flatnonzero(np.r_[True, pids[1:] != pids[:-1]])
    is_long = (lots["quantity"].to_numpy(dtype=np.float64) > 0)[None, :]
    market_value = np.add.reduceat(values.value, starts, axis=1)
    long_value = np.add.reduceat(np.where(is_long, values.value, 0.0), starts, axis=1)
    flow = np.add.reduceat(values.flow, starts, axis=1)
    count = np.add.reduceat(values.held.astype(np.int64), starts, axis=1)
    first_entry = pd.to_datetime(lots["entry_date"]).groupby(pids).min()
    for j, start in enumerate(starts):
        pid = str(pids[start])
        rows = dates >= first_entry[pid]
        if not rows.any():
            continue
        index = dates[rows]
        mv = market_value[rows, j]
        nav = pd.Series(mv + cash.get(pid, 0.0), index=index)
        f = pd.Series(flow[rows, j], index=index)
        r = daily_returns(nav, f)
        lv = long_value[rows, j]
        out.frames[pid] = pd.DataFrame(
            {
                "nav": nav.to_numpy(),
                "market_value": mv,
                "cash": cash.get(pid, 0.0),
                "long_value": lv,
                "short_value": mv - lv,
                "gross_exposure": lv - (mv - lv),
                "net_exposure": mv,
                "flow": f.to_numpy(),
                "daily_return": r.to_numpy(),
                "cumulative_return": cumulative_returns(r).to_numpy(),
                "drawdown": drawdown_series(r).to_numpy(),
                "position_count": count[rows, j],
            },
            index=index,
        )[SNAPSHOT_FIELDS]
    return out


def _summary(
    *,
    portfolio_id: str,
    as_of: dt.date,
    frame: pd.DataFrame,
    risk_free: pd.Series | float,
    benchmark: pd.Series,
    benchmark_periods: dict[str, float],
    rates: pd.Series,
) -> PerformanceSummary:
    """The performance statistics of a portfolio's whole history (engine math only);
    ``benchmark_periods``: the benchmark's period returns over the same history; ``rates``: the
    daily risk-free rates as stored (``daily_risk_free``), whose last one on or before the last
    snapshot (within the selector's lookback) is the summary's annual ``risk_free_rate``."""
    r = frame["daily_return"]
    m = performance_metrics(r, risk_free=risk_free, benchmark=benchmark)
    first = frame.index[0]
    own = period_returns(r, frame.index[-1])
    bench = benchmark_periods
    dd = m.drawdown
    return PerformanceSummary(
        portfolio_id=portfolio_id,
        as_of_date=as_of,
        benchmark=DEFAULT_BENCHMARK,
        first_date=first.date(),
        observations=m.observations,
        nav=float(frame["nav"].iloc[-1]),
        total_return=number(m.total_return),
        annualized_return=number(m.annualized_return),
        annualized_volatility=number(m.annualized_volatility),
        sharpe_ratio=number(m.sharpe),
        sortino_ratio=number(m.sortino),
        max_drawdown=number(m.drawdown.max_drawdown),
        max_drawdown_start=dd.peak_date.date() if dd.peak_date is not None else None,
        max_drawdown_end=dd.trough_date.date() if dd.trough_date is not None else None,
        max_drawdown_recovery=dd.recovery_date.date() if dd.recovery_date is not None else None,
        calmar_ratio=number(m.calmar),
        beta=number(m.beta),
        alpha=number(m.alpha),
        returns={k: number(own[k]) for k in RETURN_KEYS},
        benchmark_returns={k: number(bench[k]) for k in RETURN_KEYS},
        risk_free_rate=_annual_rate(rates, first=first, last=frame.index[-1]),
        statistics_version=SUMMARY_STATISTICS_VERSION,
    )


def _annual_rate(rates: pd.Series, *, first: pd.Timestamp, last: pd.Timestamp) -> float | None:
    """The annual rate the performance selector reports for a history [first, last]: the last
    daily rate on or after ``first - RATE_LOOKBACK_DAYS`` and on or before ``last``, x 252."""
    window = rates.loc[(rates.index >= first - pd.Timedelta(days=RATE_LOOKBACK_DAYS)) & (rates.index <= last)]
    return number(window.iloc[-1] * TRADING_DAYS) if len(window) else None


def _stored(portfolio_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Stored snapshots of the portfolios dated on or before as_of (id, key and values)."""
    cols = ["id", "portfolio_id", "date", *SNAPSHOT_FIELDS]
    rows = list(
        PortfolioSnapshot.objects.filter(portfolio_id__in=list(portfolio_ids), date__lte=as_of).values_list(
            *cols
        )
    )
    frame = pd.DataFrame(rows, columns=cols)
    frame["portfolio_id"] = frame["portfolio_id"].astype(str)
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _changed(new: pd.DataFrame, old: pd.DataFrame) -> tuple[pd.DataFrame, list[int]]:
    """Rows of ``new`` absent from ``old`` or differing in a value (NaN equal to NaN), and the ids
    of ``old`` rows whose key is not in ``new``."""
    merged = new.merge(old, on=["portfolio_id", "date"], how="outer", suffixes=("", "_old"), indicator=True)
    stale = merged.loc[merged["_merge"] == "right_only", "id"].astype(int).tolist()
    both = merged[merged["_merge"] != "right_only"]
    differs = (both["_merge"] == "left_only").to_numpy().copy()
    for col in SNAPSHOT_FIELDS:
        a = both[col].to_numpy(dtype=np.float64)
        b = both[f"{col}_old"].to_numpy(dtype=np.float64)
        differs |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    return both.loc[differs, ["portfolio_id", "date", *SNAPSHOT_FIELDS]], stale


def _upsert_portable(rows: pd.DataFrame, portfolio_ids: list[str], as_of: dt.date) -> tuple[int, int]:
    """Any database: compares with the stored rows, deletes stale ones, bulk-upserts the changed
    ones in batches. Returns (rows written, rows deleted)."""
    changed, stale = _changed(rows, _stored(portfolio_ids, as_of))
    deleted = PortfolioSnapshot.objects.filter(id__in=stale).delete()[0] if stale else 0
    objs = [
        PortfolioSnapshot(
            portfolio_id=v["portfolio_id"],
            date=v["date"].date(),
            **{f: float(v[f]) for f in SNAPSHOT_FIELDS if f not in ("daily_return", "position_count")},
            daily_return=number(v["daily_return"]),
            position_count=int(v["position_count"]),
        )
        for v in changed.to_dict("records")
    ]
    for i in range(0, len(objs), UPSERT_BATCH):
        PortfolioSnapshot.objects.bulk_create(
            objs[i : i + UPSERT_BATCH],
            update_conflicts=True,
            unique_fields=["portfolio", "date"],
            update_fields=[*SNAPSHOT_FIELDS, "calculated_at"],
        )
    return len(objs), deleted


#: The float columns of a snapshot (all of SNAPSHOT_FIELDS but position_count, which is last).
FLOAT_FIELDS = SNAPSHOT_FIELDS[:-1]
_PG_EPOCH = np.datetime64("2000-01-01", "D")


def _pg_binary_copy(rows: pd.DataFrame) -> bytes:
    """The rows in PostgreSQL's binary COPY format (portfolio_id uuid, date, the float columns as
    float8 with NaN kept as NaN, position_count int4): fixed-width tuples built as one numpy
    record array, so 25,000 rows encode in milliseconds (no per-value Python formatting)."""
    layout: list[tuple[str, str]] = [
        ("fields", ">i2"),
        ("len_id", ">i4"),
        ("id", "S16"),
        ("len_date", ">i4"),
        ("date", ">i4"),
    ]
    for name in FLOAT_FIELDS:
        layout += [(f"len_{name}", ">i4"), (name, ">f8")]
    layout += [("len_count", ">i4"), ("position_count", ">i4")]
    rec = np.empty(len(rows), dtype=layout)
    rec["fields"] = 3 + len(FLOAT_FIELDS)
    uuids = {pid: uuid.UUID(pid).bytes for pid in set(rows["portfolio_id"])}
    rec["len_id"], rec["id"] = 16, [uuids[pid] for pid in rows["portfolio_id"]]
    days = pd.to_datetime(rows["date"]).to_numpy().astype("datetime64[D]") - _PG_EPOCH
    rec["len_date"], rec["date"] = 4, days.astype(np.int64)
    for name in FLOAT_FIELDS:
        rec[f"len_{name}"], rec[name] = 8, rows[name].to_numpy(dtype=np.float64)
    rec["len_count"], rec["position_count"] = 4, rows["position_count"].to_numpy(dtype=np.int64)
    return b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0) + rec.tobytes() + struct.pack(">h", -1)


def _upsert_postgres(rows: pd.DataFrame, portfolio_ids: list[str], as_of: dt.date) -> tuple[int, int]:
    """PostgreSQL: binary COPY of the rows and one INSERT ... ON CONFLICT that only touches rows
    whose values changed (:func:`sigmasight.copy_upsert.copy_upsert`), then one DELETE of the
    stale rows against the same temporary table (no rows read into Python).
    Returns (rows written, rows deleted)."""
    table = PortfolioSnapshot._meta.db_table
    columns = {
        "portfolio_id": "uuid",
        "date": "date",
        **dict.fromkeys(FLOAT_FIELDS, "double precision"),
        "position_count": "integer",
    }
    written = copy_upsert(
        table=table,
        temp="snapshot_upsert",
        columns=columns,
        conflict=["portfolio_id", "date"],
        payload=_pg_binary_copy(rows),
        select={"daily_return": "NULLIF(daily_return, 'NaN'::float8)"},
        touch=["calculated_at"],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} s WHERE s.portfolio_id = ANY(%s::uuid[]) AND s.date <= %s "  # noqa: S608
            "AND NOT EXISTS (SELECT 1 FROM snapshot_upsert u WHERE u.portfolio_id = s.portfolio_id "
            "AND u.date = s.date)",
            [portfolio_ids, as_of],
        )
        deleted = cursor.rowcount
    return written, deleted


def _use_copy() -> bool:
    """The COPY path needs PostgreSQL (psycopg 3); other databases take the portable path."""
    return copy_upsert_available()


@transaction.atomic
def snapshots_save(
    *,
    rows: pd.DataFrame,
    summaries: list[PerformanceSummary],
    as_of: dt.date,
    computed: list[str],
    emptied: list[str],
) -> tuple[int, int]:
    """Upserts the snapshots of the ``computed`` portfolios (deleting their stale rows on or before
    ``as_of``), deletes those of the ``emptied`` ones on or before ``as_of`` with their summary,
    and upserts the summaries. Returns (snapshot rows written, snapshot rows deleted)."""
    written = deleted = 0
    if computed:
        upsert = _upsert_postgres if _use_copy() else _upsert_portable
        written, deleted = upsert(rows, computed, as_of)
    if emptied:
        deleted += PortfolioSnapshot.objects.filter(portfolio_id__in=emptied, date__lte=as_of).delete()[0]
        PerformanceSummary.objects.filter(portfolio_id__in=emptied, as_of_date=as_of).delete()
    if summaries:
        PerformanceSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["portfolio", "as_of_date"],
            update_fields=SUMMARY_FIELDS,
        )
    return written, deleted


def snapshots_step(*, as_of: dt.date, portfolio_ids: list[str]) -> EngineResult:
    """Backfills the daily snapshots of the portfolios up to ``as_of`` and stores their
    performance summary for ``as_of`` (see the module doc). Portfolios without a lot entered on or
    before ``as_of`` get no snapshot (theirs on or before ``as_of`` are deleted); a portfolio with no
    trading day in its history is a failure."""
    ids = [str(p) for p in portfolio_ids]
    result = EngineResult(counts={"portfolios": len(ids)})
    lots = positions_frame(portfolio_ids=ids, include_closed=True)
    lots = lots[(pd.to_datetime(lots["entry_date"]) <= pd.Timestamp(as_of)).to_numpy()]
    late = (pd.to_datetime(lots["exit_date"]) > pd.Timestamp(as_of)).to_numpy()
    lots = lots.assign(
        exit_date=lots["exit_date"].where(~late, None), exit_price=lots["exit_price"].where(~late, np.nan)
    )
    cash = portfolio_cash(portfolio_ids=ids)
    emptied = sorted(set(ids) - set(lots["portfolio_id"]))
    histories = ChunkHistories()
    summaries: list[PerformanceSummary] = []
    if len(lots):
        earliest = min(lots["entry_date"])
        closes = closes_frame(
            symbols=sorted(set(lots["symbol"]) | {DEFAULT_BENCHMARK}),
            start=earliest - dt.timedelta(days=PRICE_LOOKBACK_DAYS),
            end=as_of,
        )
        histories = chunk_histories(lots=lots, closes=closes, cash=cash)
        bench = benchmark_daily_returns(symbol=DEFAULT_BENCHMARK, start=earliest, end=as_of)
        rf = daily_risk_free(start=earliest, end=as_of)
        # rates carried forward onto the calendar once (0 before the first stored rate)
        risk_free: pd.Series | float = (
            rf.reindex(closes.index.union(rf.index)).ffill().reindex(closes.index).fillna(0.0)
            if len(rf)
            else 0.0
        )
        bench_periods: dict[pd.Timestamp, dict[str, float]] = {}
        for pid, frame in histories.frames.items():
            first = frame.index[0]
            if first not in bench_periods:
                bench_periods[first] = period_returns(bench.loc[bench.index >= first], frame.index[-1])
            summaries.append(
                _summary(
                    portfolio_id=pid,
                    as_of=as_of,
                    frame=frame,
                    risk_free=risk_free,
                    benchmark=bench,
                    benchmark_periods=bench_periods[first],
                    rates=rf,
                )
            )
        for pid in sorted(set(lots["portfolio_id"]) - set(histories.frames)):
            result.failures[pid] = (
                f"No stored close between the portfolio's first entry date and {as_of} for "
                f"{DEFAULT_BENCHMARK} or its symbols: sync market data first."
            )
    computed = sorted(histories.frames)
    rows = (
        pd.concat(
            [
                f.assign(portfolio_id=pid).rename_axis("date").reset_index()
                for pid, f in histories.frames.items()
            ],
            ignore_index=True,
        )
        if computed
        else pd.DataFrame(columns=["portfolio_id", "date", *SNAPSHOT_FIELDS])
    )
    written, deleted = snapshots_save(
        rows=rows, summaries=summaries, as_of=as_of, computed=computed, emptied=emptied
    )
    result.counts.update(
        {
            "snapshots": len(rows),
            "snapshots_written": written,
            "snapshots_deleted": deleted,
            "summaries": len(summaries),
            "portfolios_without_positions": len(emptied),
        }
    )
    result.notes.update(
        {
            "cash_convention": "current cash_balance on every day",
            "lots_with_carried_forward_closes": histories.lots_carried_forward,
            "lots_priced_at_entry_before_first_bar": histories.lots_priced_at_entry,
            "symbols_without_bars": histories.unpriced_symbols,
        }
    )
    return result
