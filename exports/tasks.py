"""Celery tasks of the exports app: ids in, one service call each."""

from __future__ import annotations

from celery import shared_task

from exports.reports.schedules import schedule_run
from exports.reports.services import report_run


@shared_task(name="exports.report_run")
def report_run_task(report_id: str) -> str | None:
    """Gathers, renders and stores a queued report; returns its final status."""
    report = report_run(report_id=report_id)
    return report.status if report is not None else None


@shared_task(name="exports.report_schedule_run")
def report_schedule_run_task(schedule_id: str) -> str | None:
    """The celery-beat entry of a report schedule; returns the id of the report it stored."""
    report = schedule_run(schedule_id=schedule_id)
    return str(report.id) if report is not None else None
