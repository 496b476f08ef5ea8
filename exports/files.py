"""An export file (bytes, generated name, media type) and how its name is made.

Names never come from user input beyond the slugified portfolio name:
``<kind>-<portfolio-slug>-<as_of or UTC stamp>.<ext>`` (ASCII letters, digits, ``-`` and ``.``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.text import slugify

__all__ = ["CONTENT_TYPES", "ExportFile", "export_filename"]

#: Media type of each export format.
CONTENT_TYPES: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "fix": "application/octet-stream",
}
_SLUG_MAX = 50


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str

    @property
    def size_bytes(self) -> int:
        return len(self.content)


def export_filename(*, kind: str, name: str | None, stamp: dt.date | dt.datetime, extension: str) -> str:
    """``portfolio-growth-book-2026-11-20.xlsx``; a datetime stamp is written in UTC as
    ``20261120T160500Z``; a name with nothing left after slugifying is left out."""
    slug = slugify(name or "")[:_SLUG_MAX].strip("-")
    if isinstance(stamp, dt.datetime):
        text = stamp.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    else:
        text = stamp.isoformat()
    return "-".join(part for part in (kind, slug, text) if part) + f".{extension}"
