"""CSV formula injection: neutralize text before it is written to a CSV file a spreadsheet may open.

A spreadsheet evaluates a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK("http://evil", "click")``, ``=cmd|' /C calc'!A0``), and some also after a leading tab
or carriage return. Imported text (tags, strategy names, descriptions) is user input, so every CSV
writer passes text cells through :func:`csv_safe`, which prefixes a single quote: the spreadsheet
then shows the text as typed instead of running it (OWASP "CSV Injection").

Numbers are left alone: a negative quantity ``-100`` written as a number is not a formula, and
:func:`csv_safe` only touches ``str`` values.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: First characters that make a spreadsheet treat a cell as a formula (or smuggle one in).
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """``value`` with a leading ``'`` when it is text starting with ``= + - @``, a tab or a CR.

    Non-text values (numbers, dates, None) are returned unchanged, so numeric cells stay numeric.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe_row(values: Iterable[Any]) -> list[Any]:
    """:func:`csv_safe` applied to every cell of a row (for ``csv.writer.writerow``)."""
    return [csv_safe(value) for value in values]


__all__ = ["FORMULA_PREFIXES", "csv_safe", "csv_safe_row"]
