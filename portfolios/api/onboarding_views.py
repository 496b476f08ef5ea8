"""CSV onboarding endpoints (API.md "Onboarding"): upload, status, results, preview, validate,
retry, complete and the template.

Thin views: validate the input, one service or selector call from :mod:`portfolios.onboarding`,
serialize (:mod:`portfolios.api.onboarding_serializers`). Every upload is the requester's own:
another user's upload answers 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import renderers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.api import onboarding_serializers as s
from portfolios.csv_import.columns import COLUMNS
from portfolios.onboarding import selectors, services
from portfolios.onboarding.preview import upload_preview
from portfolios.onboarding.readiness import upload_readiness
from portfolios.onboarding.template import TEMPLATE_FILENAME, template_csv
from sigmasight.api.params import parse_query
from sigmasight.api.renderers import JSONRenderer
from sigmasight.api.schema import errors

TAG = ["onboarding"]

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
        request={"multipart/form-data": s.UploadInputSerializer},
        responses={202: s.UploadAcceptedSerializer, **errors(400, 404, 413)},
        examples=[
            OpenApiExample("Accepted", value=_UPLOAD_EXAMPLE, response_only=True, status_codes=["202"])
        ],
    )
    def post(self, request: Request) -> Response:
        serializer = s.UploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = services.upload_create(
            owner=request.user,
            data=s.file_bytes(data["file"]),
            filename=getattr(data["file"], "name", "") or "",
            portfolio_name=data.get("portfolio_name"),
            portfolio_id=data.get("portfolio_id"),
        )
        return Response(
            s.UploadAcceptedSerializer(s.accepted_body(upload)).data, status=status.HTTP_202_ACCEPTED
        )


class UploadStatusView(APIView):
    """GET /portfolio/upload/{id}/status."""

    @extend_schema(
        tags=TAG,
        summary="Status of an upload",
        responses={200: s.UploadStatusSerializer, **errors(400, 404)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002 - the route's name
        parse_query(s.NoQuerySerializer, request)
        return Response(
            s.UploadStatusSerializer(selectors.upload_status(user=request.user, upload_id=id)).data
        )


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
        responses={200: s.UploadResultsSerializer, **errors(400, 404, 409)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        parse_query(s.NoQuerySerializer, request)
        return Response(
            s.UploadResultsSerializer(selectors.upload_results(user=request.user, upload_id=id)).data
        )


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
        responses={200: s.PreviewSerializer, **errors(400, 404, 409)},
    )
    def get(self, request: Request, id: str) -> Response:  # noqa: A002
        parse_query(s.NoQuerySerializer, request)
        upload = selectors.upload_get(user=request.user, upload_id=id)
        return Response(s.PreviewSerializer(upload_preview(upload=upload)).data)


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
        responses={200: s.ReadinessSerializer, **errors(404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = selectors.upload_get(user=request.user, upload_id=id)
        return Response(s.ReadinessSerializer(upload_readiness(upload=upload)).data)


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
        responses={202: s.UploadAcceptedSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = services.upload_retry(user=request.user, upload_id=id)
        return Response(
            s.UploadAcceptedSerializer(s.accepted_body(upload)).data, status=status.HTTP_202_ACCEPTED
        )


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
        responses={202: s.CompleteAcceptedSerializer, **errors(400, 404, 409)},
    )
    def post(self, request: Request, id: str) -> Response:  # noqa: A002
        upload = services.upload_complete(user=request.user, upload_id=id)
        return Response(
            s.CompleteAcceptedSerializer(s.complete_body(upload)).data, status=status.HTTP_202_ACCEPTED
        )


# Template -------------------------------------------------------------------------------------------


class CSVRenderer(renderers.BaseRenderer):
    """Lets ``Accept: text/csv`` negotiate; the view returns the CSV itself."""

    media_type = "text/csv"
    format = "csv"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        return data


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
        parse_query(s.NoQuerySerializer, request)
        response = HttpResponse(template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_FILENAME}"'
        return response
