"""Market-data reads: each builds its frame in one or two queries; floats out (no Decimals)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Count, F, Max, OuterRef, Subquery, Window
from django.db.models.functions import RowNumber

from marketdata.models import FactorDefinition, MacroSeries, PriceBar, Security
from sigmasight.api.exceptions import InsufficientData

#: Symbols every batch needs besides the held ones: factor ETFs and macro proxies.
MACRO_SYMBOLS = ("USO", "EWG", "VIX")
#: The rate series the engines use (FRED id -> FRED title), stored in decimal (0.0425 = 4.25%).
MACRO_SERIES_NAMES: dict[str, str] = {
    "DGS3MO": "3-Month Treasury Constant Maturity Rate",
    "DGS10": "10-Year Treasury Constant Maturity Rate",
}


def factor_definitions(*, active_only: bool = True) -> list[FactorDefinition]:
    qs = FactorDefinition.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return list(qs.order_by("display_order", "name"))


def model_factor_etfs() -> dict[str, str]:
    """Factor name -> ETF symbol for the 7 market and style factors, in display order."""
    return {f.name: f.etf_symbol for f in factor_definitions() if f.kind in ("market", "style")}


def reference_symbols() -> list[str]:
    """The factor ETFs and macro proxies the batch always syncs."""
    return sorted(set(model_factor_etfs().values()) | set(MACRO_SYMBOLS))


def sync_universe() -> list[str]:
    """Every known non-option security plus the reference symbols."""
    known = Security.objects.exclude(asset_type="option").values_list("symbol", flat=True)
    return sorted(set(known) | set(reference_symbols()))


#: The price fields :func:`price_frame` may read.
PRICE_FIELDS = ("open", "high", "low", "close", "adjusted_close")
_EPOCH = dt.date(1970, 1, 1)


def price_frame(
    *,
    symbols: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    field: str = "adjusted_close",
) -> pd.DataFrame:
    """One field of the bars as a [date x symbol] float frame (NaN where a bar is missing), one query.

    Index: ``datetime.date``, ascending; columns: ``symbols`` in the order given. On PostgreSQL the
    rows are read raw with dates as day numbers and placed into the matrix with numpy (the batch
    reads panels of ~500 symbols x 2 years per chunk); elsewhere through the ORM.
    """
    if field not in PRICE_FIELDS:
        raise ValueError(f"Unknown price field {field!r}.")
    symbols = list(symbols)
    if connection.vendor == "postgresql":
        rows = _price_rows_raw(symbols=symbols, start=start, end=end, field=field)
    else:
        qs = PriceBar.objects.filter(symbol__in=symbols)
        if start is not None:
            qs = qs.filter(date__gte=start)
        if end is not None:
            qs = qs.filter(date__lte=end)
        rows = [
            ((d - _EPOCH).days, sym, v) for d, sym, v in qs.order_by().values_list("date", "symbol", field)
        ]
    if not rows:
        return pd.DataFrame(columns=symbols, dtype=float)
    table = np.array(rows, dtype=object)  # (n, 3): day number, symbol, value
    day_codes, days = pd.factorize(table[:, 0].astype(np.int64), sort=True)
    name_codes, names = pd.factorize(table[:, 1], sort=True)
    matrix = np.full((len(days), len(names)), np.nan)
    matrix[day_codes, name_codes] = table[:, 2].astype(np.float64)
    index = pd.Index([_EPOCH + dt.timedelta(days=int(d)) for d in days], name="date")
    return pd.DataFrame(matrix, index=index, columns=list(names)).reindex(columns=symbols)


def _price_rows_raw(
    *, symbols: list[str], start: dt.date | None, end: dt.date | None, field: str
) -> list[tuple[int, str, float]]:
    """PostgreSQL: (day number since 1970-01-01, symbol, value) rows, no Python date per row."""
    conditions = ["symbol = ANY(%s)"]
    params: list[list[str] | dt.date] = [symbols]
    if start is not None:
        conditions.append("date >= %s")
        params.append(start)
    if end is not None:
        conditions.append("date <= %s")
        params.append(end)
    qn = connection.ops.quote_name
    table = qn(PriceBar._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT date - DATE '1970-01-01', symbol, {table}.{qn(field)} "  # noqa: S608
            f"FROM {table} WHERE {' AND '.join(conditions)}",
            params,
        )
        return cursor.fetchall()


def bars_frame(
    *, symbols: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Full OHLCV bars (long format) for the symbols, sorted by symbol and date."""
    qs = PriceBar.objects.filter(symbol__in=list(symbols))
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    cols = ["symbol", "date", "open", "high", "low", "close", "adjusted_close", "volume", "source"]
    return pd.DataFrame(list(qs.order_by("symbol", "date").values_list(*cols)), columns=cols)


