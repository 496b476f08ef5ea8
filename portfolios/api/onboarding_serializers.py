"""Serializers of the onboarding endpoints (API.md "Onboarding") and of the one-shot import
(POST /management/portfolios/upload): field types, formats and schema help only.

The bodies of the 202 answers (:func:`accepted_body`, :func:`complete_body`) and of the import
(:func:`import_body`) carry the poll URLs of their Jobs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import serializers

from portfolios.csv_import.columns import OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from portfolios.onboarding.imports import ImportOutcome
from portfolios.onboarding.models import OnboardingUpload
from sigmasight.api.exceptions import PayloadTooLarge
from sigmasight.api.params import StrictQuerySerializer

API = "/api/v1"

# Input ----------------------------------------------------------------------------------------------

_FILE_HELP = (
    "The positions CSV: UTF-8 with or without BOM (a file that is not UTF-8 is read as Windows-1252/Latin-1 "
    "with a warning), at most CSV_UPLOAD_MAX_BYTES = 10 MB and CSV_UPLOAD_MAX_ROWS = 10,000 data rows. "
    f"Header required, case-insensitive: {', '.join(REQUIRED_COLUMNS)} (required), {', '.join(OPTIONAL_COLUMNS)} "
    "(optional). A CASH row sets the cash balance. GET /portfolio/templates gives an example."
)


class UploadInputSerializer(serializers.Serializer):
    """Multipart: ``file`` and either ``portfolio_name`` (new portfolio) or ``portfolio_id`` (re-import)."""

    file = serializers.FileField(allow_empty_file=True, help_text=_FILE_HELP)
    portfolio_name = serializers.CharField(
        required=False, max_length=200, help_text="Name of the new portfolio."
    )
    portfolio_id = serializers.UUIDField(
        required=False,
        help_text="One of your portfolios to re-import into (lots keyed on symbol + entry_date).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("portfolio_name" in attrs) == ("portfolio_id" in attrs):
            raise serializers.ValidationError(
                {
                    "portfolio_id": [
                        "Give either portfolio_name (new portfolio) or portfolio_id (re-import), not both."
                    ]
                }
            )
        return attrs


class ManagementUploadInputSerializer(serializers.Serializer):
    """Multipart: ``file`` and either ``name`` (new portfolio) or ``portfolio_id`` (re-import)."""

    file = serializers.FileField(allow_empty_file=True, help_text=_FILE_HELP)
    name = serializers.CharField(required=False, max_length=200, help_text="Name of the new portfolio.")
    portfolio_id = serializers.UUIDField(
        required=False,
        help_text="One of your portfolios to re-import into (lots keyed on symbol + entry_date).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("name" in attrs) == ("portfolio_id" in attrs):
            raise serializers.ValidationError(
                {"portfolio_id": ["Give either name (new portfolio) or portfolio_id (re-import), not both."]}
            )
        return attrs


class NoQuerySerializer(StrictQuerySerializer):
    """No query parameters: any one given is a 400 naming it."""


def file_bytes(upload: Any) -> bytes:
    """The uploaded file's bytes; 413 before reading when it is over the limit."""
    limit = settings.CSV_UPLOAD_MAX_BYTES
    if upload.size > limit:
        message = (
            f"The file is {upload.size:,} bytes; the limit is {limit / (1024 * 1024):g} MB ({limit:,} bytes). "
            "Split it into several files."
        )
        raise PayloadTooLarge(message, details={"file": [message]})
    return upload.read()


# Output ---------------------------------------------------------------------------------------------


class RowIssueSerializer(serializers.Serializer):
    row = serializers.IntegerField(
        allow_null=True, help_text="Spreadsheet row (header = 1); null for the whole file."
    )
    field = serializers.CharField(
        allow_null=True, help_text="The CSV column; null when not about one column."
    )
    message = serializers.CharField()


class UploadAcceptedSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    job_id = serializers.UUIDField(help_text="The processing Job (GET poll_url).")
    status = serializers.CharField(help_text="The upload's status: queued|validating|enriching|ready|failed.")
    poll_url = serializers.CharField(help_text="/api/v1/system/jobs/{job_id}")
    status_url = serializers.CharField()
    results_url = serializers.CharField()


