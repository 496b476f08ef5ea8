"""Exports: the history of every file a user took out (portfolio exports, reports, trade lists),
generated reports (files kept through Django's storage API) and report schedules.

Files are named by the service (``<kind>-<portfolio>-<as_of>-<id>.<ext>``), never from user input.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

__all__ = [
    "ExportKind",
    "ExportRecord",
    "Report",
    "ReportFormat",
    "ReportFrequency",
    "ReportSchedule",
    "ReportStatus",
    "ReportTemplate",
]


class ExportKind(models.TextChoices):
    PORTFOLIO = "portfolio"
    REPORT = "report"
    TRADES = "trades"


class ReportTemplate(models.TextChoices):
    RISK_SUMMARY = "risk_summary", "Risk summary"
    PERFORMANCE = "performance", "Performance"
    FULL = "full", "Full risk report"


class ReportFormat(models.TextChoices):
    PDF = "pdf"
    HTML = "html"
    JSON = "json"
    CSV = "csv"


class ReportStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class ReportFrequency(models.TextChoices):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class Report(models.Model):
    """A generated (or generating) report file of one portfolio; ``job`` tracks its progress."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports")
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, on_delete=models.SET_NULL, related_name="reports"
    )
    portfolio_name = models.CharField(max_length=200, blank=True, default="")
    template = models.CharField(max_length=16, choices=ReportTemplate.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    status = models.CharField(max_length=16, choices=ReportStatus.choices, default=ReportStatus.QUEUED)
    as_of_date = models.DateField(null=True, blank=True)
    job = models.ForeignKey("jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    schedule = models.ForeignKey(
        "exports.ReportSchedule", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    file = models.FileField(upload_to="reports/", blank=True, default="")
    size_bytes = models.BigIntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.template}.{self.format} {self.portfolio_name} ({self.status})"


class ReportSchedule(models.Model):
    """A recurring report, run by a django-celery-beat PeriodicTask (crontab in UTC)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_schedules"
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, on_delete=models.SET_NULL, related_name="report_schedules"
    )
    portfolio_name = models.CharField(max_length=200, blank=True, default="")
    template = models.CharField(max_length=16, choices=ReportTemplate.choices)
    format = models.CharField(max_length=8, choices=ReportFormat.choices)
    frequency = models.CharField(max_length=8, choices=ReportFrequency.choices)
    day_of_week = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="0 = Monday .. 6 = Sunday."
    )
    day_of_month = models.PositiveSmallIntegerField(null=True, blank=True, help_text="1..28.")
    time = models.TimeField(help_text="UTC.")
    enabled = models.BooleanField(default=True)
    periodic_task = models.OneToOneField(
        "django_celery_beat.PeriodicTask", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.frequency} {self.template}.{self.format} {self.portfolio_name}"


class ExportRecord(models.Model):
    """One file a user took out: a portfolio export, a report or a trade list (GET /export/history)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="exports")
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=16, choices=ExportKind.choices)
    format = models.CharField(max_length=8)
    filename = models.CharField(max_length=255)
    size_bytes = models.BigIntegerField(default=0)
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.filename}"
