"""Reads for performance and P&L attribution (DESIGN.md "Performance").

- :func:`lot_price_frame`: the closes of each lot (dates x lot ids) the NAV backfill and the
  attribution value lots with (shared by the snapshots engine and the attribution endpoint).
- :func:`portfolio_performance`: /analytics/portfolio/{id}/performance from the stored snapshots.
- :func:`position_attribution`: /analytics/positions/attribution, computed from stored closes.

Prices: a lot is valued at its symbol's stored ``close`` per share (options: the OCC contract's own
bars) x quantity x multiplier. A missing close is carried forward from the last known one (never
backward); a lot held before its symbol's first stored bar is valued at its entry price (the only
price known then). Each function runs a constant number of queries, whatever the number of
positions or days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.utils import timezone

from analytics.engines.conventions import TRADING_DAYS_PER_YEAR
from analytics.engines.performance import (
    PERIOD_DAYS,
    cumulative_returns,
    drawdown_series,
    performance_metrics,
    period_returns,
    pnl_attribution,
)
from analytics.models import PerformanceSummary, PortfolioSnapshot
from analytics.models.performance import SUMMARY_STATISTICS_VERSION
from analytics.selectors.access import require
from analytics.selectors.conventions import attribution_conventions, performance_conventions
from analytics.selectors.staleness import result_stale
from marketdata.models import PriceBar
from marketdata.selectors import data_source, macro_frame, price_frame, securities
from portfolios.holdings import position_tags, positions_frame
from portfolios.models import Portfolio, Position
from sigmasight.api.numbers import money, number

#: Default benchmark of the performance endpoint and of the stored summary.
DEFAULT_BENCHMARK = "SPY"
#: Macro series of the risk-free rate (annual decimal); the daily rate is value / 252.
RISK_FREE_SERIES = "DGS3MO"
TRADING_DAYS = TRADING_DAYS_PER_YEAR
#: Calendar days of bars read before a window so that a close can be carried forward into it.
PRICE_LOOKBACK_DAYS = 14
#: Calendar days of rates read before a window (the rate is carried forward).
RATE_LOOKBACK_DAYS = 31
#: ``period`` values of the performance endpoint; metrics and ``series`` cover that window.
PERIODS = ("1m", "3m", "ytd", "1y", "all")
DEFAULT_PERIOD = "all"
#: Keys of ``returns`` and ``benchmark_returns``.
RETURN_KEYS = ("1d", "1w", "1m", "3m", "ytd", "1y", "inception")
#: ``group_by`` values of the attribution endpoint.
GROUP_BY = ("position", "tag", "type", "sector")
UNTAGGED = "(untagged)"
UNKNOWN_SECTOR = "(unknown)"


def _day(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    return pd.Timestamp(value).date().isoformat()


# --- lot prices ------------------------------------------------------------------------------


def closes_frame(*, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Closes per share as a [date x symbol] float frame with a DatetimeIndex (NaN where a bar is
    missing): :func:`marketdata.selectors.price_frame` of ``close``, in one query."""
    frame = price_frame(symbols=list(symbols), start=start, end=end, field="close")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index), name="date")
    return frame


def lot_price_frame(
    lots: pd.DataFrame, closes: pd.DataFrame, *, entry_fill_from: dt.date | None = None
) -> pd.DataFrame:
    """Close per share of each lot on each date of ``closes`` (dates x lot ids, float64).

    ``lots``: rows of ``positions_frame`` (``id``, ``symbol``, ``entry_date``, ``entry_price``).
    ``closes``: dates x symbols. The symbol's close is carried forward over missing bars; where
    the lot is held (date >= entry_date) before any close is known, the entry price stands in.
    ``entry_fill_from``: only lots entered on or after this date get that stand-in (for a lot
    entered before the first date read, a leading gap means the window was too short, not that no
    price existed), the others stay NaN there.
    """
    px = closes.sort_index()
    px.index = pd.to_datetime(px.index)
    mat = px.reindex(columns=list(lots["symbol"])).ffill().to_numpy(dtype=np.float64)
    entry = pd.to_datetime(lots["entry_date"]).to_numpy()
    gap = np.isnan(mat) & (px.index.to_numpy()[:, None] >= entry[None, :])
    if entry_fill_from is not None:
        gap &= (entry >= np.datetime64(entry_fill_from))[None, :]
    mat = np.where(gap, lots["entry_price"].to_numpy(dtype=np.float64)[None, :], mat)
    return pd.DataFrame(mat, index=px.index, columns=pd.Index(lots["id"], name="lot"))


