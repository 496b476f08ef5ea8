"""Reads of reports and schedules, scoped to their owner (another user's answers 404)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet

from exports.models import Report, ReportSchedule
from sigmasight.api.exceptions import NotFound


def report_get(*, user: Any, report_id: UUID | str) -> Report:
    """The user's report, else 404 NOT_FOUND."""
    report = Report.objects.filter(owner=user, pk=report_id).first()
    if report is None:
        raise NotFound("No such report among yours.")
    return report


def schedule_list(*, user: Any, portfolio_id: UUID | None = None) -> QuerySet[ReportSchedule]:
    """The user's schedules, newest first (one portfolio's when ``portfolio_id`` is given)."""
    queryset = ReportSchedule.objects.filter(owner=user)
    if portfolio_id is not None:
        queryset = queryset.filter(portfolio_id=portfolio_id)
    return queryset.order_by("-created_at", "id")


def schedule_get(*, user: Any, schedule_id: UUID | str) -> ReportSchedule:
    """The user's schedule, else 404 NOT_FOUND."""
    schedule = ReportSchedule.objects.filter(owner=user, pk=schedule_id).first()
    if schedule is None:
        raise NotFound("No such report schedule among yours.")
    return schedule
