"""Serializers of /export/reports (API.md "/export"): request bodies and response shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from exports.models import Report, ReportFormat, ReportFrequency, ReportSchedule, ReportStatus, ReportTemplate
from exports.reports.schedules import next_run_at
from exports.reports.services import download_url


@extend_schema_field(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "maxLength": 5, "example": "06:00"}
)
class HourMinuteField(serializers.TimeField):
    """A time of day as ``"HH:MM"`` (24 h, no seconds, no zone): not OpenAPI's ``format: time``,
    which is RFC 3339's ``HH:MM:SS`` with an offset."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%H:%M", input_formats=["%H:%M"], **kwargs)


class ReportGenerateInput(serializers.Serializer):
    portfolio_id = serializers.UUIDField(help_text="One of your portfolios (another user's answers 404).")
    template = serializers.ChoiceField(choices=ReportTemplate.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices)


class ReportAcceptedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField(help_text="The Job producing the report (GET poll_url).")
    status = serializers.CharField(help_text="`queued`: poll the job for its progress and outcome.")
    poll_url = serializers.CharField(help_text="/api/v1/system/jobs/{job_id}")
    report_id = serializers.UUIDField(help_text="GET /api/v1/export/reports/{report_id} (and /download).")


class ReportSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField(allow_null=True, read_only=True, help_text="Null once deleted.")
    job_id = serializers.UUIDField(allow_null=True, read_only=True)
    schedule_id = serializers.UUIDField(allow_null=True, read_only=True)
    as_of_date = serializers.DateField(
        allow_null=True, read_only=True, help_text="Of the batch results used."
    )
    finished_at = serializers.DateTimeField(allow_null=True, read_only=True)
    size_bytes = serializers.IntegerField(allow_null=True, read_only=True)
    status = serializers.CharField(read_only=True, help_text="queued, running, succeeded or failed.")
    download_url = serializers.SerializerMethodField(help_text="Set once the report has succeeded.")
    error = serializers.CharField(read_only=True, help_text="Why it failed (empty otherwise).")

    class Meta:
        model = Report
        fields = [
            "id",
            "portfolio_id",
            "portfolio_name",
            "template",
            "format",
            "status",
            "as_of_date",
            "created_at",
            "finished_at",
            "size_bytes",
            "download_url",
            "error",
            "job_id",
            "schedule_id",
        ]
        read_only_fields = fields

    def get_download_url(self, report: Report) -> str | None:
        return download_url(report.id) if report.status == ReportStatus.SUCCEEDED else None


class ReportTemplateSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="The `template` to ask for: risk_summary, performance or full.")
    name = serializers.CharField()
    description = serializers.CharField()
    formats = serializers.ListField(child=serializers.CharField(), help_text="pdf, html, json, csv.")
    sections = serializers.ListField(child=serializers.CharField())


class ReportScheduleInput(serializers.Serializer):
    portfolio_id = serializers.UUIDField(help_text="One of your portfolios (another user's answers 404).")
    template = serializers.ChoiceField(choices=ReportTemplate.choices)
    format = serializers.ChoiceField(choices=ReportFormat.choices)
    frequency = serializers.ChoiceField(choices=ReportFrequency.choices)
    day_of_week = serializers.IntegerField(
        min_value=0,
        max_value=6,
        required=False,
        allow_null=True,
        help_text="0 = Monday .. 6 = Sunday; weekly only.",
    )
    day_of_month = serializers.IntegerField(
        min_value=1, max_value=28, required=False, allow_null=True, help_text="1..28; monthly only."
    )
    time = HourMinuteField(help_text='"HH:MM", UTC.')

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        frequency = attrs["frequency"]
        errors: dict[str, list[str]] = {}
        for name, wanted in (
            ("day_of_week", ReportFrequency.WEEKLY),
            ("day_of_month", ReportFrequency.MONTHLY),
        ):
            given = attrs.get(name) is not None
            if frequency == wanted and not given:
                errors[name] = [f"Required for a {wanted} schedule."]
            elif frequency != wanted and given:
                errors[name] = [f"Only for a {wanted} schedule (this one is {frequency})."]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReportScheduleSerializer(serializers.ModelSerializer):
    portfolio_id = serializers.UUIDField(allow_null=True, read_only=True, help_text="Null once deleted.")
    time = HourMinuteField(read_only=True, help_text='"HH:MM", UTC.')
    next_run_at = serializers.SerializerMethodField(
        help_text="Next UTC run of the crontab; null when disabled."
    )

    class Meta:
        model = ReportSchedule
        fields = [
            "id",
            "portfolio_id",
            "portfolio_name",
            "template",
            "format",
            "frequency",
            "day_of_week",
            "day_of_month",
            "time",
            "enabled",
            "next_run_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_next_run_at(self, schedule: ReportSchedule) -> dt.datetime | None:
        return next_run_at(schedule)
