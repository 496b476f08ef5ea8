"""Job reads, scoped to who asks: a user sees the jobs they own; staff see every job."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from sigmasight.jobs.models import Job


def job_list(*, user: Any) -> QuerySet[Job]:
    """The jobs ``user`` may see, newest first (ownerless system jobs are visible to staff only)."""
    queryset = Job.objects.all()
    if not getattr(user, "is_staff", False):
        queryset = queryset.filter(owner=user)
    return queryset.order_by("-created_at", "id")