def lots_by_id(lots: pd.DataFrame) -> pd.DataFrame:
    """The lots keyed for the performance engine: index = lot id and ``symbol`` = lot id (the
    columns of :func:`lot_price_frame`)."""
    out = lots.set_index(pd.Index(lots["id"], name="lot"), drop=False)
    return out.assign(symbol=out["id"])


def daily_risk_free(*, start: dt.date, end: dt.date) -> pd.Series:
    """DGS3MO / 252 per date (fraction per day) from ``start - 31 days`` to ``end``; empty if none."""
    frame = macro_frame(
        series_ids=[RISK_FREE_SERIES], start=start - dt.timedelta(days=RATE_LOOKBACK_DAYS), end=end
    )
    if frame.empty:
        return pd.Series(dtype=np.float64, index=pd.DatetimeIndex([]))
    s = frame[RISK_FREE_SERIES].astype(np.float64).dropna() / TRADING_DAYS
    s.index = pd.to_datetime(s.index)
    return s


def benchmark_daily_returns(*, symbol: str, start: dt.date, end: dt.date) -> pd.Series:
    """Simple daily returns of the benchmark's adjusted close on its bar dates in [start, end]
    (the first one from the bar before ``start`` when there is one within 14 days)."""
    frame = price_frame(
        symbols=[symbol],
        start=start - dt.timedelta(days=PRICE_LOOKBACK_DAYS),
        end=end,
        field="adjusted_close",
    )
    if frame.empty:
        return pd.Series(dtype=np.float64, index=pd.DatetimeIndex([]))
    px = frame[symbol].dropna()
    px.index = pd.to_datetime(px.index)
    r = px.pct_change(fill_method=None)
    return r.loc[r.index >= pd.Timestamp(start)]


def benchmark_exists(symbol: str) -> bool:
    """Whether the benchmark has any stored bar (one query)."""
    return PriceBar.objects.filter(symbol=symbol).exists()


def period_start(dates: pd.DatetimeIndex, period: str) -> pd.Timestamp | None:
    """The last NAV date on or before the start of ``period`` (as ``period_returns`` anchors it),
    or None when the history is shorter (the window is then the whole history)."""
    last = dates[-1]
    if period == "all":
        return None
    if period == "ytd":
        anchor = pd.Timestamp(last.year - 1, 12, 31)
    else:
        anchor = last - pd.Timedelta(days=PERIOD_DAYS[period])
    i = dates.searchsorted(anchor, side="right")
    return dates[i - 1] if i > 0 else None


# --- performance -----------------------------------------------------------------------------


def _returns_dict(values: Mapping[str, float]) -> dict[str, float | None]:
    return {key: number(values.get(key)) for key in RETURN_KEYS}


def _stored_summary(
    *, portfolio: Portfolio, period: str, benchmark: str, as_of: dt.date | None, frame: pd.DataFrame
) -> PerformanceSummary | None:
    """The batch's summary of exactly this history, when the request asks what it holds (period
    ``all`` against the default benchmark), else None (one query when it may apply).

    It applies when it was computed from the same snapshots: its ``as_of_date`` is on or after the
    last snapshot read (and on or before the requested ``as_of``), it holds every statistic
    (``statistics_version``), its first date and number of
    finite returns match, and no snapshot was rewritten after it (``calculated_at``)."""
    if period != "all" or benchmark != DEFAULT_BENCHMARK:
        return None
    last = frame["date"].iloc[-1]
    qs = PerformanceSummary.objects.filter(
        portfolio=portfolio,
        as_of_date__gte=last,
        benchmark=benchmark,
        statistics_version__gte=SUMMARY_STATISTICS_VERSION,
    )
    if as_of is not None:
        qs = qs.filter(as_of_date__lte=as_of)
    summary = qs.order_by("as_of_date").first()
    if summary is None:
        return None
    finite = int(np.isfinite(frame["daily_return"].to_numpy(dtype=np.float64)).sum())
    if (
        summary.first_date != frame["date"].iloc[0]
        or summary.observations != finite
        or summary.calculated_at < frame["calculated_at"].max()
    ):
        return None
    return summary


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day is not None else None


