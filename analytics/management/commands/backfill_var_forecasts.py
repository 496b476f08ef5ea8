"""manage.py backfill_var_forecasts [--portfolio ID ...] [--as-of DATE] [--days N] [--recompute]

Stores the one-day VaR forecasts (historical and parametric, 95 % and 99 %) of every snapshot day
of the portfolios that lacks them, computed as each day's batch would have
(``analytics.services.var_forecasts``), with a progress bar. Idempotent: a second run finds no
missing day; ``--recompute`` recomputes the stored days too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.services.var_forecasts import (
    last_snapshot_date,
    var_forecasts_backfill,
    var_forecasts_missing_days,
)
from portfolios.models import Portfolio


class Command(BaseCommand):
    help = "Backfill the stored VaR forecasts the /backtest endpoint reads."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--portfolio", action="append", default=[], help="Portfolio id (repeatable).")
        parser.add_argument(
            "--as-of", type=dt.date.fromisoformat, default=None, help="Last day (default: the last snapshot)."
        )
        parser.add_argument("--days", type=int, default=None, help="Only the last N snapshot days.")
        parser.add_argument("--recompute", action="store_true", help="Recompute the days already stored.")

    def handle(self, *args: Any, **opts: Any) -> None:
        ids = [
            str(p)
            for p in Portfolio.objects.filter(
                **({"id__in": opts["portfolio"]} if opts["portfolio"] else {})
            ).values_list("id", flat=True)
        ]
        if opts["portfolio"] and len(ids) != len(set(opts["portfolio"])):
            raise CommandError("Unknown portfolio id.")
        as_of = opts["as_of"] or last_snapshot_date(portfolio_ids=ids)
        if as_of is None:
            raise CommandError("No snapshots yet: run the batch (manage.py run_batch) first.")
        if opts["days"] is not None and opts["days"] < 1:
            raise CommandError("--days must be at least 1.")
        plan = var_forecasts_missing_days(
            portfolio_ids=ids, as_of=as_of, max_days=opts["days"], recompute=opts["recompute"]
        )
        bar = tqdm(total=len(plan), desc=f"VaR forecasts to {as_of}", unit="day", disable=None)
        result = var_forecasts_backfill(
            portfolio_ids=ids,
            as_of=as_of,
            max_days=opts["days"],
            recompute=opts["recompute"],
            progress=lambda _day: bar.update(1),
        )
        bar.close()
        self.stdout.write(
            f"{result.counts['days']} days, {result.counts['forecasts']} forecasts written for "
            f"{len(ids)} portfolios up to {as_of}."
        )
        for pid, error in sorted(result.failures.items()):
            self.stderr.write(f"failed {pid}: {error}")
