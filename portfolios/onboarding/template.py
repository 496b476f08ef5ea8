"""The positions CSV template (GET /portfolio/templates): the header and example rows."""

from __future__ import annotations

import csv
import io

from portfolios.csv_import.columns import COLUMNS
from sigmasight.api.csv_safety import csv_safe

#: The example rows of the template: long stocks, a short, a bull call spread (two OCC legs), cash.
TEMPLATE_ROWS: tuple[tuple[str, ...], ...] = (
    ("AAPL", "100", "225.50", "2025-03-03", "Core Holdings,Tech Growth", "", "", ""),
    ("MSFT", "50", "410.25", "2025-03-03", "Core Holdings", "", "", ""),
    ("TSLA", "-25", "260.00", "2025-06-02", "Hedges", "", "", ""),
    ("AAPL  270115C00230000", "2", "12.50", "2025-09-02", "", "AAPL bull call spread", "", ""),
    ("AAPL  270115C00250000", "-2", "6.10", "2025-09-02", "", "AAPL bull call spread", "", ""),
    ("NFLX", "30", "95.00", "2025-01-06", "", "", "2025-05-01", "110.00"),
    ("CASH", "25000", "1", "2025-03-03", "", "", "", ""),
)
TEMPLATE_FILENAME = "sigmasight_positions_template.csv"


def template_csv() -> str:
    """The template's text: the header and the example rows, every text cell through csv_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in TEMPLATE_ROWS:
        writer.writerow(_safe(row))
    return buffer.getvalue()


def _safe(row: tuple[str, ...]) -> list[str]:
    """Text cells through csv_safe; the numeric cells (quantity, prices) are numbers, left alone."""
    numeric = {COLUMNS.index(c) for c in ("quantity", "entry_price", "exit_price")}
    return [cell if i in numeric else csv_safe(cell) for i, cell in enumerate(row)]
