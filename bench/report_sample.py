"""Renders docs/report-sample.png: page 1 of the full PDF risk report of the hedge-fund demo
portfolio (``pdftoppm -png -r 80 -f 1 -l 1``), on a throwaway SQLite demo database.

Usage:
    .venv/bin/python bench/report_sample.py [--out docs/report-sample.png] [--pdf /tmp/report-sample.pdf] [--pages]

``--pages`` also writes every page as /tmp/report-sample-<n>.png, to look at the rest of the report.
Needs poppler-utils (``pdftoppm``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

from reports import DEFAULT_URL, ROOT, demo_setup


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", default=str(ROOT / "docs" / "report-sample.png"))
    parser.add_argument("--pdf", default="/tmp/report-sample.pdf")
    parser.add_argument("--pages", action="store_true")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm not found: apt-get install -y poppler-utils")
    portfolio = demo_setup(args.database_url)

    from exports.reports.content import report_content
    from exports.reports.pdf import render_pdf

    content = report_content(portfolio=portfolio, user=portfolio.owner, template="full")
    Path(args.pdf).write_bytes(render_pdf(content))
    out = Path(args.out)
    stem = str(out.with_suffix(""))
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", args.pdf, stem], check=True
    )
    print(f"{out} (page 1 of {args.pdf}, as of {content.as_of_date})")
    if args.pages:
        subprocess.run(["pdftoppm", "-png", "-r", "80", args.pdf, "/tmp/report-sample"], check=True)
        print("all pages: /tmp/report-sample-<n>.png")


if __name__ == "__main__":
    main()
