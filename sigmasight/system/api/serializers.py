"""Input and output serializers of /system: jobs and their results, UI commands and their poll."""

from __future__ import annotations

from rest_framework import serializers

from sigmasight.api.dates import PolicyDateTimeField
from sigmasight.api.fields import StorableJSONObjectField
from sigmasight.api.params import StrictQuerySerializer
from sigmasight.system.models import Job, JobStatus, UICommand


class JobSerializer(serializers.ModelSerializer):
    """A job as API.md lists it, plus ``errors`` (per-item failures) and ``cancel_requested``."""

    job_id = serializers.UUIDField(source="id", read_only=True)
    type = serializers.CharField(source="job_type", read_only=True)
    error = serializers.SerializerMethodField()

    class Meta:
        model = Job
        fields = [
            "job_id",
            "type",
            "status",
            "progress_percent",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "errors",
            "cancel_requested",
        ]
        read_only_fields = fields

    def get_error(self, job: Job) -> str | None:
        """The failure message, or null when there is none."""
        return job.error or None


class JobResultSerializer(serializers.Serializer):
    """The outcome of a finished job: ``result`` is the job's JSON output (null when it produced none)."""

    job_id = serializers.UUIDField(source="id")
    status = serializers.ChoiceField(choices=JobStatus.choices)
    result = serializers.JSONField(allow_null=True)
    error = serializers.SerializerMethodField()

    def get_error(self, job: Job) -> str | None:
        """The failure message, or null when there is none."""
        return job.error or None


class UICommandInputSerializer(serializers.Serializer):
    """``{target, params}``: what to act on, and free-form parameters (a JSON object)."""

    target = serializers.CharField(max_length=200)
    params = StorableJSONObjectField(required=False, default=dict)


class UICommandSerializer(serializers.ModelSerializer):
    """A recorded command; ``delivered_at`` is null until the frontend has received it."""

    class Meta:
        model = UICommand
        fields = ["id", "action", "target", "params", "created_at", "delivered_at"]
        read_only_fields = fields


class UICommandPageSerializer(serializers.Serializer):
    """The paginated poll answer."""

    count = serializers.IntegerField(help_text="Commands pending before this call.")
    next = serializers.URLField(allow_null=True, help_text="Poll again here when more are pending.")
    previous = serializers.URLField(allow_null=True)
    results = UICommandSerializer(many=True)


class UICommandPollSerializer(StrictQuerySerializer):
    """``?since=``: only commands created strictly after this UTC timestamp (plus limit/offset)."""

    allowed_extra = frozenset({"limit", "offset"})
    since = PolicyDateTimeField(required=False)
