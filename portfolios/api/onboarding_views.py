"""CSV onboarding endpoints (API.md "Onboarding") and the one-shot POST /management/portfolios/upload.

Thin views: validate the input, one service or selector call from :mod:`portfolios.onboarding`,
serialize. Every upload is the requester's own: another user's upload answers 404.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios import onboarding
from portfolios.csv_import import COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS
from portfolios.models import OnboardingUpload
from sigmasight.api.csv_safety import csv_safe
from sigmasight.api.exceptions import PayloadTooLarge
from sigmasight.api.params import StrictQuerySerializer, parse_query
from sigmasight.api.renderers import JSONRenderer
from sigmasight.api.schema import errors

API = "/api/v1"
TAG = ["onboarding"]

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


def _file_bytes(upload: Any) -> bytes:
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


def _job_url(job_id: Any) -> str | None:
    return f"{API}/system/jobs/{job_id}" if job_id else None


def _accepted(upload: OnboardingUpload) -> dict[str, Any]:
    upload.refresh_from_db(fields=["status", "job"])
    return {
        "upload_id": upload.pk,
        "job_id": upload.job_id,
        "status": upload.status,
        "poll_url": _job_url(upload.job_id),
        "status_url": f"{API}/portfolio/upload/{upload.pk}/status",
        "results_url": f"{API}/portfolio/upload/{upload.pk}/results",
    }


def _status(upload: OnboardingUpload) -> dict[str, Any]:
    enrichment = upload.enrichment or {}
    return {
        "upload_id": upload.pk,
        "status": upload.status,
        "progress_percent": upload.progress_percent,
        "job_id": upload.job_id,
        "filename": upload.filename,
        "portfolio_id": upload.portfolio_id,
        "portfolio_name": upload.portfolio_name,
        "is_reimport": upload.is_reimport,
        "rows_total": upload.rows_total,
        "rows_valid": upload.rows_valid,
        "rows_invalid": upload.rows_invalid,
        "enrichment": {
            "status": enrichment.get("status", "pending"),
            "as_of_date": enrichment.get("as_of_date"),
            "provider": enrichment.get("provider"),
            "symbols": enrichment.get("symbols", 0),
            "failures": [
                {"symbol": s, "reason": r} for s, r in sorted((enrichment.get("failures") or {}).items())
            ],
        },
        "failure_message": upload.failure_message or None,
        "positions_created": upload.positions_created,
        "positions_updated": upload.positions_updated,
        "batch_job_id": upload.batch_job_id,
        "batch_note": upload.batch_note or None,
        "created_at": upload.created_at,
        "updated_at": upload.updated_at,
        "completed_at": upload.completed_at,
    }


def _parsed(upload: OnboardingUpload) -> list[dict[str, Any]]:
    out = []
    for row in onboarding.upload_rows(upload):
        f = row.fields
        out.append(
            {
                "row": row.row,
                "symbol": row.symbol,
                "position_type": f["position_type"],
                "quantity": f["quantity"],
                "multiplier": f["multiplier"],
                "entry_price": f["entry_price"],
                "entry_date": f["entry_date"],
                "exit_price": f.get("exit_price"),
                "exit_date": f.get("exit_date"),
                "underlying_symbol": f.get("underlying_symbol") or None,
                "option_type": f.get("option_type") or None,
                "strike_price": f.get("strike_price"),
                "expiration_date": f.get("expiration_date"),
                "tags": row.tags,
                "strategy": row.strategies,
            }
        )
    return out


# Views ----------------------------------------------------------------------------------------------

_UPLOAD_EXAMPLE = {
    "upload_id": "0b8e8a52-5d1c-4f7e-9a3b-2c1d0e9f8a7b",
    "job_id": "6c1f2e3d-4b5a-4978-8695-a4b3c2d1e0f9",
    "status": "queued",
    "poll_url": "/api/v1/system/jobs/6c1f2e3d-4b5a-4978-8695-a4b3c2d1e0f9",
    "status_url": "/api/v1/portfolio/upload/0b8e8a52-5d1c-4f7e-9a3b-2c1d0e9f8a7b/status",
    "results_url": "/api/v1/portfolio/upload/0b8e8a52-5d1c-4f7e-9a3b-2c1d0e9f8a7b/results",
}


class UploadView(APIView):
    """POST /portfolio/upload: store a positions CSV and queue its validation and enrichment."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=TAG,
        summary="Upload a positions CSV (new portfolio or re-import)",
        description=(
            "Reads the file at once (an empty, binary or headerless file, or one missing a required "
            "column, is a 400 with `details.file`; over 10 MB or 10,000 rows a 413) and queues its "
            "processing: each row is validated (`validating`), the market data of its symbols synced "
            "(`enriching`), then the upload is `ready` (or `failed` with the row report at "
            "`results_url`). Nothing is written to your portfolios until `complete`."
        ),
        request={"multipart/form-data": UploadInputSerializer},
        responses={202: UploadAcceptedSerializer, **errors(400, 404, 413)},
        examples=[
            OpenApiExample("Accepted", value=_UPLOAD_EXAMPLE, response_only=True, status_codes=["202"])
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = UploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = onboarding.upload_create(
            owner=request.user,
            data=_file_bytes(data["file"]),
            filename=getattr(data["file"], "name", "") or "",
            portfolio_name=data.get("portfolio_name"),
            portfolio_id=data.get("portfolio_id"),
        )
        return Response(UploadAcceptedSerializer(_accepted(upload)).data, status=status.HTTP_202_ACCEPTED)


class UploadStatusView(APIView):
    """GET /portfolio/upload/{id}/status."""

    @extend_schema(
        tags=TAG,
        summary="Status of an upload",
        responses={200: UploadStatusSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002 - the route's name
        parse_query(NoQuerySerializer, request)
        upload = onboarding.upload_get(user=request.user, upload_id=id)
        return Response(UploadStatusSerializer(_status(upload)).data)


class UploadResultsView(APIView):
    """GET /portfolio/upload/{id}/results."""

    @extend_schema(
        tags=TAG,
        summary="Validation report of an upload",
        description=(
            "Row counts, every error and warning as `{row, field, message}` (row = spreadsheet row, "
            "header = 1; field = CSV column) and the valid rows as parsed (types derived, OCC symbols "
            "padded). 409 while the upload is still queued or validating."
        ),
        responses={200: UploadResultsSerializer, **errors(400, 404, 409)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        parse_query(NoQuerySerializer, request)
        upload = onboarding.upload_get(user=request.user, upload_id=id)
        onboarding.upload_require_processed(upload)
        body = {
            "upload_id": upload.pk,
            "status": upload.status,
            "rows_total": upload.rows_total,
            "rows_valid": upload.rows_valid,
            "rows_invalid": upload.rows_invalid,
            "cash_balance": upload.cash_balance,
            "errors": upload.errors,
            "warnings": upload.warnings,
            "positions": _parsed(upload),
        }
        return Response(UploadResultsSerializer(body).data)


class PreviewView(APIView):
    """GET /portfolio/onboarding/{id}/preview."""

    @extend_schema(
        tags=TAG,
        summary="Preview the positions of an upload with prices and market values",
        description=(
            "The valid rows with their derived types, options grouped by underlying and expiry (a "
            "spread's legs together), the price found for each symbol (latest stored close on or "
            "before the market date, else a provider quote; null when none) and signed market "
            "values in USD. Options without bars of their own have no price here; the batch prices "
            "them from their underlying."
        ),
        responses={200: PreviewSerializer, **errors(400, 404, 409)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        parse_query(NoQuerySerializer, request)
        upload = onboarding.upload_get(user=request.user, upload_id=id)
        return Response(PreviewSerializer(onboarding.upload_preview(upload=upload)).data)


class ValidateView(APIView):
    """POST /portfolio/onboarding/{id}/validate."""

    @extend_schema(
        tags=TAG,
        summary="Batch readiness of an upload",
        description=(
            "Checks, each listed with its outcome: `rows_valid`, `prices` (every symbol has a close "
            "within 7 days of the market date; options may use their underlying's), `history` (every "
            "stock and option underlying has at least 60 daily bars: the factor model's minimum), "
            "`option_underlyings`, and the informational `market_data_sync`. `ready` is true when "
            "every required check passes; `missing` lists what is not there."
        ),
        request=None,
        responses={200: ReadinessSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = onboarding.upload_get(user=request.user, upload_id=id)
        return Response(ReadinessSerializer(onboarding.upload_readiness(upload=upload)).data)


class RetryView(APIView):
    """POST /portfolio/onboarding/{id}/retry."""

    @extend_schema(
        tags=TAG,
        summary="Re-run the failed steps of an upload",
        description=(
            "A `ready` upload has its market-data sync run again (what is already stored is not "
            "fetched again); an upload whose processing crashed is processed again. 202 with the new "
            "Job. 400 with `details.rows` when its rows are invalid (fix the file and upload it "
            "again), 409 while it is being processed or once completed."
        ),
        request=None,
        responses={202: UploadAcceptedSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = onboarding.upload_retry(user=request.user, upload_id=id)
        return Response(UploadAcceptedSerializer(_accepted(upload)).data, status=status.HTTP_202_ACCEPTED)


class CompleteView(APIView):
    """POST /portfolio/onboarding/{id}/complete."""

    @extend_schema(
        tags=TAG,
        summary="Import an upload and queue the first batch run",
        description=(
            "Creates the portfolio (or updates the re-import target: lots keyed on symbol + "
            "entry_date are updated, never duplicated), its tags (tags -> regular, strategy -> "
            "strategy tags), positions and cash in one transaction (a failure writes nothing), then "
            "queues the first batch run for it: 202 with that run's Job. Only a `ready` upload can "
            "be completed (409 otherwise; 400 with `details.rows` when its rows are invalid)."
        ),
        request=None,
        responses={202: CompleteAcceptedSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = onboarding.upload_complete(user=request.user, upload_id=id)
        body = {
            "job_id": upload.batch_job_id,
            "status": "queued" if upload.batch_job_id else "not_queued",
            "poll_url": _job_url(upload.batch_job_id),
            "upload_id": upload.pk,
            "portfolio_id": upload.portfolio_id,
            "positions_created": upload.positions_created,
            "positions_updated": upload.positions_updated,
            "batch_note": upload.batch_note,
        }
        return Response(CompleteAcceptedSerializer(body).data, status=status.HTTP_202_ACCEPTED)


# Template -------------------------------------------------------------------------------------------

#: The example rows of the template: long stocks, a short, a bull call spread (two OCC legs), cash.
TEMPLATE_ROWS: tuple[tuple[str, ...], ...] = (
    ("AAPL", "100", "225.50", "2025-03-03", "Core Holdings,Tech Growth", "", "", ""),
    ("MSFT", "50", "410.25", "2025-03-03", "Core Holdings", "", "", ""),
    ("TSLA", "-25", "260.00", "2025-06-02", "Hedges", "", "", ""),
    ("AAPL  270115C00230000", "2", "12.50", "2025-09-02", "", "AAPL bull call spread", "", ""),
    ("AAPL  270115C00250000", "-2", "6.10", "2025-09-02", "", "AAPL bull call spread", "", ""),
    ("NFLX", "30", "95.00", "2025-01-06", "", "", "2025-05-01", "110.00"),
    ("CASH", "25000", "1", "2025-03-03", "", "", "", ""),
)


class CSVRenderer(renderers.BaseRenderer):
    """Lets ``Accept: text/csv`` negotiate; the view returns the CSV itself."""

    media_type = "text/csv"
    format = "csv"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


def template_csv() -> str:
    """The template's text: the header and the example rows, every text cell through csv_safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in TEMPLATE_ROWS:
        writer.writerow(_safe(row))
    return buffer.getvalue()


def _safe(row: tuple[str, ...]) -> list[str]:
    """Text cells through csv_safe; the numeric cells (quantity, prices) are numbers, left alone."""
    numeric = {COLUMNS.index(c) for c in ("quantity", "entry_price", "exit_price")}
    return [cell if i in numeric else csv_safe(cell) for i, cell in enumerate(row)]


class TemplateView(APIView):
    """GET /portfolio/templates."""

    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        tags=TAG,
        summary="Download the positions CSV template",
        description=(
            f"A CSV (text/csv, attachment) with the columns {', '.join(COLUMNS)} and example rows: long "
            "stocks with quoted comma-separated tags, a short, a bull call spread as two OCC legs with a "
            "strategy, a closed lot (exit_date, exit_price) and a CASH row."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The template."),
            **errors(400),
        },
    )
    def get(self, request: Request) -> HttpResponse:
        parse_query(NoQuerySerializer, request)
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="sigmasight_positions_template.csv"'
        return response


# One-shot import ------------------------------------------------------------------------------------


class ManagementUploadView(APIView):
    """POST /management/portfolios/upload: the one-shot CSV import."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["management"],
        summary="Import a positions CSV in one step",
        description=(
            "The onboarding parser and rules in one request: `name` creates a portfolio (201), "
            "`portfolio_id` re-imports into one of yours (200; lots keyed on symbol + entry_date are "
            "updated, never duplicated). Any invalid row is a 400 whose `details.rows` lists every "
            "problem as `{row, field, message}`, and nothing is written. Over 10 MB or 10,000 rows: "
            "413. The first batch run for the portfolio is queued (`batch_job_id`)."
        ),
        request={"multipart/form-data": ManagementUploadInputSerializer},
        responses={
            200: ImportResultSerializer,
            201: ImportResultSerializer,
            **errors(400, 404, 413),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ManagementUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = onboarding.portfolio_import(
            owner=request.user,
            data=_file_bytes(data["file"]),
            portfolio_id=data.get("portfolio_id"),
            name=data.get("name"),
        )
        body = {
            "portfolio_id": outcome.portfolio.pk,
            "positions_created": outcome.created,
            "positions_updated": outcome.updated,
            "errors": [],
            "warnings": [w.as_dict() for w in outcome.warnings],
            "batch_job_id": outcome.batch_job_id,
            "batch_note": outcome.batch_note,
        }
        code = status.HTTP_200_OK if data.get("portfolio_id") else status.HTTP_201_CREATED
        return Response(ImportResultSerializer(body).data, status=code)
