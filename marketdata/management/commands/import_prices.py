"""manage.py import_prices FILE

Imports daily bars from a CSV price file (format: :mod:`marketdata.providers.csv_prices`).
All or nothing: when any row is invalid, every bad row is printed as ``row N, field: message`` and
the command fails without writing anything; otherwise all bars are upserted keyed (symbol, date) in
one transaction, so importing the same file again changes nothing. A price file carries no security
master data, so nothing is enriched.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from marketdata.providers.csv_prices import RowError, parse_price_csv
from marketdata.services import bars_upsert


def format_row_error(error: RowError) -> str:
    """One problem as a line: ``row 3, high: high 9 is below low 10`` (``file`` for whole-file errors)."""
    where = "file" if error["row"] is None else f"row {error['row']}"
    field = error["field"] or "row"
    return f"{where}, {field}: {error['message']}"


class Command(BaseCommand):
    help = "Import daily bars from a CSV file (symbol,date,close[,open,high,low,adjusted_close,volume]); all or nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Path to a UTF-8 CSV price file.")

    def handle(self, *args: Any, **opts: Any) -> None:
        path: Path = opts["file"]
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        parsed = parse_price_csv(data)
        if parsed.errors:
            for error in parsed.errors:
                self.stderr.write(format_row_error(error))
            rows = {e["row"] for e in parsed.errors}
            raise CommandError(
                f"{path.name}: {len(parsed.errors)} error(s) in {len(rows)} row(s); nothing was imported."
            )
        bars = parsed.bars
        if bars.empty:
            raise CommandError(f"{path.name}: no price rows; nothing was imported.")
        with transaction.atomic():
            written = bars_upsert(bars=bars)
        symbols = bars["symbol"].nunique()
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {written} bars for {symbols} symbol(s) from {path.name} "
                f"({bars['date'].min()} to {bars['date'].max()})."
            )
        )