class EnrichmentSerializer(serializers.Serializer):
    status = serializers.CharField(help_text="pending|succeeded|partial|failed")
    as_of_date = serializers.DateField(allow_null=True)
    provider = serializers.CharField(allow_null=True)
    symbols = serializers.IntegerField(
        help_text="Symbols synced: the positions' and their option underlyings."
    )
    failures = serializers.ListField(child=serializers.DictField(), help_text="[{symbol, reason}]")


class UploadStatusSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    status = serializers.CharField(help_text="queued|validating|enriching|ready|failed|completed")
    progress_percent = serializers.FloatField(help_text="0-100.")
    job_id = serializers.UUIDField(allow_null=True)
    filename = serializers.CharField()
    portfolio_id = serializers.UUIDField(allow_null=True)
    portfolio_name = serializers.CharField()
    is_reimport = serializers.BooleanField()
    rows_total = serializers.IntegerField()
    rows_valid = serializers.IntegerField()
    rows_invalid = serializers.IntegerField()
    enrichment = EnrichmentSerializer()
    failure_message = serializers.CharField(allow_null=True)
    positions_created = serializers.IntegerField(allow_null=True)
    positions_updated = serializers.IntegerField(allow_null=True)
    batch_job_id = serializers.UUIDField(
        allow_null=True, help_text="The first batch run's Job, after complete."
    )
    batch_note = serializers.CharField(
        allow_null=True, help_text="'queued', or why the batch was not queued."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


class ParsedPositionSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    symbol = serializers.CharField(help_text="Options: the padded 21-character OCC symbol.")
    position_type = serializers.CharField(
        help_text="LONG|SHORT|LC|LP|SC|SP, derived from sign and instrument."
    )
    quantity = serializers.FloatField(help_text="Signed; contracts for options.")
    multiplier = serializers.IntegerField()
    entry_price = serializers.FloatField()
    entry_date = serializers.DateField()
    exit_price = serializers.FloatField(allow_null=True)
    exit_date = serializers.DateField(allow_null=True)
    underlying_symbol = serializers.CharField(allow_null=True)
    option_type = serializers.CharField(allow_null=True)
    strike_price = serializers.FloatField(allow_null=True)
    expiration_date = serializers.DateField(allow_null=True)
    tags = serializers.ListField(child=serializers.CharField())
    strategy = serializers.ListField(child=serializers.CharField(), help_text="Strategy tag names.")


class UploadResultsSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    status = serializers.CharField()
    rows_total = serializers.IntegerField()
    rows_valid = serializers.IntegerField()
    rows_invalid = serializers.IntegerField()
    cash_balance = serializers.FloatField(
        allow_null=True, help_text="From the CASH row (USD); null without one."
    )
    errors = RowIssueSerializer(many=True)
    warnings = RowIssueSerializer(many=True)
    positions = ParsedPositionSerializer(many=True)


class PreviewPositionSerializer(ParsedPositionSerializer):
    cost_basis = serializers.FloatField(help_text="quantity x multiplier x entry_price (USD, signed).")
    price = serializers.FloatField(allow_null=True, help_text="Per share; null when none was found.")
    price_date = serializers.DateField(allow_null=True)
    price_source = serializers.CharField(
        allow_null=True, help_text="close (stored close) | quote (provider) | null"
    )
    underlying_price = serializers.FloatField(allow_null=True)
    market_value = serializers.FloatField(
        allow_null=True, help_text="quantity x multiplier x price (USD, signed)."
    )


class OptionLegSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    symbol = serializers.CharField()
    position_type = serializers.CharField()
    option_type = serializers.CharField()
    strike_price = serializers.FloatField()
    quantity = serializers.FloatField()


class OptionGroupSerializer(serializers.Serializer):
    underlying_symbol = serializers.CharField()
    expiration_date = serializers.DateField()
    underlying_price = serializers.FloatField(allow_null=True)
    strategies = serializers.ListField(child=serializers.CharField())
    legs = OptionLegSerializer(many=True)


class PreviewSummarySerializer(serializers.Serializer):
    position_count = serializers.IntegerField()
    stock_count = serializers.IntegerField()
    option_count = serializers.IntegerField()
    priced_count = serializers.IntegerField()
    unpriced_count = serializers.IntegerField()
    long_value = serializers.FloatField()
    short_value = serializers.FloatField(help_text="Negative.")
    gross_exposure = serializers.FloatField()
    net_exposure = serializers.FloatField()
    total_value = serializers.FloatField(help_text="net_exposure + cash (priced positions only).")
    rows_invalid = serializers.IntegerField()


class PreviewSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    status = serializers.CharField()
    portfolio_id = serializers.UUIDField(allow_null=True)
    portfolio_name = serializers.CharField()
    as_of_date = serializers.DateField()
    data_source = serializers.CharField()
    cash_balance = serializers.FloatField(allow_null=True)
    positions = PreviewPositionSerializer(many=True)
    option_legs = OptionGroupSerializer(many=True, help_text="Options grouped by underlying and expiration.")
    summary = PreviewSummarySerializer()


class CheckSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="rows_valid|prices|history|option_underlyings|market_data_sync")
    passed = serializers.BooleanField()
    required = serializers.BooleanField(help_text="Whether the check counts for `ready`.")
    detail = serializers.CharField()


