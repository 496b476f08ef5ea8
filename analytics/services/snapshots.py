"""Engine 8: daily NAV snapshots backfilled since inception, and the performance summary.

For each portfolio of the chunk (DESIGN.md "Performance"):

- Lots: every position entered on or before ``as_of``, closed ones included (an exit after
  ``as_of`` has not happened yet as of ``as_of``). A lot is held on d when entry_date <= d <
  exit_date.
- Trading days: the dates with a stored bar for SPY (the reference calendar) or for one of the
  portfolio's symbols, from its earliest entry date to ``as_of``; a snapshot for every one.
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

Writes: only rows that differ from the stored ones are upserted (bulk, in batches), and stored
rows of these portfolios dated on or before ``as_of`` that are no longer trading days of their
history are deleted; a rerun of the same date writes nothing new and leaves row counts unchanged.
Queries per chunk: positions, cash, closes, benchmark bars, rates, stored snapshots, then the writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.db import transaction

from analytics.batch.registry import EngineResult
from analytics.engines.performance import (
    cumulative_returns,
    daily_returns,
    drawdown_series,
    nav_and_flows,
    performance_metrics,
    period_returns,
)
from analytics.models_performance import PerformanceSummary, PortfolioSnapshot
from analytics.selectors.performance import (
    DEFAULT_BENCHMARK,
    PRICE_LOOKBACK_DAYS,
    RETURN_KEYS,
    benchmark_daily_returns,
    daily_risk_free,
    lot_price_frame,
    lots_by_id,
)
from marketdata.selectors import price_frame
from portfolios.holdings import portfolio_cash, positions_frame

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
    "calmar_ratio",
    "beta",
    "alpha",
    "returns",
    "benchmark_returns",
    "calculated_at",
]
#: Rows per INSERT ... ON CONFLICT statement.
UPSERT_BATCH = 5000


@dataclass
class SnapshotHistory:
    """One portfolio's computed history: the snapshot frame (DatetimeIndex, SNAPSHOT_FIELDS) and
    how many lots needed a carried-forward close or the entry-price stand-in."""

    frame: pd.DataFrame
    lots_carried_forward: int = 0
    lots_priced_at_entry: int = 0
    unpriced_symbols: list[str] = field(default_factory=list)


def snapshot_history(*, lots: pd.DataFrame, closes: pd.DataFrame, cash: float, reference: str) -> SnapshotHistory:
    """The daily snapshots of one portfolio (see the module doc) from its lots and the chunk's closes.

    ``lots``: rows of ``positions_frame`` of one portfolio (entered on or before the last date of
    ``closes``); ``closes``: dates x symbols (close per share); ``reference``: the calendar symbol.
    Dates: those where ``reference`` or one of the lots' symbols has a close, from the earliest
    entry date on. Empty frame when there is no such date.
    """
    own = sorted(set(lots["symbol"]))
    cols = [s for s in dict.fromkeys([*own, reference]) if s in closes.columns]
    calendar = closes.index[closes[cols].notna().any(axis=1).to_numpy()]
    calendar = calendar[calendar >= pd.Timestamp(min(lots["entry_date"]))]
    if calendar.empty:
        return SnapshotHistory(pd.DataFrame(columns=SNAPSHOT_FIELDS))
    # closes carried forward over the whole read window (its lookback included), then the calendar
    prices = lot_price_frame(lots, closes[own]).reindex(calendar)
    # carried-forward closes and entry-price stand-ins on held days, counted for the notes
    raw = closes.reindex(index=calendar, columns=list(lots["symbol"])).to_numpy(dtype=np.float64)
    known = ~np.isnan(
        closes.reindex(columns=list(lots["symbol"])).ffill().reindex(calendar).to_numpy(dtype=np.float64)
    )
    entry = pd.to_datetime(lots["entry_date"]).to_numpy()
    exit_ = pd.to_datetime(lots["exit_date"]).to_numpy()
    d = calendar.to_numpy()[:, None]
    held = (d >= entry[None, :]) & (pd.isna(exit_)[None, :] | (d < exit_[None, :]))
    gap = held & np.isnan(raw)
    priced_at_entry = (gap & ~known).any(axis=0)
    carried = (gap & known).any(axis=0)

    keyed = lots_by_id(lots)
    nav = nav_and_flows(keyed, prices, cash, ffill_prices=False)
    longs = keyed[keyed["quantity"] > 0]
    long_value = (
        nav_and_flows(longs, prices, 0.0, ffill_prices=False)["market_value"].reindex(nav.index).fillna(0.0)
        if len(longs)
        else pd.Series(0.0, index=nav.index)
    )
    returns = daily_returns(nav["nav"], nav["flow"])
    frame = pd.DataFrame(
        {
            "nav": nav["nav"],
            "market_value": nav["market_value"],
            "cash": nav["cash"],
            "long_value": long_value,
            "short_value": nav["market_value"] - long_value,
            "flow": nav["flow"],
            "daily_return": returns,
            "cumulative_return": cumulative_returns(returns),
            "drawdown": drawdown_series(returns),
        },
        index=nav.index,
    )
    frame["gross_exposure"] = frame["long_value"] - frame["short_value"]
    frame["net_exposure"] = frame["market_value"]
    held_dates = nav.index.to_numpy()
    entered = np.searchsorted(np.sort(entry), held_dates, side="right")
    exits = np.sort(exit_[~pd.isna(exit_)])
    frame["position_count"] = entered - np.searchsorted(exits, held_dates, side="right")
    return SnapshotHistory(
        frame=frame[SNAPSHOT_FIELDS],
        lots_carried_forward=int(carried.sum()),
        lots_priced_at_entry=int(priced_at_entry.sum()),
        unpriced_symbols=sorted(set(lots["symbol"]) - set(closes.columns[closes.notna().any()])),
    )


def _none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _summary(
    *, portfolio_id: str, as_of: dt.date, frame: pd.DataFrame, risk_free: pd.Series, benchmark: pd.Series
) -> PerformanceSummary:
    """The performance statistics of a portfolio's whole history (engine math only)."""
    r = frame["daily_return"]
    m = performance_metrics(r, risk_free=risk_free if not risk_free.empty else 0.0, benchmark=benchmark)
    first = frame.index[0]
    last = frame.index[-1]
    own = period_returns(r, last)
    bench = period_returns(benchmark.loc[benchmark.index >= first], last)
    dd = m.drawdown
    return PerformanceSummary(
        portfolio_id=portfolio_id,
        as_of_date=as_of,
        benchmark=DEFAULT_BENCHMARK,
        first_date=first.date(),
        observations=m.observations,
        nav=float(frame["nav"].iloc[-1]),
        total_return=_none(m.total_return),
        annualized_return=_none(m.annualized_return),
        annualized_volatility=_none(m.annualized_volatility),
        sharpe_ratio=_none(m.sharpe),
        sortino_ratio=_none(m.sortino),
        max_drawdown=_none(m.drawdown.max_drawdown),
        max_drawdown_start=dd.peak_date.date() if dd.peak_date is not None else None,
        max_drawdown_end=dd.trough_date.date() if dd.trough_date is not None else None,
        calmar_ratio=_none(m.calmar),
        beta=_none(m.beta),
        alpha=_none(m.alpha),
        returns={k: _none(own[k]) for k in RETURN_KEYS},
        benchmark_returns={k: _none(bench[k]) for k in RETURN_KEYS},
    )


