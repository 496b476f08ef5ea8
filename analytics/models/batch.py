"""Batch runs and their steps: what ran, when, for which portfolio, with which outcome.

A finished run's history is kept as it was: deleting a portfolio leaves its steps (``portfolio``
null) with the portfolio's name, stored when the step is created.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import models

from sigmasight.system.models import JobStatus

__all__ = ["BatchRun", "BatchStep"]


class BatchRun(models.Model):
    """One run of the pipeline for an as-of date over some or all portfolios."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    as_of_date = models.DateField(db_index=True)
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    engines = models.JSONField(default=list, help_text="Engines run, in order.")
    portfolio_ids = models.JSONField(null=True, blank=True, help_text="Null = every portfolio.")
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="batch_runs"
    )
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.CharField(max_length=32, default="manual", help_text="manual, schedule, api, onboarding")
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"batch {self.as_of_date} {self.status}"


class BatchStepQuerySet(models.QuerySet["BatchStep"]):
    def bulk_create(self, objs: Iterable[BatchStep], *args: Any, **kwargs: Any) -> list[BatchStep]:
        """Stores each step's portfolio name too (one query for all the steps)."""
        steps = list(objs)
        _fill_portfolio_names(steps)
        return super().bulk_create(steps, *args, **kwargs)


class BatchStep(models.Model):
    """One engine's work in a run: globally (portfolio null, name blank) or for one portfolio.

    ``portfolio_name`` is the portfolio's name when the step was created; it stays after the
    portfolio is deleted (``portfolio`` then null), so a finished run's history never changes.
    """

    run = models.ForeignKey(BatchRun, on_delete=models.CASCADE, related_name="steps")
    engine = models.CharField(max_length=32)
    portfolio = models.ForeignKey(
        "portfolios.Portfolio", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    portfolio_name = models.CharField(
        max_length=200, blank=True, default="", help_text="The portfolio's name when the step ran."
    )
    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_ms = models.FloatField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")

    objects = BatchStepQuerySet.as_manager()

    class Meta:
        ordering = ["run", "id"]
        indexes = [models.Index(fields=["run", "engine"])]

    def __str__(self) -> str:
        return f"{self.engine} {self.status}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            _fill_portfolio_names([self])
        super().save(*args, **kwargs)


def _fill_portfolio_names(steps: Sequence[BatchStep]) -> None:
    """Sets ``portfolio_name`` of the steps with a portfolio and a blank name (one query)."""
    pending = [s for s in steps if s.portfolio_id is not None and not s.portfolio_name]
    if not pending:
        return
    portfolios = BatchStep._meta.get_field("portfolio").related_model._default_manager
    names = {
        str(pk): name
        for pk, name in portfolios.filter(pk__in={s.portfolio_id for s in pending}).values_list("pk", "name")
    }
    for step in pending:
        step.portfolio_name = names.get(str(step.portfolio_id), "")