def _stored_statistics(summary: PerformanceSummary) -> dict[str, Any]:
    """The statistics of the response from the stored summary (the same values the engine gives on
    request: tested in analytics/tests/api/test_performance_stored.py): the model's fields of the
    same names, dates as ISO strings."""
    stored = {key: getattr(summary, key) for key in _STATISTICS}
    return {
        **{key: _iso(v) if isinstance(v, dt.date) else v for key, v in stored.items()},
        "returns": _returns_dict(summary.returns),
        "benchmark_returns": _returns_dict(summary.benchmark_returns),
    }


def _computed_statistics(
    *, r_all: pd.Series, r: pd.Series, anchor: pd.Timestamp | None, benchmark: str
) -> dict[str, Any]:
    """The statistics of the response computed now from the daily returns (``r``: the window's)."""
    first, last = r_all.index[0], r_all.index[-1]
    rf = daily_risk_free(start=first.date(), end=last.date())
    bench = benchmark_daily_returns(symbol=benchmark, start=first.date(), end=last.date())
    metrics = performance_metrics(r, risk_free=rf if not rf.empty else 0.0, benchmark=bench)
    dd = metrics.drawdown
    peak = dd.peak_date if dd.peak_date is not None or dd.trough_date is None else anchor
    return {
        "returns": _returns_dict(period_returns(r_all, last)),
        "total_return": number(metrics.total_return),
        "annualized_return": number(metrics.annualized_return),
        "annualized_volatility": number(metrics.annualized_volatility),
        "sharpe_ratio": number(metrics.sharpe),
        "sortino_ratio": number(metrics.sortino),
        "max_drawdown": number(dd.max_drawdown),
        "max_drawdown_start": _day(peak),
        "max_drawdown_end": _day(dd.trough_date),
        "max_drawdown_recovery": _day(dd.recovery_date),
        "calmar_ratio": number(metrics.calmar),
        "beta": number(metrics.beta),
        "alpha": number(metrics.alpha),
        "observations": metrics.observations,
        "risk_free_rate": number(rf.iloc[-1] * TRADING_DAYS) if not rf.empty else None,
        "benchmark_returns": _returns_dict(period_returns(bench.loc[bench.index >= first], last)),
    }


