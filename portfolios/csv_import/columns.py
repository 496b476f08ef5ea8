"""The columns, limits and number formats of the positions CSV (see :mod:`portfolios.csv_import`)."""

from __future__ import annotations

import re

REQUIRED_COLUMNS: tuple[str, ...] = ("ticker", "quantity", "entry_price", "entry_date")
OPTIONAL_COLUMNS: tuple[str, ...] = ("tags", "strategy", "exit_date", "exit_price")
COLUMNS: tuple[str, ...] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
CASH_TICKER = "CASH"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ROWS = 10_000
#: Decimal places the position columns store (Position: max_digits=20, decimal_places=6).
MAX_DECIMALS = 6
MAX_INTEGER_DIGITS = 14
CASH_DECIMALS = 2


def normalize_column(name: str) -> str:
    """``" Entry Price "`` -> ``entry_price``: case, blanks and hyphens do not matter."""
    return re.sub(r"[\s\-]+", "_", name.replace("\ufeff", "").strip().lower())
