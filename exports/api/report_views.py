"""/export/reports: generate (202 + job), status, download, templates, schedules.

Thin views: validate, check ownership (another user's portfolio, report or schedule answers 404),
one service or selector call, the API.md shape.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.common import PortfolioScopedQuery
from analytics.selectors.access import owned_portfolio
from exports.api.serializers_reports import (
    ReportAcceptedSerializer,
    ReportGenerateInput,
    ReportScheduleInput,
    ReportScheduleSerializer,
    ReportSerializer,
    ReportTemplateSerializer,
)
from exports.models import ReportStatus
from exports.reports import schedules, selectors
from exports.reports.services import content_type_of, report_generate
from exports.reports.templates import template_list
from sigmasight.api.exceptions import Conflict
from sigmasight.api.params import parse_query
from sigmasight.api.schema import errors

_GENERATE_DESCRIPTION = (
    "Queues a report of one of your portfolios and answers 202 with the Job to poll "
    "(`GET /api/v1/system/jobs/{job_id}`: progress, then `succeeded`, `partial` when a section the "
    "batch has not produced is left out, or `failed` with the reason in `error`, e.g. "
    "`INSUFFICIENT_DATA: ...` when the batch has not run for the portfolio; no file is written "
    "then). The job's result carries `report_id` and `download_url`.\n\n"
    "Formats: `pdf` (US Letter, charts as images, footer with portfolio, as-of date and data "
    "source, page numbers), `html` (one self-contained page: inline CSS and inline SVG charts, no "
    "external URL), `json` (`{report: {template, portfolio, as_of_date, data_source, generated_at, "
    "sections, unavailable, conventions}, sections: {id: data as the matching /analytics or /data "
    "endpoint returns it}}`), `csv` (one long table `section,item,metric,value`: `metric` is the "
    "dotted JSON path inside the section, `item` the list element: a symbol, scenario id, factor, "
    "date or `historical 0.95 1d` for a VaR entry). Every section is read for the as-of date of "
    "the portfolio's latest aggregate."
)


class ReportGenerateView(APIView):
    @extend_schema(
        operation_id="export_reports_generate",
        summary="Generate a report (async job)",
        description=_GENERATE_DESCRIPTION,
        request=ReportGenerateInput,
        responses={202: ReportAcceptedSerializer, **errors(400, 404)},
        examples=[
            OpenApiExample(
                "Full PDF",
                request_only=True,
                value={
                    "portfolio_id": "565439a7-062d-4326-a65d-b9a0becb0eb3",
                    "template": "full",
                    "format": "pdf",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body = ReportGenerateInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        portfolio = owned_portfolio(request.user, data["portfolio_id"])
        report = report_generate(
            user=request.user, portfolio=portfolio, template=data["template"], format=data["format"]
        )
        payload = {
            "job_id": str(report.job_id),
            "status": "queued",
            "poll_url": f"/api/v1/system/jobs/{report.job_id}",
            "report_id": str(report.id),
        }
        return Response(ReportAcceptedSerializer(payload).data, status=status.HTTP_202_ACCEPTED)


class ReportTemplatesView(APIView):
    @extend_schema(
        operation_id="export_reports_templates",
        summary="Report templates with their formats and sections",
        responses={200: ReportTemplateSerializer(many=True), **errors()},
    )
    def get(self, request: Request) -> Response:
        return Response(ReportTemplateSerializer(template_list(), many=True).data)


class ReportDetailView(APIView):
    @extend_schema(
        operation_id="export_reports_retrieve",
        summary="A report's status",
        description="`download_url` is set once `status` is `succeeded`; `error` says why a failed one failed.",
        responses={200: ReportSerializer, **errors(404)},
    )
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        return Response(ReportSerializer(selectors.report_get(user=request.user, report_id=id)).data)


class ReportDownloadView(APIView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file has its own type; JSON is only for errors, whatever the client's Accept says.
        return super().perform_content_negotiation(request, force=True)

    @extend_schema(
        operation_id="export_reports_download",
        summary="Download a finished report",
        description=(
            "The file as an attachment (`application/pdf`, `text/html`, `application/json` or "
            "`text/csv`). 409 CONFLICT while the report is queued or running, or when it failed."
        ),
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The report file."
            ),
            **errors(404, 409),
        },
    )
    def get(self, request: Request, id: UUID) -> FileResponse:  # noqa: A002 - the URL's name
        report = selectors.report_get(user=request.user, report_id=id)
        if report.status != ReportStatus.SUCCEEDED or not report.file:
            raise Conflict(
                f"The report is {report.status}: there is no file to download"
                + (" yet; poll its job." if report.status != ReportStatus.FAILED else f" ({report.error})."),
                {"status": [str(report.status)]},
            )
        name = report.file.name.rsplit("/", 1)[-1]
        return FileResponse(
            report.file.open("rb"), as_attachment=True, filename=name, content_type=content_type_of(report)
        )


class ReportScheduleCreateView(APIView):
    @extend_schema(
        operation_id="export_reports_schedule_create",
        summary="Schedule a recurring report",
        description=(
            "Backed by a django-celery-beat PeriodicTask on a UTC crontab at `time`: every day "
            "(`daily`), on `day_of_week` (0 = Monday .. 6 = Sunday, `weekly` only) or on "
            "`day_of_month` (1..28, `monthly` only). Each run stores a report like `generate` and "
            "records it in /export/history. A schedule whose portfolio was deleted disables itself."
        ),
        request=ReportScheduleInput,
        responses={201: ReportScheduleSerializer, **errors(400, 404)},
        examples=[
            OpenApiExample(
                "Weekly on Monday 06:30 UTC",
                request_only=True,
                value={
                    "portfolio_id": "565439a7-062d-4326-a65d-b9a0becb0eb3",
                    "template": "risk_summary",
                    "format": "pdf",
                    "frequency": "weekly",
                    "day_of_week": 0,
                    "time": "06:30",
                },
            )
        ],
    )
    def post(self, request: Request) -> Response:
        body = ReportScheduleInput(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        portfolio = owned_portfolio(request.user, data.pop("portfolio_id"))
        schedule = schedules.schedule_create(user=request.user, portfolio=portfolio, **data)
        return Response(ReportScheduleSerializer(schedule).data, status=status.HTTP_201_CREATED)


class ReportScheduleListView(ListAPIView):
    serializer_class = ReportScheduleSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        operation_id="export_reports_schedules_list",
        summary="Your report schedules (paginated, newest first)",
        parameters=[PortfolioScopedQuery],
        responses={200: ReportScheduleSerializer(many=True), **errors(400, 404)},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        query = parse_query(PortfolioScopedQuery, self.request)
        portfolio = owned_portfolio(self.request.user, query.get("portfolio_id"))
        return selectors.schedule_list(
            user=self.request.user, portfolio_id=portfolio.id if portfolio else None
        )


class ReportScheduleDetailView(APIView):
    @extend_schema(
        operation_id="export_reports_schedules_retrieve",
        summary="A report schedule",
        responses={200: ReportScheduleSerializer, **errors(404)},
    )
    def get(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        return Response(
            ReportScheduleSerializer(selectors.schedule_get(user=request.user, schedule_id=id)).data
        )

    @extend_schema(
        operation_id="export_reports_schedules_destroy",
        summary="Delete a report schedule and its periodic task",
        responses={204: None, **errors(404)},
    )
    def delete(self, request: Request, id: UUID) -> Response:  # noqa: A002 - the URL's name
        schedules.schedule_delete(schedule=selectors.schedule_get(user=request.user, schedule_id=id))
        return Response(status=status.HTTP_204_NO_CONTENT)