def _stored(portfolio_ids: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Stored snapshots of the portfolios dated on or before as_of (id, key and values)."""
    cols = ["id", "portfolio_id", "date", *SNAPSHOT_FIELDS]
    rows = list(
        PortfolioSnapshot.objects.filter(portfolio_id__in=list(portfolio_ids), date__lte=as_of).values_list(*cols)
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
    differs = both["_merge"] == "left_only"
    for col in SNAPSHOT_FIELDS:
        a = both[col].to_numpy(dtype=np.float64)
        b = both[f"{col}_old"].to_numpy(dtype=np.float64)
        differs |= ~((a == b) | (np.isnan(a) & np.isnan(b)))
    return both.loc[differs, ["portfolio_id", "date", *SNAPSHOT_FIELDS]], stale


@transaction.atomic
def _write(rows: pd.DataFrame, stale: list[int], summaries: list[PerformanceSummary], as_of: dt.date,
           emptied: list[str]) -> int:
    deleted = 0
    if stale:
        deleted += PortfolioSnapshot.objects.filter(id__in=stale).delete()[0]
    if emptied:
        deleted += PortfolioSnapshot.objects.filter(portfolio_id__in=emptied, date__lte=as_of).delete()[0]
        PerformanceSummary.objects.filter(portfolio_id__in=emptied, as_of_date=as_of).delete()
    values = rows.to_dict("records")
    objs = [
        PortfolioSnapshot(
            portfolio_id=v["portfolio_id"],
            date=v["date"].date(),
            **{f: v[f] for f in SNAPSHOT_FIELDS if f not in ("daily_return", "position_count")},
            daily_return=_none(v["daily_return"]),
            position_count=int(v["position_count"]),
        )
        for v in values
    ]
    for i in range(0, len(objs), UPSERT_BATCH):
        PortfolioSnapshot.objects.bulk_create(
            objs[i : i + UPSERT_BATCH],
            update_conflicts=True,
            unique_fields=["portfolio", "date"],
            update_fields=[*SNAPSHOT_FIELDS, "calculated_at"],
        )
    if summaries:
        PerformanceSummary.objects.bulk_create(
            summaries,
            update_conflicts=True,
            unique_fields=["portfolio", "as_of_date"],
            update_fields=SUMMARY_FIELDS,
        )
    return deleted


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
    frames: list[pd.DataFrame] = []
    summaries: list[PerformanceSummary] = []
    carried = at_entry = 0
    unpriced: set[str] = set()
    if len(lots):
        earliest = min(lots["entry_date"])
        symbols = sorted(set(lots["symbol"]) | {DEFAULT_BENCHMARK})
        closes = price_frame(
            symbols=symbols, start=earliest - dt.timedelta(days=PRICE_LOOKBACK_DAYS), end=as_of, field="close"
        )
        closes.index = pd.to_datetime(closes.index)
        bench = benchmark_daily_returns(symbol=DEFAULT_BENCHMARK, start=earliest, end=as_of)
        rf = daily_risk_free(start=earliest, end=as_of)
        for pid, plots in lots.groupby("portfolio_id", sort=True):
            history = snapshot_history(lots=plots, closes=closes, cash=cash.get(pid, 0.0), reference=DEFAULT_BENCHMARK)
            if history.frame.empty:
                result.failures[pid] = (
                    f"No stored close between the first entry date {min(plots['entry_date'])} and {as_of} "
                    f"for {DEFAULT_BENCHMARK} or the portfolio's symbols: sync market data first."
                )
                continue
            carried += history.lots_carried_forward
            at_entry += history.lots_priced_at_entry
            unpriced.update(history.unpriced_symbols)
            frames.append(history.frame.assign(portfolio_id=pid).rename_axis("date").reset_index())
            summaries.append(
                _summary(portfolio_id=pid, as_of=as_of, frame=history.frame, risk_free=rf, benchmark=bench)
            )
    new = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["portfolio_id", "date", *SNAPSHOT_FIELDS])
    )
    done = sorted(set(new["portfolio_id"]))
    old = _stored(done, as_of) if done else pd.DataFrame(columns=["id", "portfolio_id", "date", *SNAPSHOT_FIELDS])
    if len(new):
        new["date"] = pd.to_datetime(new["date"])
    changed, stale = _changed(new, old) if len(new) else (new, [])
    deleted = _write(changed, stale, summaries, as_of, emptied)
    result.counts.update(
        {
            "snapshots": len(new),
            "snapshots_written": len(changed),
            "snapshots_deleted": deleted,
            "summaries": len(summaries),
            "portfolios_without_positions": len(emptied),
        }
    )
    result.notes.update(
        {
            "cash_convention": "current cash_balance on every day",
            "lots_with_carried_forward_closes": carried,
            "lots_priced_at_entry_before_first_bar": at_entry,
            "symbols_without_bars": sorted(unpriced),
        }
    )
    return result
