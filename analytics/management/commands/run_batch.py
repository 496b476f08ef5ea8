"""manage.py run_batch [--as-of DATE] [--portfolio ID ...] [--engines a,b]

Runs the pipeline in this process with a progress bar, then prints a per-engine summary table.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from analytics.batch.registry import ENGINE_NAMES
from analytics.batch.services import batch_run_create, batch_run_execute
from analytics.services.alerts_hook import after_batch
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
        after_batch(run=run)
        self._summary(run)

    def _summary(self, run: Any) -> None:
        rows: dict[str, dict[str, Any]] = defaultdict(lambda: {"ok": 0, "failed": 0, "ms": 0.0, "error": ""})
        seen_chunks: set[tuple[str, Any]] = set()
        for engine, status, ms, started, error in run.steps.values_list(
            "engine", "status", "duration_ms", "started_at", "error"
        ):
            row = rows[engine]
            row["ok" if status in ("succeeded", "partial") else "failed"] += 1
            if (engine, started) not in seen_chunks:  # steps of one chunk share its timing
                seen_chunks.add((engine, started))
                row["ms"] += ms or 0.0
            if error and not row["error"]:
                row["error"] = error[:80]
        self.stdout.write(f"\nBatch {run.id} as of {run.as_of_date}: {run.status}")
        self.stdout.write(f"{'engine':<14}{'ok':>6}{'failed':>8}{'seconds':>10}  first error")
        for engine in run.engines:
            row = rows.get(engine)
            if row is None:
                continue
            self.stdout.write(
                f"{engine:<14}{row['ok']:>6}{row['failed']:>8}{row['ms'] / 1000:>10.2f}  {row['error']}"
            )
