"""Benchmark: the market-data sync of 500 symbols x 2 years into PostgreSQL.

    .venv/bin/python bench/marketdata.py [--symbols 500] [--as-of 2026-11-20] [--keep]

Uses ``sigmasight.settings.local`` with ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/sigmasight_bench``); the database is created and migrated if
needed, and the bench's rows are deleted before (and, unless ``--keep``, after) the run.

The synthetic universe has ~190 instruments, so the 500 symbols are every stock, ETF, fund and index
of the universe plus listed OCC options on universe underlyings (priced by the provider's
Black-Scholes model on a smile), i.e. 500 distinct simulated series. The provider is wrapped to time
bar generation separately from the database work (upserts and the sync's own queries).

Runs: 1) cold sync (every symbol new: 2-year backfill); 2) the same sync again (idempotent no-op);
3) ``bars_upsert`` of the same 2 years again, unchanged then changed values (the upsert-over-existing
path); 4) unless ``--no-compare-bulk``, the ``bulk_create`` path (used on SQLite) on the same rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/sigmasight_bench"


def database_ensure(url: str) -> None:
    """Creates the PostgreSQL database named in ``url`` when it does not exist."""
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def django_setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sigmasight.settings.local"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def bench_symbols(count: int, as_of: dt.date) -> tuple[list[str], int]:
    """``count`` symbols: the universe (options excluded) then OCC options on its underlyings.

    Options: per optionable underlying, an at-the-money call and a 90%-moneyness put expiring on the
    third Friday two months after ``as_of`` (strikes on the listed grid). Returns (symbols, options).
    """
    from marketdata.providers.calendar import add_months, third_friday
    from marketdata.providers.synthetic import SyntheticProvider
    from marketdata.providers.synthetic_universe import load_universe

    universe = load_universe()
    plain = sorted(universe)[:count]
    if len(plain) >= count:
        return plain, 0
    provider = SyntheticProvider(as_of=as_of, seed=42)
    optionable = [s for s in plain if universe[s].asset_type != "mutual_fund"]
    spot = provider.history(optionable, as_of, as_of).bars.set_index("symbol")["close"]
    month = add_months(as_of, 2)
    expiry = third_friday(month.year, month.month)
    options: list[str] = []
    for moneyness, kind in ((1.0, "C"), (0.9, "P"), (1.1, "C"), (0.8, "P")):
        for symbol in optionable:
            price = float(spot[symbol]) * moneyness
            step = 1 if price < 100 else 5
            strike = max(step, round(price / step) * step)
            root = symbol.replace("-", "").replace(".", "")[:6]
            options.append(f"{root:<6}{expiry:%y%m%d}{kind}{int(strike * 1000):08d}")
            if len(plain) + len(options) == count:
                return plain + options, len(options)
    raise SystemExit(f"cannot build {count} symbols from the universe")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--symbols", type=int, default=500)
    parser.add_argument("--as-of", type=dt.date.fromisoformat, default=dt.date(2026, 11, 20))
    parser.add_argument("--keep", action="store_true", help="Keep the bench rows in the database.")
    parser.add_argument(
        "--no-compare-bulk",
        dest="compare_bulk",
        action="store_false",
        help="Skip the bulk_create comparison.",
    )
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    if not url.startswith(("postgres://", "postgresql://")):
        raise SystemExit(f"the bench needs PostgreSQL, got {url}")
    database_ensure(url)
    django_setup(url)

    from django.db import connection, transaction

    from marketdata import services
    from marketdata.models import MacroSeries, PriceBar
    from marketdata.providers.base import HistoryResult, MarketDataProvider
    from marketdata.providers.synthetic import SyntheticProvider

    class TimedProvider(MarketDataProvider):
        """Delegates to the synthetic provider and adds up the seconds spent generating data."""

        def __init__(self, inner: MarketDataProvider) -> None:
            self.inner, self.name, self.seconds = inner, inner.name, 0.0

        def _timed(self, fn, *a):  # type: ignore[no-untyped-def]
            t0 = time.perf_counter()
            try:
                return fn(*a)
            finally:
                self.seconds += time.perf_counter() - t0

        def history(self, symbols, start, end) -> HistoryResult:  # type: ignore[no-untyped-def]
            return self._timed(self.inner.history, symbols, start, end)

        def quotes(self, symbols):  # type: ignore[no-untyped-def]
            return self._timed(self.inner.quotes, symbols)

        def profile(self, symbols):  # type: ignore[no-untyped-def]
            return self._timed(self.inner.profile, symbols)

        def series(self, series_id, start, end):  # type: ignore[no-untyped-def]
            return self._timed(self.inner.series, series_id, start, end)

    symbols, n_options = bench_symbols(args.symbols, args.as_of)
    print(
        f"PostgreSQL {connection.pg_version // 10000} at {urlsplit(url).hostname}/{urlsplit(url).path[1:]}; "
        f"as of {args.as_of}; {len(symbols)} symbols = {len(symbols) - n_options} universe instruments "
        f"+ {n_options} OCC options on universe underlyings (distinct series, no aliasing)"
    )
    fast = (
        "COPY + INSERT ... ON CONFLICT"
        if services.bars_upsert_uses_copy()
        else "bulk_create(update_conflicts)"
    )
    print(f"upsert path: {fast}")

    def clean() -> None:
        with transaction.atomic():
            PriceBar.objects.filter(symbol__in=symbols).delete()
            MacroSeries.objects.filter(series_id__in=services.MACRO_SERIES).delete()

    def sync(label: str) -> services.SyncReport:
        provider = TimedProvider(SyntheticProvider(as_of=args.as_of, seed=42))
        t0 = time.perf_counter()
        report = services.market_data_sync(
            symbols=symbols, as_of=args.as_of, provider=provider, macro_provider=provider, enrich=False
        )
        total = time.perf_counter() - t0
        db = total - provider.seconds
        rows = report.bars_written + report.macro_points_written
        print(
            f"{label:<26} {rows:>8} rows  total {total:7.2f} s  provider {provider.seconds:6.2f} s  "
            f"database {db:6.2f} s  "
            + (
                f"{rows / total:>9,.0f} rows/s end to end, {rows / db:>9,.0f} rows/s upserted"
                if rows
                else f"(synced {report.symbols_synced}, up to date {report.symbols_up_to_date})"
            )
        )
        if report.failures:
            print(f"  failures: {dict(list(report.failures.items())[:5])}")
        return report

    def vacuum() -> None:
        with connection.cursor() as cursor:  # autocommit: VACUUM cannot run in a transaction
            cursor.execute(f"VACUUM ANALYZE {PriceBar._meta.db_table}")

    def upsert(label: str, bars: object, *, copy: bool, note: str) -> None:
        t0 = time.perf_counter()
        with transaction.atomic():
            written = services.bars_upsert(bars=bars, copy=copy)  # type: ignore[arg-type]
        seconds = time.perf_counter() - t0
        print(
            f"{label:<26} {written:>8} rows  total {seconds:7.2f} s  {written / seconds:>9,.0f} rows/s  ({note})"
        )

    clean()
    vacuum()
    try:
        sync("cold sync, 2y backfill")
        stored = PriceBar.objects.filter(symbol__in=symbols).count()
        sync("rerun, same as-of")
        assert PriceBar.objects.filter(symbol__in=symbols).count() == stored

        start = args.as_of - dt.timedelta(days=services.BACKFILL_DAYS)
        bars = SyntheticProvider(as_of=args.as_of, seed=42).history(symbols, start, args.as_of).bars
        upsert("re-upsert, same values", bars, copy=True, note="COPY path; unchanged rows are skipped")
        changed = bars.assign(close=bars["close"] * 1.001)
        upsert("re-upsert, changed values", changed, copy=True, note="COPY path; every row updated")
        assert PriceBar.objects.filter(symbol__in=symbols).count() == stored
        if args.compare_bulk:
            clean()
            vacuum()
            upsert("cold bulk_create upsert", bars, copy=False, note="the SQLite path, for comparison")
            upsert("bulk_create, same values", bars, copy=False, note="every row rewritten")
    finally:
        if not args.keep:
            clean()


if __name__ == "__main__":
    main()
