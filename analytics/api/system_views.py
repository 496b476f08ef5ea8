"""Staff batch administration: /system/batch/<trigger>, /system/batch/status, /system/batch/history."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.permissions import IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics.api.serializers.system import (
    BatchRunSerializer,
    BatchStatusSerializer,
    BatchTriggerInput,
    JobAcceptedSerializer,
)
from analytics.batch import selectors
from analytics.batch.dispatch import batch_run_enqueue
from analytics.batch.registry import TRIGGERS
from marketdata.providers.registry import market_as_of
from portfolios.models import Portfolio
from sigmasight.api.exceptions import NotFound
from sigmasight.api.schema import errors


class BatchTriggerView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(
        request=BatchTriggerInput,
        responses={202: JobAcceptedSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, trigger: str) -> Response:
        if trigger not in TRIGGERS:
            raise NotFound(f"Unknown batch trigger {trigger!r}.", {"known": sorted(TRIGGERS)})
        data = BatchTriggerInput(data=request.data or {})
        data.is_valid(raise_exception=True)
        ids = data.validated_data.get("portfolio_ids")
        if ids:
            found = set(Portfolio.objects.filter(id__in=ids).values_list("id", flat=True))
            missing = [str(i) for i in ids if i not in found]
            if missing:
                raise serializers.ValidationError(
                    {"portfolio_ids": [f"Unknown portfolios: {', '.join(missing)}"]}
                )
        run = batch_run_enqueue(
            as_of=data.validated_data.get("as_of_date") or market_as_of(),
            engines=list(TRIGGERS[trigger]),
            portfolio_ids=ids,
            triggered_by=request.user,
            trigger="api",
        )
        accepted = {
            "job_id": str(run.job_id),
            "status": "queued",
            "poll_url": f"/api/v1/system/jobs/{run.job_id}",
            "batch_run_id": str(run.id),
        }
        return Response(JobAcceptedSerializer(accepted).data, status=status.HTTP_202_ACCEPTED)


class BatchStatusView(APIView):
    permission_classes = [IsAdminUser]

    @extend_schema(responses={200: BatchStatusSerializer, **errors(403)})
    def get(self, request: Request) -> Response:
        run = selectors.batch_current()
        if run is None:
            return Response(BatchStatusSerializer({"run": None, "message": "No batch has run yet."}).data)
        summaries = selectors.engine_summaries([run])
        return Response(BatchStatusSerializer({"run": run}, context={"summaries": summaries}).data)


class BatchHistoryView(ListAPIView):
    permission_classes = [IsAdminUser]
    serializer_class = BatchRunSerializer
    filter_backends: list = []

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.batch_runs()

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["summaries"] = getattr(self, "_summaries", {})
        return context

    def paginate_queryset(self, queryset):  # type: ignore[no-untyped-def]
        page = super().paginate_queryset(queryset)
        self._summaries = selectors.engine_summaries(list(page or []))
        return page
