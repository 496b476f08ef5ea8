"""Report benchmark: the full risk report of the hedge-fund demo portfolio as PDF (target < 5 s),
split into gathering the numbers (the analytics selectors), rendering (charts + reportlab) and the
whole service path (``report_run``: gather, render, store the file, record the export).

Usage:
    .venv/bin/python bench/reports.py [--repeat 3] [--format pdf] [--template full] [--database-url URL]

Database: a throwaway SQLite file (default /tmp/sigmasight-bench-reports.sqlite3), migrated and
seeded with ``seed_demo`` (synthetic market data as of SYNTHETIC_AS_OF, default 2026-11-20) when
the demo is not there yet; files go to a temporary MEDIA_ROOT. Prints the best and median times.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "sqlite:////tmp/sigmasight-bench-reports.sqlite3"
DEMO_PORTFOLIO = "Demo Hedge Fund Style Investor Portfolio"


def demo_setup(url: str = DEFAULT_URL) -> Any:
    """Django on ``url`` with the demo seeded (idempotent); returns the hedge-fund portfolio."""
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "sigmasight.settings.local"
    os.environ.setdefault("DJANGO_DEBUG", "0")
    os.environ.setdefault("SYNTHETIC_AS_OF", "2026-11-20")
    os.environ.setdefault("MARKET_DATA_PROVIDER", "synthetic")
    os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="sigmasight-bench-media-"))
    import django

    django.setup()
    from django.core.management import call_command

    from portfolios.models import Portfolio

    call_command("migrate", verbosity=0)
    if not Portfolio.objects.filter(name=DEMO_PORTFOLIO).exists():
        call_command("seed_demo", stdout=io.StringIO())
    return Portfolio.objects.select_related("owner").get(name=DEMO_PORTFOLIO)


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, value = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), value


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--template", default="full", choices=["full", "risk_summary", "performance"])
    parser.add_argument("--format", default="pdf", choices=["pdf", "html", "json", "csv"])
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    args = parser.parse_args()
    portfolio = demo_setup(args.database_url)

    from exports.reports.content import report_content
    from exports.reports.services import RENDERERS, report_create, report_run

    render = RENDERERS[args.format][0]

    def gather() -> Any:
        return report_content(portfolio=portfolio, user=portfolio.owner, template=args.template)

    def end_to_end() -> Any:
        report = report_create(
            user=portfolio.owner, portfolio=portfolio, template=args.template, format=args.format
        )
        return report_run(report_id=report.id)

    gather_best, gather_median, content = timed(gather, args.repeat)
    render_best, render_median, data = timed(lambda: render(content), args.repeat)
    run_best, run_median, report = timed(end_to_end, args.repeat)
    assert report.status == "succeeded", report.error
    print(
        f"{args.template}.{args.format} report of {portfolio.name} as of {content.as_of_date} ({len(data):,} bytes)"
    )
    print(f"{'step':<28}{'best s':>9}{'median s':>10}")
    print(f"{'gather (selectors)':<28}{gather_best:>9.3f}{gather_median:>10.3f}")
    print(f"{'render':<28}{render_best:>9.3f}{render_median:>10.3f}")
    print(f"{'report_run (end to end)':<28}{run_best:>9.3f}{run_median:>10.3f}")
    verdict = "OK" if run_median < 5.0 else "SLOWER THAN"
    print(f"target < 5 s end to end: {verdict} ({run_median:.2f} s median)")


if __name__ == "__main__":
    main()
