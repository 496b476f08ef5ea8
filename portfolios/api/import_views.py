"""POST /management/portfolios/upload: the one-shot CSV import (the onboarding parser and rules in
one request). Thin: validate, one service call (:func:`portfolios.onboarding.imports.portfolio_import`),
serialize."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portfolios.api import onboarding_serializers as s
from portfolios.onboarding.imports import portfolio_import
from sigmasight.api.schema import errors


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
        request={"multipart/form-data": s.ManagementUploadInputSerializer},
        responses={
            200: s.ImportResultSerializer,
            201: s.ImportResultSerializer,
            **errors(400, 404, 413),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = s.ManagementUploadInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        outcome = portfolio_import(
            owner=request.user,
            data=s.file_bytes(data["file"]),
            portfolio_id=data.get("portfolio_id"),
            name=data.get("name"),
        )
        code = status.HTTP_200_OK if data.get("portfolio_id") else status.HTTP_201_CREATED
        return Response(s.ImportResultSerializer(s.import_body(outcome)).data, status=code)
