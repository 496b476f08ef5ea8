"""The export history (GET /export/history): every file a user took out is recorded once.

:func:`export_record_create` is the one write (portfolio exports, trade lists; reports record
theirs with ``report=``); :func:`export_history_list` the owner-scoped read.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from exports.files import ExportFile
from exports.models import ExportKind, ExportRecord, Report
from portfolios.models import Portfolio

__all__ = ["export_history_list", "export_record_create"]


def export_record_create(
    *,
    owner: Any,
    kind: ExportKind | str,
    file_format: str,
    file: ExportFile,
    portfolio: Portfolio | None = None,
    report: Report | None = None,
) -> ExportRecord:
    """Records one download: its kind, format, generated filename and size in bytes."""
    return ExportRecord.objects.create(
        owner=owner,
        portfolio=portfolio,
        kind=str(kind),
        format=file_format,
        filename=file.filename,
        size_bytes=file.size_bytes,
        report=report,
    )


def export_history_list(
    *, user: Any, portfolio: Portfolio | None = None, kind: str | None = None
) -> QuerySet[ExportRecord]:
    """The user's exports, newest first, optionally of one portfolio (already owner-checked) and kind."""
    qs = ExportRecord.objects.filter(owner=user)
    if portfolio is not None:
        qs = qs.filter(portfolio=portfolio)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("-created_at", "-id")
