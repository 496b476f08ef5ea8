"""The /system models: Job (one unit of asynchronous work and what became of it) and UICommand
(an agent's instruction for one user's frontend).

Lives below every app (portfolios, marketdata, analytics, exports all record work here) so that no
app has to import another to report progress. The Django app label is ``jobs`` (the app's original
name, kept so its migrations and tables stay); UICommand keeps its original table
``accounts_uicommand``.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class JobStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    PARTIAL = "partial"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL_STATUSES = frozenset({JobStatus.SUCCEEDED, JobStatus.PARTIAL, JobStatus.FAILED, JobStatus.CANCELLED})


class Job(models.Model):
    """Async work: batch runs, market-data syncs, imports, reports. ``result`` and ``error`` are JSON."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    job_type = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress_percent = models.FloatField(default=0.0)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    errors = models.JSONField(default=list, blank=True, help_text="Per-item failures (symbol or portfolio).")
    cancel_requested = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.job_type} {self.status} ({self.id})"

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL_STATUSES


class UICommandAction(models.TextChoices):
    """What an agent asks the user's frontend to do."""

    NAVIGATE = "navigate"
    HIGHLIGHT = "highlight"
    FILTER = "filter"


class UICommand(models.Model):
    """A UI instruction recorded for one user's frontend (agent-driven UI sync).

    An agent posts it (``/system/ui/navigate|highlight|filter``); the frontend polls
    ``/system/ui/commands`` and receives each pending command once (``delivered_at`` is then set).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="ui_commands")
    action = models.CharField(max_length=16, choices=UICommandAction.choices)
    target = models.CharField(max_length=200, help_text="What to act on: a route, a widget, a symbol...")
    params = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_uicommand"  # created by the accounts app before the model moved here
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["owner", "delivered_at", "created_at"], name="uicommand_pending")]

    def __str__(self) -> str:
        return f"{self.action} {self.target}"