def portfolio_performance(
    *,
    portfolio: Portfolio,
    period: str = DEFAULT_PERIOD,
    benchmark: str = DEFAULT_BENCHMARK,
    as_of: dt.date | None = None,
) -> dict[str, Any]:
    """Performance of the stored snapshots up to ``as_of`` (default: the latest) over ``period``.

    ``returns``/``benchmark_returns``: chained period returns ending at the last snapshot (all
    periods, whatever ``period``). Metrics and ``series`` cover the window: snapshots after
    :func:`period_start` (the whole history for ``all`` or a history shorter than the period).
    In ``series``, ``cumulative_return`` and ``drawdown`` are measured from the window's start
    (for ``all``: the stored since-inception values). Risk-free: DGS3MO / 252 per day carried
    forward (0 where no rate is stored: ``risk_free_rate`` is then null). For period ``all``
    against the default benchmark the statistics are the batch's stored
    :class:`~analytics.models.PerformanceSummary` of the same history (equal to the computation,
    which runs when there is none). Queries: 7 (snapshots, summary, position symbols, data source x
    2, benchmark bars + rates or nothing, and staleness).
    """
    qs = PortfolioSnapshot.objects.filter(portfolio=portfolio)
    if as_of is not None:
        qs = qs.filter(date__lte=as_of)
    rows = list(qs.order_by("date").values_list("date", "nav", "flow", "daily_return", "calculated_at"))
    require(rows or None, what="performance snapshots", portfolio=portfolio, as_of=as_of)
    frame = pd.DataFrame(rows, columns=["date", "nav", "flow", "daily_return", "calculated_at"])
    dates = pd.DatetimeIndex(pd.to_datetime(frame["date"]))
    r_all = pd.Series(frame["daily_return"].to_numpy(dtype=np.float64), index=dates)
    first, last = dates[0], dates[-1]

    anchor = period_start(dates, period)
    in_window = dates > anchor if anchor is not None else np.ones(len(dates), dtype=bool)
    r = r_all[in_window]
    summary = _stored_summary(
        portfolio=portfolio, period=period, benchmark=benchmark, as_of=as_of, frame=frame
    )
    statistics = (
        _stored_statistics(summary)
        if summary is not None
        else _computed_statistics(r_all=r_all, r=r, anchor=anchor, benchmark=benchmark)
    )
    cumulative = cumulative_returns(r)
    drawdowns = drawdown_series(r)
    window = frame[in_window]
    series = [
        {
            "date": d.isoformat(),
            "nav": money(nav),
            "flow": money(flow),
            "daily_return": number(ret),
            "cumulative_return": number(cum),
            "drawdown": number(draw),
        }
        for d, nav, flow, ret, cum, draw in zip(
            window["date"],
            window["nav"],
            window["flow"],
            r.to_numpy(),
            cumulative.to_numpy(),
            drawdowns.to_numpy(),
            strict=True,
        )
    ]
    symbols = sorted(set(Position.objects.filter(portfolio=portfolio).values_list("symbol", flat=True)))
    return {
        "conventions": performance_conventions(period=period, benchmark=benchmark),
        "portfolio_id": str(portfolio.id),
        "period": period,
        "period_start_date": series[0]["date"] if series else None,
        "benchmark": benchmark,
        "returns": statistics["returns"],
        **{key: statistics[key] for key in _STATISTICS},
        "benchmark_returns": statistics["benchmark_returns"],
        "nav": money(frame["nav"].iloc[-1]),
        "inception_date": first.date().isoformat(),
        "series": series,
        "as_of_date": last.date().isoformat(),
        "calculated_at": frame["calculated_at"].max(),
        "stale": result_stale(
            portfolio_id=portfolio.id, engines=("snapshots",), result_as_of=last.date(), requested_as_of=as_of
        ),
        "data_source": data_source(symbols=[*symbols, benchmark]),
    }


#: The statistics between ``returns`` and ``benchmark_returns`` in the response, in order.
_STATISTICS = (
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
    "observations",
    "risk_free_rate",
)


# --- attribution ------------------------------------------------------------------------------


def _group_keys(lots: pd.DataFrame, group_by: str) -> pd.Series:
    """Lot id -> group key (tags: a list, a lot counting in each of its tags). One query at most."""
    ids = pd.Index(lots["id"])
    if group_by == "position":
        return pd.Series(lots["id"].to_numpy(), index=ids, dtype=object)
    if group_by == "type":
        return pd.Series(lots["position_type"].to_numpy(), index=ids, dtype=object)
    if group_by == "tag":
        tags = position_tags(position_ids=list(ids))
        names = tags.groupby("position_id")["tag"].agg(lambda s: sorted(s)).to_dict() if len(tags) else {}
        return pd.Series([names.get(i) for i in ids], index=ids, dtype=object)
    known = securities(symbols=sorted(set(lots["risk_symbol"])))
    sectors = [(known[s].sector or None) if s in known else None for s in lots["risk_symbol"]]
    return pd.Series(sectors, index=ids, dtype=object)


