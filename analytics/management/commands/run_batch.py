"""manage.py run_batch [--as-of DATE] [--portfolio ID ...] [--engines a,b]

Runs the pipeline in this process with a progress bar, then prints a per-engine summary table.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.batch.registry import ENGINE_NAMES
from analytics.batch.selectors import engine_summaries
from analytics.batch.services import batch_run_create, batch_run_execute
from marketdata.providers.registry import market_as_of


class Command(BaseCommand):
    help = "Run the batch engines for an as-of date (default: the last closed NYSE session)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--as-of", type=dt.date.fromisoformat, default=None)
        parser.add_argument("--portfolio", action="append", default=[], help="Portfolio id (repeatable).")
        parser.add_argument(
            "--engines", default="", help=f"Comma-separated subset of: {', '.join(ENGINE_NAMES)}"
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        as_of = opts["as_of"] or market_as_of()
        engines = [e.strip() for e in opts["engines"].split(",") if e.strip()] or None
        try:
            run = batch_run_create(
                as_of=as_of, engines=engines, portfolio_ids=opts["portfolio"] or None, trigger="command"
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        bar = tqdm(total=1, desc=f"batch {as_of}", unit="step", disable=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.set_postfix_str(label)
            bar.refresh()

        run = batch_run_execute(run=run, on_progress=progress)
        bar.close()
        self._summary(run)

    def _summary(self, run: Any) -> None:
        self.stdout.write(f"\nBatch {run.id} as of {run.as_of_date}: {run.status}")
        self.stdout.write(f"{'engine':<14}{'ok':>6}{'failed':>8}{'seconds':>10}  first error")
        for row in engine_summaries([run])[str(run.id)]:
            if not row["steps"]:
                continue
            ok = row["succeeded"] + row.get("partial", 0)
            error = row["errors"][0]["error"][:80] if row["errors"] else ""
            self.stdout.write(
                f"{row['engine']:<14}{ok:>6}{row['failed']:>8}{row['duration_ms'] / 1000:>10.2f}  {error}"
            )
