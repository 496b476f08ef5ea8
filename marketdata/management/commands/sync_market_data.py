"""manage.py sync_market_data [--as-of DATE] [--symbols A,B] [--start DATE]

Syncs the given symbols (default: every known security plus the factor and macro ETFs) and the macro
series up to the as-of date, with a progress bar; prints what was written and what failed.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from marketdata import selectors
from marketdata.providers.registry import get_macro_provider, get_provider, market_as_of
from marketdata.services import market_data_sync


class Command(BaseCommand):
    help = "Fetch missing daily bars and macro series up to the as-of date (idempotent)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--symbols", default="", help="Comma-separated symbols (default: all known).")
        parser.add_argument("--start", type=dt.date.fromisoformat, default=None, help="Earliest date needed.")

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = opts["as_of"] or market_as_of()
        symbols = [s for s in opts["symbols"].split(",") if s.strip()] or selectors.sync_universe()
        if not symbols:
            raise CommandError("No symbols to sync: pass --symbols or seed securities first.")
        bar = tqdm(total=1, desc="market data", unit="chunk", disable=None)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        report = market_data_sync(
            symbols=symbols,
            as_of=as_of,
            provider=get_provider(),
            macro_provider=get_macro_provider(),
            history_start=opts["start"],
            on_progress=progress,
        )
        bar.close()
        summary = report.as_dict()
        self.stdout.write(
            f"as of {summary['as_of_date']} from {summary['provider']}: {summary['symbols_synced']} synced, "
            f"{summary['symbols_up_to_date']} up to date, {summary['bars_written']} bars and "
            f"{summary['macro_points_written']} macro points written, "
            f"{summary['securities_enriched']} securities enriched"
        )
        for failure in summary["failures"]:  # type: ignore[union-attr]
            self.stdout.write(self.style.WARNING(f"  {failure['symbol']}: {failure['reason']}"))