def trading_dates(*, end: dt.date, count: int, symbols: Sequence[str] | None = None) -> list[dt.date]:
    """The last ``count`` dates with at least one stored bar on or before ``end`` (of ``symbols`` if given)."""
    qs = PriceBar.objects.filter(date__lte=end)
    if symbols:
        qs = qs.filter(symbol__in=list(symbols))
    dates = list(qs.values_list("date", flat=True).distinct().order_by("-date")[:count])
    return sorted(dates)


def latest_bar_date(*, symbols: Sequence[str] | None = None) -> dt.date | None:
    qs = PriceBar.objects.all()
    if symbols:
        qs = qs.filter(symbol__in=list(symbols))
    return qs.order_by("-date").values_list("date", flat=True).first()


@dataclass(frozen=True)
class LastClose:
    """A symbol's last stored close on or before a date: ``close`` (per share, float), the bar's
    ``date`` and ``bars``, the number of daily bars stored up to that date."""

    close: float
    date: dt.date
    bars: int


def last_closes(*, symbols: Sequence[str], as_of: dt.date) -> dict[str, LastClose]:
    """Symbol -> :class:`LastClose` for the symbols with a bar on or before ``as_of`` (absent
    otherwise); one query whatever the number of symbols."""
    if not symbols:
        return {}
    latest = PriceBar.objects.filter(symbol=OuterRef("symbol"), date__lte=as_of).order_by("-date")
    rows = (
        PriceBar.objects.filter(symbol__in=list(symbols), date__lte=as_of)
        .order_by()
        .values("symbol")
        .annotate(bars=Count("id"), last=Max("date"), last_close=Subquery(latest.values("close")[:1]))
        .values_list("symbol", "last_close", "last", "bars")
    )
    return {symbol: LastClose(close=float(close), date=day, bars=bars) for symbol, close, day, bars in rows}


def data_source(*, symbols: Sequence[str] | None = None) -> str:
    """The provider(s) the stored prices came from (``synthetic``, ``fmp``...); comma-joined if mixed."""
    qs = PriceBar.objects.all()
    if symbols:
        qs = qs.filter(symbol__in=list(symbols))
    last = latest_bar_date(symbols=symbols)
    if last is None:
        return joined_source(())
    return joined_source(qs.filter(date=last).values_list("source", flat=True))


def joined_source(sources: Iterable[str]) -> str:
    """The ``data_source`` label of some bars' sources: the providers, comma-joined and sorted;
    model prices (``model``) are not a provider; none at all -> the configured provider."""
    from django.conf import settings

    names = sorted(set(sources) - {"model", ""})
    return ",".join(names) or settings.MARKET_DATA_PROVIDER


