"""The JSON and CSV reports: the sections' raw numbers (the API's shapes and units, unrounded
beyond what the API rounds).

JSON: ``{"report": {template, name, portfolio: {id, name, currency}, as_of_date, data_source,
generated_at, sections: [..], unavailable: {section: reason}, conventions: {..}}, "sections":
{section id: the data, as the matching API endpoint returns it}}``.

CSV: one long table with the header ``section,item,metric,value``. ``section`` is the section id
(``report`` for the metadata rows); ``metric`` is the dotted JSON path of the number inside the
section (``exposures.long.value``); ``item`` names the list element the number belongs to (a
position's symbol, a scenario id, a factor name, a date, ``historical 0.95 1d`` for a VaR entry;
nested lists join with ``/``), empty for a section-level figure. Lists of plain values are joined
with ``;``, null is an empty cell; text cells are neutralized against spreadsheet formulas.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from exports.reports.content import ReportContent
from sigmasight.api.csv_safety import csv_safe_row
from sigmasight.api.renderers import JSONRenderer, format_timestamp

CSV_HEADER = ("section", "item", "metric", "value")
_ITEM_KEYS = ("symbol", "underlying", "factor", "key", "date", "id", "name")


def report_document(content: ReportContent) -> dict[str, Any]:
    """The JSON report as a dict."""
    return {
        "report": {
            "template": content.template,
            "name": content.title,
            "portfolio": content.portfolio,
            "as_of_date": content.as_of_date.isoformat(),
            "data_source": content.data_source,
            "generated_at": format_timestamp(content.generated_at),
            "sections": list(content.sections),
            "unavailable": content.unavailable,
            "conventions": content.conventions,
        },
        "sections": content.sections,
    }


def render_json(content: ReportContent) -> bytes:
    """UTF-8 JSON, encoded like the API's responses (timestamps ``...Z``, non-finite -> null)."""
    return JSONRenderer().render(report_document(content))


def _item_of(row: dict[str, Any]) -> str:
    if "method" in row and "confidence" in row:
        return f"{row['method']} {row['confidence']} {row.get('horizon_days', '')}d"
    for key in _ITEM_KEYS:
        if row.get(key) not in (None, ""):
            return str(row[key])
    return ""


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return format_timestamp(value) if hasattr(value, "hour") else value.isoformat()
    return value


def _walk(item: str, path: str, value: Any) -> Iterator[tuple[str, str, Any]]:
    if isinstance(value, dict):
        for key, child in value.items():
            yield from _walk(item, f"{path}.{key}" if path else str(key), child)
    elif isinstance(value, (list, tuple)):
        if all(not isinstance(v, (dict, list, tuple)) for v in value):
            yield item, path, ";".join(str(_scalar(v)) for v in value)
        else:
            for row in value:
                name = _item_of(row) if isinstance(row, dict) else ""
                yield from _walk(f"{item}/{name}" if item else name, path, row)
    else:
        yield item, path, _scalar(value)


def csv_rows(content: ReportContent) -> Iterator[list[Any]]:
    """The CSV report's rows after the header."""
    document = report_document(content)
    for _item, metric, value in _walk(
        "", "", {k: v for k, v in document["report"].items() if k != "conventions"}
    ):
        yield ["report", "", metric, value]
    for section, data in content.sections.items():
        for item, metric, value in _walk("", "", data):
            yield [section, item, metric, value]


def render_csv(content: ReportContent) -> bytes:
    """UTF-8 CSV (``section,item,metric,value``)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in csv_rows(content):
        writer.writerow(csv_safe_row(row))
    return buffer.getvalue().encode("utf-8")
