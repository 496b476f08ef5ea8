"""Market-data writes: the sync engine (batch engine 1), security enrichment, bar imports.

The sync takes a symbol list from its caller (market data never imports portfolios or analytics),
fetches what is missing up to ``as_of`` from the provider, backfills short histories, and upserts
bars keyed (symbol, date) so a rerun never duplicates. A symbol that fails is recorded and the
others go on.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd
from django.db import transaction
from django.db.models import Max, Min

from marketdata.models import MacroSeries, PriceBar, Security
from marketdata.providers.base import BAR_COLUMNS, HistoryResult, MarketDataProvider, ProviderError
from marketdata.providers.calendar import session_on_or_before
from marketdata.selectors import MACRO_SERIES_NAMES
from sigmasight.api.response_cache import responses_invalidate
from sigmasight.copy_upsert import copy_upsert, copy_upsert_available

logger = logging.getLogger(__name__)

#: How far back a symbol with a short history is filled (calendar days): two years.
BACKFILL_DAYS = 2 * 365 + 1
#: Symbols per provider request.
CHUNK_SIZE = 100
#: The macro series every run needs: the risk-free rate and the 10-year yield.
MACRO_SERIES = tuple(MACRO_SERIES_NAMES)
#: A first bar this close after the wanted start counts as covering it (weekends, holidays).
_START_TOLERANCE_DAYS = 7
_BAR_UPDATE_FIELDS = ["open", "high", "low", "close", "adjusted_close", "volume", "source"]


@dataclass
class SyncReport:
    """What a sync did: rows upserted, symbols synced, and a reason for each that failed."""

    as_of: dt.date
    provider: str
    symbols_requested: int = 0
    symbols_synced: int = 0
    symbols_up_to_date: int = 0
    bars_written: int = 0
    macro_points_written: int = 0
    securities_enriched: int = 0
    failures: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        return {
            "as_of_date": self.as_of.isoformat(),
            "provider": self.provider,
            "symbols_requested": self.symbols_requested,
            "symbols_synced": self.symbols_synced,
            "symbols_up_to_date": self.symbols_up_to_date,
            "bars_written": self.bars_written,
            "macro_points_written": self.macro_points_written,
            "securities_enriched": self.securities_enriched,
            "failures": [{"symbol": s, "reason": r} for s, r in sorted(self.failures.items())],
        }


BarRow = tuple[str, dt.date, float, float, float, float, float, int, str]


def _bar_rows(bars: pd.DataFrame) -> list[BarRow]:
    """The bars as plain tuples in ``BAR_COLUMNS`` order: floats, dates, volume 0 when unknown.

    A (symbol, date) given twice keeps its last row (PostgreSQL refuses to upsert a row twice in
    one statement; SQLite would silently keep the last one). Built column-wise (``tolist``) because
    per-row conversion costs as much as the COPY itself.
    """
    frame = bars.loc[:, list(BAR_COLUMNS)].drop_duplicates(["symbol", "date"], keep="last")
    dates = [d.date() if isinstance(d, dt.datetime) else d for d in frame["date"].tolist()]
    prices = [frame[c].astype("float64").tolist() for c in ("open", "high", "low", "close", "adjusted_close")]
    volume = pd.to_numeric(frame["volume"], errors="coerce").fillna(0).astype("int64").tolist()
    symbols, sources = frame["symbol"].astype(str).tolist(), frame["source"].astype(str).tolist()
    return list(zip(symbols, dates, *prices, volume, sources, strict=True))


def bars_upsert_uses_copy() -> bool:
    """True when :func:`bars_upsert` takes the PostgreSQL COPY path on the default database."""
    return copy_upsert_available()


def bars_upsert(*, bars: pd.DataFrame, batch_size: int = 5000, copy: bool | None = None) -> int:
    """Upserts bars (columns of ``BAR_COLUMNS``) keyed (symbol, date). Returns the rows upserted
    (after de-duplication of repeated (symbol, date) rows, unchanged ones included).

    On PostgreSQL (``copy`` None or True) the rows are streamed with binary ``COPY`` into a temporary
    table and merged with one ``INSERT ... ON CONFLICT DO UPDATE`` that skips rows whose values are
    unchanged (4-6x the rows/s of ``bulk_create`` in bench/marketdata.py, and an identical rerun
    rewrites no tuple). Elsewhere
    (SQLite), or with ``copy=False``, it is ``bulk_create(update_conflicts=True)``. Both paths store
    identical rows. Call it inside a transaction when the caller needs all-or-nothing.
    """
    if bars.empty:
        return 0
    rows = _bar_rows(bars)
    use_copy = bars_upsert_uses_copy() if copy is None else copy
    if use_copy:
        if not bars_upsert_uses_copy():
            raise ValueError("The COPY upsert needs PostgreSQL.")
        _bars_copy_upsert(rows)
    else:
        PriceBar.objects.bulk_create(
            [PriceBar(**dict(zip(BAR_COLUMNS, row, strict=True))) for row in rows],
            batch_size=batch_size,
            update_conflicts=True,
            unique_fields=["symbol", "date"],
            update_fields=_BAR_UPDATE_FIELDS,
        )
    responses_invalidate()  # prices are in every cached response
    return len(rows)


#: The bar columns' SQL types, in ``BAR_COLUMNS`` order (the COPY load table).
_BAR_SQL_TYPES = {
    "symbol": "varchar(32)",
    "date": "date",
    **dict.fromkeys(("open", "high", "low", "close", "adjusted_close"), "double precision"),
    "volume": "bigint",
    "source": "varchar(16)",
}


def _bars_copy_upsert(rows: list[BarRow]) -> None:
    """PostgreSQL: COPY into a temp table, then one set-based upsert that skips unchanged rows."""
    copy_upsert(
        table=PriceBar._meta.db_table,
        temp="marketdata_pricebar_load",
        columns=_BAR_SQL_TYPES,
        conflict=["symbol", "date"],
        rows=rows,
    )


def macro_upsert(*, series_id: str, values: pd.Series, source: str) -> int:
    """Upserts one macro series (decimal values indexed by date)."""
    objects = [
        MacroSeries(series_id=series_id, date=d, value=float(v), source=source)
        for d, v in values.items()
        if pd.notna(v)
    ]
    MacroSeries.objects.bulk_create(
        objects,
        batch_size=5000,
        update_conflicts=True,
        unique_fields=["series_id", "date"],
        update_fields=["value", "source"],
    )
    responses_invalidate()
    return len(objects)


def _needed_start(
    first: dt.date | None, last: dt.date | None, want_start: dt.date, as_of: dt.date
) -> dt.date | None:
    """The first date to fetch for a symbol, or None when its stored history already covers it."""
    if first is None or last is None:
        return want_start
    if (first - want_start).days > _START_TOLERANCE_DAYS:
        return want_start  # history too short: refetch the whole window (upsert keeps it idempotent)
    if last >= session_on_or_before(as_of):  # a weekend or holiday as_of has no bar of its own
        return None
    return last + dt.timedelta(days=1)


def _failure_reason(exc: Exception) -> str:
    if isinstance(exc, ProviderError):
        return str(exc)
    return f"provider error: {exc.__class__.__name__}: {exc}"


def _history_isolating(
    provider: MarketDataProvider,
    symbols: list[str],
    start: dt.date,
    end: dt.date,
    failures: dict[str, str],
    error: Exception | None = None,
) -> list[HistoryResult]:
    """``provider.history`` for ``symbols``; when the request fails, it is split in halves (recursively)
    so one symbol that breaks a request does not fail the others with it.

    When both halves of a split fail as well, the failure is taken to be provider-wide (network down,
    bad key) and recorded for every symbol, so an outage costs three requests, not 2n - 1.
    Per-symbol reasons are written to ``failures``; nothing is raised.
    """
    if error is None:
        try:
            return [provider.history(symbols, start, end)]
        except ProviderError as exc:
            error = exc
        except Exception as exc:  # noqa: BLE001 - one bad request must not stop the sync
            logger.exception("Provider crashed on %s", symbols)
            error = exc
    if len(symbols) == 1:
        failures[symbols[0]] = _failure_reason(error)
        return []
    mid = len(symbols) // 2
    attempts: list[tuple[list[str], HistoryResult | None, Exception | None]] = []
    for half in (symbols[:mid], symbols[mid:]):
        try:
            attempts.append((half, provider.history(half, start, end), None))
        except Exception as exc:  # noqa: BLE001 - recorded per symbol below
            attempts.append((half, None, exc))
    failed = [(half, err) for half, _, err in attempts if err is not None]
    if len(failed) == len(attempts):
        for half, err in failed:
            for symbol in half:
                failures[symbol] = _failure_reason(err)
        return []
    results: list[HistoryResult] = []
    for half, result, half_error in attempts:
        if result is not None:
            results.append(result)
        else:
            results.extend(_history_isolating(provider, half, start, end, failures, half_error))
    return results


def securities_enrich(*, symbols: Iterable[str], provider: MarketDataProvider, refresh: bool = False) -> int:
    """Fills the security master (name, type, sector, industry, exchange, market cap) from the provider."""
    symbols = sorted(set(symbols))
    if not refresh:
        known = set(
            Security.objects.filter(symbol__in=symbols).exclude(name="").values_list("symbol", flat=True)
        )
        symbols = [s for s in symbols if s not in known]
    if not symbols:
        return 0
    try:
        result = provider.profile(symbols)
    except ProviderError as exc:
        logger.warning("Profile lookup failed: %s", exc)
        return 0
    objects = [
        Security(
            symbol=p.symbol,
            name=p.name,
            asset_type=p.asset_type,
            sector=p.sector,
            industry=p.industry,
            exchange=p.exchange,
            currency=p.currency,
            market_cap=p.market_cap,
            dividend_yield=p.dividend_yield,
            source=provider.name,
        )
        for p in result.profiles.values()
    ]
    Security.objects.bulk_create(
        objects,
        update_conflicts=True,
        unique_fields=["symbol"],
        update_fields=[
            "name",
            "asset_type",
            "sector",
            "industry",
            "exchange",
            "currency",
            "market_cap",
            "dividend_yield",
            "source",
        ],
    )
    return len(objects)


def market_data_sync(
    *,
    symbols: Sequence[str],
    as_of: dt.date,
    provider: MarketDataProvider,
    macro_provider: MarketDataProvider | None = None,
    history_start: dt.date | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    enrich: bool = True,
) -> SyncReport:
    """Fetches and stores what is missing for ``symbols`` up to ``as_of`` (batch engine 1).

    ``history_start``: the earliest date any caller needs (e.g. the earliest position entry);
    the window fetched for a new symbol is [min(history_start, as_of - 2 years), as_of].
    Provider failures are recorded per symbol in the report, never raised: a request that fails is
    halved until the symbol that breaks it is isolated (see :func:`_history_isolating`), so the
    others are still synced. A weekend or holiday ``as_of`` needs no bar of its own.
    """
    symbols = sorted({s.strip().upper() for s in symbols if s and s.strip()})
    report = SyncReport(as_of=as_of, provider=provider.name, symbols_requested=len(symbols))
    want_start = as_of - dt.timedelta(days=BACKFILL_DAYS)
    if history_start is not None:
        want_start = min(want_start, history_start)

    stored = {
        row["symbol"]: (row["first"], row["last"])
        for row in PriceBar.objects.filter(symbol__in=symbols)
        .values("symbol")
        .annotate(first=Min("date"), last=Max("date"))
    }
    by_start: dict[dt.date, list[str]] = {}
    for symbol in symbols:
        first, last = stored.get(symbol, (None, None))
        start = _needed_start(first, last, want_start, as_of)
        if start is None:
            report.symbols_up_to_date += 1
        else:
            by_start.setdefault(start, []).append(symbol)

    chunks = [
        (start, group[i : i + CHUNK_SIZE])
        for start, group in sorted(by_start.items())
        for i in range(0, len(group), CHUNK_SIZE)
    ]
    for done, (start, chunk) in enumerate(chunks, start=1):
        returned: set[str] = set()
        for result in _history_isolating(provider, chunk, start, as_of, report.failures):
            report.failures.update(result.missing)
            with transaction.atomic():
                report.bars_written += bars_upsert(bars=result.bars)
            if not result.bars.empty:
                returned.update(result.bars["symbol"].unique())
        for symbol in chunk:
            if symbol in returned:
                report.symbols_synced += 1
            elif symbol not in report.failures:
                report.failures[symbol] = "no bars returned for the requested window"
        if on_progress:
            on_progress(done, len(chunks))

    if macro_provider is not None:
        report.macro_points_written = macro_series_sync(
            provider=macro_provider, start=want_start, as_of=as_of, failures=report.failures
        )
    if enrich:
        report.securities_enriched = securities_enrich(
            symbols=[s for s in symbols if s not in report.failures], provider=provider
        )
    return report


def macro_series_sync(
    *,
    provider: MarketDataProvider,
    start: dt.date,
    as_of: dt.date,
    failures: dict[str, str],
    series_ids: Sequence[str] = MACRO_SERIES,
) -> int:
    """Fetches the macro series (decimal yields) from the last stored date on."""
    written = 0
    last_dates = dict(
        MacroSeries.objects.filter(series_id__in=series_ids)
        .values("series_id")
        .annotate(last=Max("date"), first=Min("date"))
        .values_list("series_id", "last")
    )
    firsts = dict(
        MacroSeries.objects.filter(series_id__in=series_ids)
        .values("series_id")
        .annotate(first=Min("date"))
        .values_list("series_id", "first")
    )
    for series_id in series_ids:
        fetch_from = _needed_start(firsts.get(series_id), last_dates.get(series_id), start, as_of)
        if fetch_from is None:
            continue
        try:
            values = provider.series(series_id, fetch_from, as_of)
        except (ProviderError, KeyError) as exc:
            failures[series_id] = str(exc)
            continue
        with transaction.atomic():
            written += macro_upsert(series_id=series_id, values=values, source=provider.name)
    return written