def macro_frame(
    *, series_ids: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Macro series as a [date x series_id] frame of decimals."""
    qs = MacroSeries.objects.filter(series_id__in=list(series_ids))
    if start is not None:
        qs = qs.filter(date__gte=start)
    if end is not None:
        qs = qs.filter(date__lte=end)
    rows = list(qs.values_list("date", "series_id", "value"))
    if not rows:
        return pd.DataFrame(columns=list(series_ids), dtype=float)
    frame = pd.DataFrame(rows, columns=["date", "series_id", "value"])
    return (
        frame.pivot(index="date", columns="series_id", values="value")
        .sort_index()
        .reindex(columns=list(series_ids))
    )


def macro_series(*, lookback_days: int, series_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """``{series: {id: {name, unit: "decimal", dates, values}}, data_source}`` in one query.

    ``series_ids`` default to every rate series (:data:`MACRO_SERIES_NAMES`). Each series holds its
    last ``lookback_days`` stored observations (trading days, ascending, ending at its latest stored
    date): ISO dates and decimal values (0.0425 = 4.25%); a series with nothing stored has empty
    lists. ``data_source`` is the provider(s) the returned rows came from (the configured provider
    when there are none), as for the price endpoints.
    """
    ids = list(dict.fromkeys(series_ids or MACRO_SERIES_NAMES))
    rows = (
        MacroSeries.objects.filter(series_id__in=ids)
        .annotate(rank=Window(RowNumber(), partition_by=[F("series_id")], order_by=F("date").desc()))
        .filter(rank__lte=lookback_days)
        .order_by("series_id", "date")
        .values_list("series_id", "date", "value", "source")
    )
    dates: dict[str, list[str]] = {sid: [] for sid in ids}
    values: dict[str, list[float]] = {sid: [] for sid in ids}
    sources: set[str] = set()
    for sid, day, value, source in rows:
        dates[sid].append(day.isoformat())
        values[sid].append(float(value))
        sources.add(source)
    series = {
        sid: {
            "name": MACRO_SERIES_NAMES.get(sid, sid),
            "unit": "decimal",
            "dates": dates[sid],
            "values": values[sid],
        }
        for sid in ids
    }
    return {"series": series, "data_source": joined_source(sources)}


def securities(*, symbols: Sequence[str]) -> dict[str, Security]:
    return {s.symbol: s for s in Security.objects.filter(symbol__in=list(symbols))}


#: Factor model metadata served with factor data (DESIGN.md "Factor model").
FACTOR_MODEL_META = {"version": "7-factor-etf-spread-v1", "regression_window": 252, "minimum_data_points": 60}


def factor_etf_prices(*, lookback_days: int, factor_names: Sequence[str] | None = None) -> dict[str, Any]:
    """Prices and simple daily returns of the factor ETFs over the last ``lookback_days`` trading days.

    ``returns[i]`` is the return from the previous stored date to ``dates[i]`` (computed from
    adjusted closes; the first one uses the bar before the window, null when there is none).
    """
    etfs = {f.name: f.etf_symbol for f in factor_definitions() if f.kind in ("market", "style")}
    # de-duplicated: a repeated name would give the price frame a duplicate column
    names = list(dict.fromkeys(factor_names)) if factor_names else list(etfs)
    symbols = [etfs[n] for n in names]
    dates = trading_dates(end=dt.date.max, count=lookback_days + 1, symbols=symbols)
    frame = price_frame(symbols=symbols, start=dates[0] if dates else None)
    returns = frame.pct_change(fill_method=None)
    window = frame.index[-lookback_days:]
    out: dict[str, dict[str, Any]] = {}
    for name, symbol in zip(names, symbols, strict=True):
        prices = frame.loc[window, symbol]
        rets = returns.loc[window, symbol]
        out[name] = {
            "etf_symbol": symbol,
            "dates": [d.isoformat() for d in window],
            "prices": [None if pd.isna(v) else round(float(v), 4) for v in prices],
            "returns": [None if pd.isna(v) else float(v) for v in rets],
        }
    return {"factor_model": FACTOR_MODEL_META, "factors": out}


_HOW_TO_FIX = "Run `manage.py sync_market_data` or the batch's market-data step."


def factor_etf_prices_get(*, lookback_days: int, factor_names: Sequence[str] | None = None) -> dict[str, Any]:
    """:func:`factor_etf_prices` with the ``data_source`` of the ETFs' bars, for the API: 422
    INSUFFICIENT_DATA naming the factors whose ETF has no stored price in the window."""
    body = factor_etf_prices(lookback_days=lookback_days, factor_names=factor_names)
    empty = [name for name, f in body["factors"].items() if not any(p is not None for p in f["prices"])]
    if empty:
        raise InsufficientData(
            f"No stored prices for the factor ETFs of: {', '.join(empty)}.",
            {
                "missing": {name: body["factors"][name]["etf_symbol"] for name in empty},
                "how_to_fix": _HOW_TO_FIX,
            },
        )
    body["data_source"] = data_source(symbols=[f["etf_symbol"] for f in body["factors"].values()])
    return body


def macro_series_get(*, lookback_days: int, series_ids: Sequence[str] | None = None) -> dict[str, Any]:
    """:func:`macro_series` for the API: 422 INSUFFICIENT_DATA naming the asked series with nothing stored."""
    body = macro_series(lookback_days=lookback_days, series_ids=series_ids)
    empty = [sid for sid, series in body["series"].items() if not series["dates"]]
    if empty:
        raise InsufficientData(
            f"No stored observations for: {', '.join(empty)}.", {"missing": empty, "how_to_fix": _HOW_TO_FIX}
        )
    return body
