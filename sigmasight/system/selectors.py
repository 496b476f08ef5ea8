"""/system reads, scoped to who asks: jobs (a user sees the jobs they own; staff see every job) and a
user's pending UI commands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet

from sigmasight.system.models import Job, UICommand


def job_list(*, user: Any) -> QuerySet[Job]:
    """The jobs ``user`` may see, newest first (ownerless system jobs are visible to staff only)."""
    queryset = Job.objects.all()
    if not getattr(user, "is_staff", False):
        queryset = queryset.filter(owner=user)
    return queryset.order_by("-created_at", "id")


def ui_command_pending(*, user: Any, since: dt.datetime | None = None) -> QuerySet[UICommand]:
    """The user's undelivered UI commands (created strictly after ``since`` when given), oldest first."""
    queryset = UICommand.objects.filter(owner=user, delivered_at__isnull=True)
    if since is not None:
        queryset = queryset.filter(created_at__gt=since)
    return queryset.order_by("created_at", "id")