class ReadinessSerializer(serializers.Serializer):
    upload_id = serializers.UUIDField()
    ready = serializers.BooleanField()
    as_of_date = serializers.DateField()
    min_history_bars = serializers.IntegerField()
    checks = CheckSerializer(many=True)
    missing = serializers.DictField(
        help_text="{invalid_rows, prices: [symbol], history: [{symbol, bars, required}], "
        "option_underlyings: [symbol], sync_failures: [{symbol, reason}]}"
    )
    next_step = serializers.CharField()


class CompleteAcceptedSerializer(serializers.Serializer):
    job_id = serializers.UUIDField(
        allow_null=True, help_text="The first batch run's Job; null when not queued."
    )
    status = serializers.CharField(help_text="queued, or not_queued (see batch_note).")
    poll_url = serializers.CharField(allow_null=True)
    upload_id = serializers.UUIDField()
    portfolio_id = serializers.UUIDField()
    positions_created = serializers.IntegerField()
    positions_updated = serializers.IntegerField()
    batch_note = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    portfolio_id = serializers.UUIDField()
    positions_created = serializers.IntegerField()
    positions_updated = serializers.IntegerField()
    errors = RowIssueSerializer(many=True, help_text="Always empty on success (invalid rows are a 400).")
    warnings = RowIssueSerializer(many=True)
    batch_job_id = serializers.UUIDField(allow_null=True, help_text="The first batch run's Job.")
    batch_note = serializers.CharField()


# Bodies ---------------------------------------------------------------------------------------------


def job_url(job_id: Any) -> str | None:
    """The Job's poll URL (``/api/v1/system/jobs/{id}``); None without a Job."""
    return f"{API}/system/jobs/{job_id}" if job_id else None


def accepted_body(upload: OnboardingUpload) -> dict[str, Any]:
    """The 202 of an upload or a retry: its processing Job and where to poll (:class:`UploadAcceptedSerializer`)."""
    return {
        "upload_id": upload.pk,
        "job_id": upload.job_id,
        "status": upload.status,
        "poll_url": job_url(upload.job_id),
        "status_url": f"{API}/portfolio/upload/{upload.pk}/status",
        "results_url": f"{API}/portfolio/upload/{upload.pk}/results",
    }


def complete_body(upload: OnboardingUpload) -> dict[str, Any]:
    """The 202 of complete: the first batch run's Job (:class:`CompleteAcceptedSerializer`)."""
    return {
        "job_id": upload.batch_job_id,
        "status": "queued" if upload.batch_job_id else "not_queued",
        "poll_url": job_url(upload.batch_job_id),
        "upload_id": upload.pk,
        "portfolio_id": upload.portfolio_id,
        "positions_created": upload.positions_created,
        "positions_updated": upload.positions_updated,
        "batch_note": upload.batch_note,
    }


def import_body(outcome: ImportOutcome) -> dict[str, Any]:
    """The answer of the one-shot import (:class:`ImportResultSerializer`)."""
    return {
        "portfolio_id": outcome.portfolio.pk,
        "positions_created": outcome.created,
        "positions_updated": outcome.updated,
        "errors": [],
        "warnings": [w.as_dict() for w in outcome.warnings],
        "batch_job_id": outcome.batch_job_id,
        "batch_note": outcome.batch_note,
    }
