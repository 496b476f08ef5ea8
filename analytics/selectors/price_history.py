"""Stored price history of a portfolio: data quality counts and the historical price arrays.

Windows are NYSE sessions (``marketdata.providers.calendar``): the N-session window ending at
``as_of`` is the last N sessions on or before it. ``days_available`` of a symbol in a window = the
number of sessions of the window on which a bar is stored (bars are unique per symbol and date).

Data-quality classes (per position, by its risk symbol: the underlying for options, else the symbol):
- ``complete``: a bar on every one of the 252 sessions of the window ending at as_of;
- ``partial``: 60 to 251 of them (``days_missing`` = 252 - days_available);
- ``insufficient``: fewer than 60 (the factor regression's minimum), with a reason.

Calculation feasibility (the engines' minimums): factor regression >= 60 bars in the 252-session
window (and every factor ETF too), correlation matrix >= 30 in the last 90 sessions (at least two
symbols), volatility analysis >= 20 in the last 60 sessions.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count, Max, Q
from django.utils import timezone

from analytics.engines.conventions import (
    CORRELATION_MIN_OVERLAP,
    CORRELATION_WINDOW,
    FACTOR_MIN_OBS,
    FACTOR_WINDOW,
    REALIZED_VOL_MIN_OBS,
    REALIZED_VOL_WINDOW,
)
from marketdata.models import PriceBar
from marketdata.providers.calendar import session_on_or_before, sessions_between
from marketdata.selectors import data_source, latest_bar_date, model_factor_etfs, trading_dates
from portfolios.holdings import held_on
from portfolios.models import OPTION_TYPES, Portfolio, Position
from sigmasight.api.numbers import number

#: The history classes follow the factor regression: its window and its minimum observations.
HISTORY_WINDOW = FACTOR_WINDOW
PARTIAL_MIN_DAYS = FACTOR_MIN_OBS
#: (window sessions, minimum bars) per calculation: the engines' windows and minimums.
FEASIBILITY = {
    "factor_regression": (FACTOR_WINDOW, FACTOR_MIN_OBS),
    "correlation_matrix": (CORRELATION_WINDOW, CORRELATION_MIN_OVERLAP),
    "volatility_analysis": (REALIZED_VOL_WINDOW, REALIZED_VOL_MIN_OBS),
}
_OPTION_TYPES = [str(t) for t in OPTION_TYPES]
PRICE_FIELDS = ("open", "high", "low", "close", "adjusted_close")


def session_window(as_of: dt.date, sessions: int) -> tuple[dt.date, dt.date]:
    """(first, last) session of the ``sessions``-session window ending on or before ``as_of``."""
    end = session_on_or_before(as_of)
    days = sessions_between(end - dt.timedelta(days=sessions * 2 + 21), end)
    return days[-sessions].item(), end


def bar_counts(*, symbols: Sequence[str], as_of: dt.date) -> pd.DataFrame:
    """Bars per symbol in the 252-, 90- and 60-session windows ending at as_of (one query).

    Index: every requested symbol. Columns: ``days_252``, ``days_90``, ``days_60`` (int),
    ``last_date`` (the last bar on or before as_of inside the 252-session window, or None).
    """
    symbols = sorted(set(symbols))
    columns = ["days_252", "days_90", "days_60", "last_date"]
    if not symbols:
        return pd.DataFrame(columns=columns, index=pd.Index([], name="symbol"))
    start252, end = session_window(as_of, FACTOR_WINDOW)
    start90, _ = session_window(as_of, CORRELATION_WINDOW)
    start60, _ = session_window(as_of, REALIZED_VOL_WINDOW)
    rows = (
        PriceBar.objects.filter(symbol__in=symbols, date__gte=start252, date__lte=end)
        .values("symbol")
        .annotate(
            days_252=Count("id"),
            days_90=Count("id", filter=Q(date__gte=start90)),
            days_60=Count("id", filter=Q(date__gte=start60)),
            last_date=Max("date"),
        )
        .values_list("symbol", *columns)
    )
    frame = pd.DataFrame(list(rows), columns=["symbol", *columns]).set_index("symbol")
    frame = frame.reindex(symbols)
    for col in columns[:3]:
        frame[col] = frame[col].fillna(0).astype(int)
    frame["last_date"] = frame["last_date"].astype(object).where(frame["last_date"].notna(), None)
    return frame


def history_class(days: int) -> str:
    """``complete`` | ``partial`` | ``insufficient`` for the bars in the 252-session window."""
    if days >= HISTORY_WINDOW:
        return "complete"
    if days >= PARTIAL_MIN_DAYS:
        return "partial"
    return "insufficient"


def _insufficient_reason(days: int) -> str:
    if days == 0:
        return f"No price bars in the {HISTORY_WINDOW}-session window ending at as_of_date."
    return (
        f"Only {days} daily bars in the {HISTORY_WINDOW}-session window; at least {PARTIAL_MIN_DAYS} are needed "
        "for the factor regression."
    )


def _risk_symbols(*, portfolio: Portfolio, as_of: dt.date) -> list[str]:
    """Risk symbol of each position held on as_of (underlying for options), one per position."""
    rows = (
        Position.objects.filter(portfolio=portfolio)
        .filter(held_on(as_of))
        .values_list("symbol", "underlying_symbol", "position_type")
    )
    return [underlying if ptype in _OPTION_TYPES else symbol for symbol, underlying, ptype in rows]


def _default_as_of(portfolio: Portfolio) -> dt.date:
    """The last stored bar of the portfolio's symbols, else today's (UTC) date."""
    symbols: set[str] = set()
    for symbol, underlying in Position.objects.filter(portfolio=portfolio).values_list(
        "symbol", "underlying_symbol"
    ):
        symbols.add(underlying or symbol)
    last = latest_bar_date(symbols=sorted(symbols)) if symbols else None
    return last or timezone.now().date()


def portfolio_data_quality(*, portfolio: Portfolio, as_of: dt.date | None = None) -> dict[str, Any]:
    """The /data/portfolio/{id}/data-quality payload (real counts from the stored bars).

    Queries: default date (0 or 2), positions (1), factor definitions (1), bar counts (1),
    data source (2), whatever the number of positions.
    """
    as_of = as_of or _default_as_of(portfolio)
    position_symbols = _risk_symbols(portfolio=portfolio, as_of=as_of)
    etfs = model_factor_etfs()
    counts = bar_counts(symbols=sorted(set(position_symbols) | set(etfs.values())), as_of=as_of)
    start, end = session_window(as_of, HISTORY_WINDOW)

    per_position = (
        counts["days_252"].reindex(position_symbols).to_numpy(dtype=int) if position_symbols else []
    )
    classes = [history_class(int(d)) for d in per_position]
    total = len(position_symbols)
    held = sorted(set(position_symbols))
    complete, partial, insufficient = [], [], []
    days_252 = counts["days_252"].to_dict()
    for symbol in held:
        days = int(days_252[symbol])
        kind = history_class(days)
        if kind == "complete":
            complete.append(symbol)
        elif kind == "partial":
            partial.append({"symbol": symbol, "days_available": days, "days_missing": HISTORY_WINDOW - days})
        else:
            insufficient.append(
                {"symbol": symbol, "days_available": days, "reason": _insufficient_reason(days)}
            )

    feasibility: dict[str, dict[str, Any]] = {}
    for name, (window, minimum) in FEASIBILITY.items():
        column = f"days_{window}"
        ok = (
            counts[column].reindex(position_symbols).to_numpy(dtype=int) >= minimum if total else np.array([])
        )
        eligible = int(ok.sum())
        eligible_symbols = {s for s, good in zip(position_symbols, ok, strict=True) if good}
        reason = None
        if name == "factor_regression":
            available = counts[column].to_dict()
            short = sorted(sym for sym in etfs.values() if int(available[sym]) < minimum)
            if not etfs:
                reason = "No factor definitions are stored (seed the factor model)."
            elif short:
                reason = f"Factor ETFs with fewer than {minimum} bars: {', '.join(short)}."
            feasible = eligible > 0 and reason is None
        elif name == "correlation_matrix":
            feasible = len(eligible_symbols) >= 2
        else:
            feasible = eligible > 0
        if reason is None and not feasible:
            needed = "two symbols" if name == "correlation_matrix" else "one position"
            reason = f"Needs at least {needed} with {minimum} bars in the last {window} sessions."
        feasibility[name] = {
            "feasible": bool(feasible),
            "positions_eligible": eligible,
            "positions_excluded": total - eligible,
            "min_days_required": minimum,
            "window_days": window,
            "reason": reason,
        }

    n_complete = classes.count("complete")
    return {
        "as_of_date": as_of,
        "window": {"sessions": HISTORY_WINDOW, "start_date": start, "end_date": end},
        "summary": {
            "total_positions": total,
            "complete_data": n_complete,
            "partial_data": classes.count("partial"),
            "insufficient_data": classes.count("insufficient"),
            "data_coverage_percent": number(n_complete / total * 100, 2) if total else None,
        },
        "position_data_quality": {
            "complete_history": complete,
            "partial_history": partial,
            "insufficient_data": insufficient,
        },
        "calculation_feasibility": feasibility,
        "data_source": data_source(symbols=held or None),
    }


# Historical prices -------------------------------------------------------------------------------


def _object_matrix(values: np.ndarray, decimals: int | None) -> np.ndarray:
    """float matrix -> object matrix with None where NaN (rounded; ints when decimals is None)."""
    missing = np.isnan(values)
    if decimals is None:
        out = np.where(missing, 0, values).astype(np.int64).astype(object)
    else:
        out = np.round(values, decimals).astype(object)
    out[missing] = None
    return out


_BAR_COLUMNS = ["symbol", "day", *PRICE_FIELDS, "volume"]
_EPOCH = dt.date(1970, 1, 1)


def bars_window_frame(*, symbols: Sequence[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    """Bars of the symbols in [start, end] as a frame: symbol, day (int days since 1970-01-01),
    open, high, low, close, adjusted_close, volume (float64); one query, unordered.

    On PostgreSQL the server joins the rows into one tab-separated text parsed by pandas' C reader
    (several times faster than building 100,000s of Python row tuples); elsewhere through the ORM.
    """
    if connection.vendor == "postgresql":
        table = connection.ops.quote_name(PriceBar._meta.db_table)
        with connection.cursor() as cursor:
            # One text value (tab-separated lines) instead of one Python tuple per bar. The columns
            # are NOT NULL, so concat_ws never drops a field; float8 text is exact (shortest repr).
            cursor.execute(
                "SELECT string_agg(concat_ws(E'\\t', symbol, date - DATE '1970-01-01', open, high, low, close, "
                f"adjusted_close, volume), E'\\n') FROM {table} WHERE symbol = ANY(%s) AND date >= %s AND date <= %s",
                [list(symbols), start, end],
            )
            text = cursor.fetchone()[0]
        if not text:
            return pd.DataFrame(
                {c: pd.Series(dtype=object if c == "symbol" else float) for c in _BAR_COLUMNS}
            )
        return pd.read_csv(
            io.StringIO(text),
            sep="\t",
            header=None,
            names=_BAR_COLUMNS,
            keep_default_na=False,
            na_values=[""],
            dtype={"symbol": str, "day": np.int64, **dict.fromkeys((*PRICE_FIELDS, "volume"), np.float64)},
        )
    rows = (
        PriceBar.objects.filter(symbol__in=list(symbols), date__gte=start, date__lte=end)
        .order_by()  # no ORDER BY: the model's default ordering would sort every bar
        .values_list("symbol", "date", *PRICE_FIELDS, "volume")
    )
    frame = pd.DataFrame(list(rows), columns=["symbol", "date", *PRICE_FIELDS, "volume"])
    frame.insert(1, "day", np.array([(d - _EPOCH).days for d in frame.pop("date")], dtype=np.int64))
    return frame.astype(dict.fromkeys((*PRICE_FIELDS, "volume"), np.float64))


def _window_bars(*, symbols: Sequence[str], lookback_days: int) -> tuple[list[dt.date], pd.DataFrame]:
    """The last ``lookback_days`` dates with a bar of any symbol, and the bars on them.

    Reads the guessed window (the NYSE sessions ending at the last stored bar, plus a margin) in one
    query; only when it holds fewer dates (short or gappy histories) asks for the exact dates and
    reads again.
    """
    last = latest_bar_date(symbols=symbols)
    if last is None:
        return [], bars_window_frame(symbols=[], start=dt.date.max, end=dt.date.min)
    try:
        start, _ = session_window(last, lookback_days + 5)
    except (ValueError, IndexError):  # outside the calendar's span
        start = last
    frame = bars_window_frame(symbols=symbols, start=start, end=last)
    days = np.unique(frame["day"].to_numpy(dtype=np.int64))
    if len(days) < lookback_days:
        exact = trading_dates(end=last, count=lookback_days, symbols=symbols)
        if exact and exact[0] < start:
            frame = bars_window_frame(symbols=symbols, start=exact[0], end=last)
            days = np.unique(frame["day"].to_numpy(dtype=np.int64))
    days = days[-lookback_days:]
    if len(days):
        frame = frame[frame["day"].to_numpy() >= days[0]]
    return [_EPOCH + dt.timedelta(days=int(d)) for d in days], frame


def portfolio_price_symbols(*, portfolio: Portfolio) -> list[str]:
    """Stocks, ETFs and funds of the open positions, and the underlyings of the open options."""
    rows = Position.objects.filter(portfolio=portfolio, exit_date__isnull=True).values_list(
        "symbol", "underlying_symbol", "position_type"
    )
    return sorted({underlying if ptype in _OPTION_TYPES else symbol for symbol, underlying, ptype in rows})


def historical_prices(
    *, portfolio: Portfolio, lookback_days: int, include_factor_etfs: bool, date_format: str
) -> dict[str, Any]:
    """The /data/prices/historical/{portfolio_id} payload.

    The dates are the last ``lookback_days`` dates with at least one stored bar among the symbols
    (the union of their trading dates); each symbol's arrays are aligned on them, with null where
    that symbol has no bar. Prices in USD per share (4 decimals), volume in shares. Dates are
    ``YYYY-MM-DD`` (``iso``) or seconds since the epoch at 00:00 UTC of the date (``unix``).
    Queries: positions (1), factor ETFs (0-1), last date (1), bars (1; 3 for histories shorter than
    the lookback), data source (2).
    """
    symbols = portfolio_price_symbols(portfolio=portfolio)
    factor_etfs = model_factor_etfs() if include_factor_etfs else {}
    symbols = sorted(set(symbols) | set(factor_etfs.values()))
    dates, frame = _window_bars(symbols=symbols, lookback_days=lookback_days) if symbols else ([], None)
    n_dates = len(dates)
    matrices: dict[str, np.ndarray] = {
        f: np.full((len(symbols), n_dates), np.nan) for f in (*PRICE_FIELDS, "volume")
    }
    if frame is not None and len(frame):
        row_index = pd.Index(symbols).get_indexer(frame["symbol"])
        col_index = np.searchsorted(
            np.array([(d - _EPOCH).days for d in dates], dtype=np.int64),
            frame["day"].to_numpy(dtype=np.int64),
        )
        for f in matrices:
            matrices[f][row_index, col_index] = frame[f].to_numpy(dtype=np.float64)

    if date_format == "unix":
        date_values: list[Any] = [(d - _EPOCH).days * 86400 for d in dates]
    else:
        date_values = [d.isoformat() for d in dates]
    objects = {f: _object_matrix(m, None if f == "volume" else 4) for f, m in matrices.items()}
    has_data = ~np.isnan(matrices["close"]).all(axis=1) if n_dates else np.zeros(len(symbols), dtype=bool)
    body_symbols = {
        symbol: {"dates": date_values, **{f: objects[f][i].tolist() for f in (*PRICE_FIELDS, "volume")}}
        for i, symbol in enumerate(symbols)
    }
    metadata: dict[str, Any] = {
        "lookback_days": lookback_days,
        "start_date": dates[0] if dates else None,
        "end_date": dates[-1] if dates else None,
        "trading_days_included": n_dates,
        "date_format": date_format,
        "symbol_count": len(symbols),
        "symbols_without_data": [s for s, ok in zip(symbols, has_data, strict=True) if not ok],
    }
    if include_factor_etfs:
        metadata["factor_etfs"] = factor_etfs
    return {
        "metadata": metadata,
        "symbols": body_symbols,
        "data_source": data_source(symbols=symbols or None),
    }
