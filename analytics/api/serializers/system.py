"""Serializers of the staff batch endpoints /system/batch/<trigger>, /status and /history."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from analytics.models import BatchRun
from sigmasight.api.dates import PolicyDateField
from sigmasight.api.output import optional


class JobAcceptedSerializer(serializers.Serializer):
    """The 202 of a batch trigger: the run's Job and where to poll it."""

    job_id = serializers.UUIDField()
    status = serializers.CharField(help_text="queued.")
    poll_url = serializers.CharField(help_text="/api/v1/system/jobs/<job_id>")
    batch_run_id = serializers.UUIDField()


class BatchTriggerInput(serializers.Serializer):
    portfolio_ids = serializers.ListField(child=serializers.UUIDField(), required=False, allow_empty=False)
    as_of_date = PolicyDateField(required=False)


class BatchRunSerializer(serializers.ModelSerializer):
    engines = serializers.SerializerMethodField()
    job_id = serializers.UUIDField(source="job.id", default=None, read_only=True)

    class Meta:
        model = BatchRun
        fields = [
            "id",
            "job_id",
            "as_of_date",
            "status",
            "trigger",
            "portfolio_ids",
            "counts",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "engines",
        ]

    def get_engines(self, run: BatchRun) -> list[dict[str, Any]]:
        return self.context["summaries"].get(str(run.id), [])


class BatchStatusSerializer(serializers.Serializer):
    """The current (or latest) batch run; null with a ``message`` before any batch has run."""

    run = BatchRunSerializer(allow_null=True)
    message = optional(serializers.CharField, help_text="Only when no batch has run yet.")
