"""Report schedules: each one is a django-celery-beat PeriodicTask on a CrontabSchedule in UTC
that calls ``exports.report_schedule_run`` with the schedule id.

``day_of_week`` is 0 = Monday .. 6 = Sunday (Python's ``weekday()``); cron counts 0 = Sunday, so
the crontab stores ``(day_of_week + 1) % 7``. ``day_of_month`` is 1..28 (every month has it).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from exports.models import Report, ReportFrequency, ReportSchedule
from exports.reports.services import report_create, report_run
from portfolios.models import Portfolio

logger = logging.getLogger(__name__)

SCHEDULE_TASK = "exports.report_schedule_run"
UTC = ZoneInfo("UTC")


def cron_fields(
    *, frequency: str, time: dt.time, day_of_week: int | None, day_of_month: int | None
) -> dict[str, str]:
    """The crontab fields (minute, hour, day_of_week, day_of_month, month_of_year) of a schedule."""
    return {
        "minute": str(time.minute),
        "hour": str(time.hour),
        "day_of_week": str((day_of_week + 1) % 7)
        if frequency == ReportFrequency.WEEKLY and day_of_week is not None
        else "*",
        "day_of_month": str(day_of_month)
        if frequency == ReportFrequency.MONTHLY and day_of_month is not None
        else "*",
        "month_of_year": "*",
    }


def next_run_at(schedule: ReportSchedule, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """The next UTC time strictly after ``now`` the crontab fires (None when disabled)."""
    if not schedule.enabled:
        return None
    now = (now or timezone.now()).astimezone(UTC)
    for offset in range(0, 63):
        day = now.date() + dt.timedelta(days=offset)
        if schedule.frequency == ReportFrequency.WEEKLY and day.weekday() != schedule.day_of_week:
            continue
        if schedule.frequency == ReportFrequency.MONTHLY and day.day != schedule.day_of_month:
            continue
        at = dt.datetime.combine(day, schedule.time.replace(second=0, microsecond=0), tzinfo=UTC)
        if at > now:
            return at
    return None  # unreachable for valid schedules (a monthly day 1..28 occurs within 62 days)


@transaction.atomic
def schedule_create(
    *,
    user: Any,
    portfolio: Portfolio,
    template: str,
    format: str,
    frequency: str,
    time: dt.time,
    day_of_week: int | None = None,
    day_of_month: int | None = None,
) -> ReportSchedule:
    """The schedule and its enabled PeriodicTask (one transaction)."""
    schedule = ReportSchedule.objects.create(
        owner=user,
        portfolio=portfolio,
        portfolio_name=portfolio.name,
        template=template,
        format=format,
        frequency=frequency,
        day_of_week=day_of_week if frequency == ReportFrequency.WEEKLY else None,
        day_of_month=day_of_month if frequency == ReportFrequency.MONTHLY else None,
        time=time.replace(second=0, microsecond=0),
    )
    fields = cron_fields(
        frequency=frequency,
        time=schedule.time,
        day_of_week=schedule.day_of_week,
        day_of_month=schedule.day_of_month,
    )
    crontab, _ = CrontabSchedule.objects.get_or_create(**fields, timezone=UTC)
    schedule.periodic_task = PeriodicTask.objects.create(
        name=f"report-schedule-{schedule.id}",
        task=SCHEDULE_TASK,
        crontab=crontab,
        kwargs=json.dumps({"schedule_id": str(schedule.id)}),
        description=f"{frequency} {template}.{format} report of {portfolio.name} (schedule {schedule.id})",
    )
    schedule.save(update_fields=["periodic_task"])
    return schedule


def _drop_periodic_task(task: PeriodicTask | None) -> None:
    if task is None:
        return
    crontab = task.crontab
    task.delete()
    if crontab is not None and not PeriodicTask.objects.filter(crontab=crontab).exists():
        crontab.delete()


@transaction.atomic
def schedule_delete(*, schedule: ReportSchedule) -> None:
    """Deletes the schedule and its PeriodicTask (and the crontab when nothing else uses it).
    Reports it produced stay (their ``schedule`` becomes null)."""
    task = schedule.periodic_task
    schedule.delete()
    _drop_periodic_task(task)


def schedule_disable(*, schedule: ReportSchedule, reason: str) -> None:
    """Turns the schedule and its PeriodicTask off (beat stops calling it)."""
    logger.info("Report schedule %s disabled: %s", schedule.id, reason)
    schedule.enabled = False
    schedule.save(update_fields=["enabled"])
    if schedule.periodic_task_id is not None:
        PeriodicTask.objects.filter(pk=schedule.periodic_task_id).update(enabled=False)


def schedule_run(*, schedule_id: Any) -> Report | None:
    """One scheduled run (the beat task body): a report like ``generate``, run in this worker.

    Returns None without a report when the schedule is gone or disabled, or when its portfolio
    was deleted (the schedule then disables itself and its PeriodicTask).
    """
    schedule = ReportSchedule.objects.select_related("owner", "portfolio").filter(pk=schedule_id).first()
    if schedule is None or not schedule.enabled:
        return None
    if schedule.portfolio is None:
        schedule_disable(schedule=schedule, reason="its portfolio was deleted")
        return None
    report = report_create(
        user=schedule.owner,
        portfolio=schedule.portfolio,
        template=schedule.template,
        format=schedule.format,
        schedule=schedule,
    )
    return report_run(report_id=report.id)