def position_attribution(
    *, portfolio: Portfolio, start: dt.date, end: dt.date, group_by: str = "position"
) -> dict[str, Any]:
    """P&L over (start, end] of the portfolio's lots, grouped (``pnl_attribution``).

    Lots held at any time in the range count (closed ones too); a lot's P&L is the change of its
    value less its flows (buying is no P&L, selling at the close is no loss), from stored closes
    carried forward. ``pnl_percent`` = pnl / capital x 100 (capital: |value| at the last close on
    or before ``start``, or |cost| for lots opened in the range); ``contribution_percent`` = pnl
    / total P&L x 100 (with ``tag``, a lot counts in each of its tags so they may overlap; untagged
    lots go to "(untagged)", lots without a known sector to "(unknown)"). Queries: positions,
    closes, tags or sectors (0-1), data source (2).
    """
    lots = positions_frame(portfolio_ids=[str(portfolio.id)], include_closed=True)
    fetch_start = start - dt.timedelta(days=PRICE_LOOKBACK_DAYS)
    if len(lots):
        exit_ = pd.to_datetime(lots["exit_date"])
        keep = (pd.to_datetime(lots["entry_date"]) <= pd.Timestamp(end)) & (
            exit_.isna() | (exit_ > pd.Timestamp(fetch_start))
        )
        lots = lots[keep.to_numpy()]
        # an exit after ``end`` has not happened yet as of ``end``
        late = pd.to_datetime(lots["exit_date"]) > pd.Timestamp(end)
        lots = lots.assign(
            exit_date=lots["exit_date"].where(~late, None), exit_price=lots["exit_price"].where(~late, np.nan)
        )
    symbols = sorted(set(lots["symbol"])) if len(lots) else []
    groups_out: list[dict[str, Any]] = []
    total = 0.0
    as_of_date: str | None = None
    if symbols:
        closes = closes_frame(symbols=symbols, start=fetch_start, end=end)
        if not closes.empty:
            as_of_date = pd.Timestamp(closes.index.max()).date().isoformat()
            keyed = lots_by_id(lots)
            prices = lot_price_frame(lots, closes, entry_fill_from=fetch_start)
            by_lot = pnl_attribution(
                keyed, prices, dict(zip(keyed.index, keyed.index, strict=True)), start, end
            )
            # lots with no capital and no P&L in the range (closed before it) are left out
            active = by_lot.index[(by_lot["capital"].fillna(0) != 0) | (by_lot["pnl"] != 0)]
            keyed = keyed.loc[active]
            by_lot = by_lot.loc[active]
            total = float(by_lot["pnl"].sum())
            keys = _group_keys(keyed, group_by)
            missing = UNTAGGED if group_by == "tag" else UNKNOWN_SECTOR
            by_group = (
                pnl_attribution(keyed, prices[list(keyed.index)], keys, start, end, missing_label=missing)
                if len(keyed)
                else pd.DataFrame(
                    columns=["pnl", "capital", "pnl_percent", "contribution_percent", "positions"]
                )
            )
            members: dict[Any, list[str]] = {}
            for lot_id, key in keys.items():
                for k in key if isinstance(key, list) and key else [missing if key is None else key]:
                    members.setdefault(k, []).append(lot_id)
            symbol_of = dict(zip(lots["id"], lots["symbol"], strict=True))
            type_of = dict(zip(lots["id"], lots["position_type"], strict=True))
            detail = {
                lot_id: {
                    "id": lot_id,
                    "symbol": symbol_of[lot_id],
                    "position_type": type_of[lot_id],
                    "pnl": money(row["pnl"]),
                    "pnl_percent": number(row["pnl_percent"]),
                    "contribution_percent": number(row["contribution_percent"]),
                }
                for lot_id, row in zip(by_lot.index, by_lot.to_dict("records"), strict=True)
            }
            for key, row in by_group.sort_values("pnl", ascending=False).iterrows():
                label = detail[key]["symbol"] if group_by == "position" else key
                groups_out.append(
                    {
                        "key": key,
                        "label": label,
                        "pnl": money(row["pnl"]),
                        "pnl_percent": number(row["pnl_percent"]),
                        "contribution_percent": number(row["contribution_percent"]),
                        "capital": money(row["capital"]),
                        "position_count": int(row["positions"]),
                        "positions": sorted(
                            (detail[i] for i in members.get(key, [])), key=lambda p: -(p["pnl"] or 0.0)
                        ),
                    }
                )
    return {
        "conventions": attribution_conventions(),
        "portfolio_id": str(portfolio.id),
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "group_by": group_by,
        "total_pnl": money(total),
        "groups": groups_out,
        "as_of_date": as_of_date,
        "calculated_at": timezone.now(),
        "stale": False,  # computed now from the positions and stored closes
        "data_source": data_source(symbols=symbols or None),
    }
