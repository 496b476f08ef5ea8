"""CSV onboarding: one uploaded file on its way to a portfolio (API.md "Onboarding").

Imported by :mod:`portfolios.models` (app label ``portfolios``). The row data is stored as JSON
produced by :class:`portfolios.csv_import.results.ParsedRow` (Decimals as strings, dates ISO) so ``complete`` writes
exactly what was validated and previewed.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class OnboardingStatus(models.TextChoices):
    """queued -> validating -> enriching -> ready -> completed; failed when rows are invalid or the
    processing crashed."""

    QUEUED = "queued"
    VALIDATING = "validating"
    ENRICHING = "enriching"
    READY = "ready"
    FAILED = "failed"
    COMPLETED = "completed"


class OnboardingUpload(models.Model):
    """An uploaded positions CSV, its validation report, its market-data enrichment and its import.

    ``portfolio`` is the re-import target from the start (``is_reimport``), or the portfolio
    created by ``complete``. ``enrichment`` is ``{status: pending|succeeded|partial|failed,
    as_of_date, symbols, failures: {symbol: reason}, ...}``. ``batch_job_id`` is the Job of the first
    batch run queued by ``complete`` (``batch_note`` says why there is none).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="onboarding_uploads"
    )
    portfolio = models.ForeignKey(
        "portfolios.Portfolio",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="onboarding_uploads",
    )
    portfolio_name = models.CharField(max_length=200, blank=True, default="")
    is_reimport = models.BooleanField(default=False)
    filename = models.CharField(max_length=255, blank=True, default="")
    size_bytes = models.PositiveIntegerField(default=0)
    encoding = models.CharField(max_length=32, blank=True, default="")
    content = models.BinaryField(
        help_text="The uploaded bytes (at most CSV_UPLOAD_MAX_BYTES), re-read by the task."
    )
    status = models.CharField(
        max_length=16, choices=OnboardingStatus.choices, default=OnboardingStatus.QUEUED, db_index=True
    )
    progress_percent = models.FloatField(default=0.0)
    job = models.ForeignKey(
        "jobs.Job",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The latest processing job (upload or retry).",
    )
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    rows = models.JSONField(default=list, blank=True, help_text="The valid rows (ParsedRow.to_json).")
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    warnings = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    cash_balance = models.DecimalField(max_digits=20, decimal_places=2, null=True, blank=True)
    enrichment = models.JSONField(default=dict, blank=True)
    failure_message = models.TextField(blank=True, default="")
    positions_created = models.PositiveIntegerField(null=True, blank=True)
    positions_updated = models.PositiveIntegerField(null=True, blank=True)
    batch_job_id = models.UUIDField(null=True, blank=True)
    batch_note = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["owner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.filename or 'upload'} ({self.status})"
