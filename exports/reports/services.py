"""Report lifecycle: create (a Report and its Job), run (gather, render, store through Django's
default storage, record the ExportRecord), fail cleanly.

A run that cannot find the portfolio's batch results fails with the 422 message
(``INSUFFICIENT_DATA: ...``) on the Job and the Report, and writes no file. A section the batch
has not produced (see :mod:`.content`) leaves the Job ``partial`` with the section in ``errors``;
the report still says what is missing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from exports.models import ExportKind, ExportRecord, Report, ReportSchedule, ReportStatus
from exports.reports.content import ReportContent, report_content
from exports.reports.html import render_html
from exports.reports.pdf import render_pdf
from exports.reports.tabular import render_csv, render_json
from portfolios.models import Portfolio
from sigmasight.api.exceptions import InsufficientData
from sigmasight.celery import task_signature
from sigmasight.system.models import Job, JobStatus
from sigmasight.system.services import job_create, job_finish, job_progress, job_start

logger = logging.getLogger(__name__)

REPORT_JOB_TYPE = "report"
REPORT_TASK = "exports.report_run"

#: format -> (renderer, content type, file extension)
RENDERERS: dict[str, tuple[Callable[[ReportContent], bytes], str, str]] = {
    "pdf": (render_pdf, "application/pdf", "pdf"),
    "html": (render_html, "text/html; charset=utf-8", "html"),
    "json": (render_json, "application/json", "json"),
    "csv": (render_csv, "text/csv; charset=utf-8", "csv"),
}


def download_url(report_id: Any) -> str:
    return f"/api/v1/export/reports/{report_id}/download"


def content_type_of(report: Report) -> str:
    return RENDERERS[report.format][1]


def report_create(
    *, user: Any, portfolio: Portfolio, template: str, format: str, schedule: ReportSchedule | None = None
) -> Report:
    """A queued Report of ``portfolio`` with its queued Job (``job_type`` ``report``)."""
    with transaction.atomic():
        report = Report(
            owner=user,
            portfolio=portfolio,
            portfolio_name=portfolio.name,
            template=template,
            format=format,
            schedule=schedule,
        )
        report.job = job_create(
            job_type=REPORT_JOB_TYPE,
            owner=user,
            params={
                "report_id": str(report.id),
                "portfolio_id": str(portfolio.id),
                "template": template,
                "format": format,
                "schedule_id": str(schedule.id) if schedule else None,
            },
        )
        report.save()
    return report


def report_generate(*, user: Any, portfolio: Portfolio, template: str, format: str) -> Report:
    """Creates the report and queues its run once the transaction commits (in-process when
    Celery is eager)."""
    report = report_create(user=user, portfolio=portfolio, template=template, format=format)
    transaction.on_commit(partial(report_send, report_id=report.id))
    return report


def report_send(*, report_id: uuid.UUID) -> None:
    """Sends the run task; a broker failure fails the report and its Job with the reason."""
    try:
        task_signature(REPORT_TASK, str(report_id)).apply_async()
    except Exception as exc:  # noqa: BLE001 - e.g. the broker is down: recorded on the Job
        report = Report.objects.select_related("job").filter(pk=report_id).first()
        if report is not None and report.status == ReportStatus.QUEUED:
            _fail(report, f"SERVICE_UNAVAILABLE: the report could not be queued ({type(exc).__name__}).")


def _fail(report: Report, message: str, details: dict[str, Any] | None = None) -> None:
    report.status = ReportStatus.FAILED
    report.error = message
    report.finished_at = timezone.now()
    report.save(update_fields=["status", "error", "finished_at"])
    if report.job is not None:
        errors = [
            {"report_id": str(report.id), "message": message, **({"details": details} if details else {})}
        ]
        job_finish(job=report.job, status=JobStatus.FAILED, error=message, errors=errors)


def _file_name(report: Report, content: ReportContent, ext: str) -> str:
    slug = slugify(report.portfolio_name)[:40] or "portfolio"
    return f"report-{slug}-{content.as_of_date.isoformat()}-{report.id}.{ext}"


def _store(report: Report, content: ReportContent, data: bytes, ext: str) -> ExportRecord:
    """Saves the file through the default storage and records the report as done."""
    report.file.save(_file_name(report, content, ext), ContentFile(data), save=False)
    try:
        with transaction.atomic():
            report.status = ReportStatus.SUCCEEDED
            report.size_bytes = len(data)
            report.as_of_date = content.as_of_date
            report.finished_at = timezone.now()
            report.error = ""
            report.save(update_fields=["file", "status", "size_bytes", "as_of_date", "finished_at", "error"])
            return ExportRecord.objects.create(
                owner=report.owner,
                portfolio=report.portfolio,
                kind=ExportKind.REPORT,
                format=report.format,
                filename=report.file.name.rsplit("/", 1)[-1],
                size_bytes=len(data),
                report=report,
            )
    except Exception:
        report.file.delete(save=False)
        raise


def report_run(*, report_id: Any) -> Report | None:
    """Runs a queued report (the task body). Returns it in its final state (None if unknown)."""
    report = Report.objects.select_related("portfolio", "owner", "job").filter(pk=report_id).first()
    if report is None or report.status != ReportStatus.QUEUED:
        return report
    job: Job | None = report.job
    if job is not None and job.status == JobStatus.CANCELLED:
        _fail(report, "CANCELLED: the job was cancelled before it ran.")
        return report
    report.status = ReportStatus.RUNNING
    report.save(update_fields=["status"])
    if job is not None:
        job_start(job=job)
    if report.portfolio is None:
        _fail(report, "NOT_FOUND: the portfolio of this report was deleted.")
        return report

    def progress(percent: float) -> None:
        if job is not None:
            job_progress(job=job, percent=percent)

    try:
        content = report_content(
            portfolio=report.portfolio, user=report.owner, template=report.template, progress=progress
        )
        render, _content_type, ext = RENDERERS[report.format]
        data = render(content)
        progress(90)
        _store(report, content, data, ext)
    except InsufficientData as exc:
        _fail(report, f"INSUFFICIENT_DATA: {exc.message}", exc.details)
        return report
    except Exception as exc:
        logger.exception("Report %s failed", report.id)
        _fail(report, f"INTERNAL_ERROR: the report could not be produced ({type(exc).__name__}).")
        return report
    if job is not None:
        errors = [{"section": s, "message": m} for s, m in content.unavailable.items()]
        job_finish(
            job=job,
            status=JobStatus.PARTIAL if errors else JobStatus.SUCCEEDED,
            result={
                "report_id": str(report.id),
                "download_url": download_url(report.id),
                "format": report.format,
                "size_bytes": report.size_bytes,
                "as_of_date": content.as_of_date.isoformat(),
                "unavailable_sections": sorted(content.unavailable),
            },
            errors=errors,
        )
    return report
