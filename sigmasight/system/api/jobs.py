"""/system/jobs: the state of async work, its result, and cancellation (API.md "/system").

Scoping: a user sees only the jobs they own; staff see every job. Another user's job answers 404.
``GET /system/jobs/{id}/result`` answers **409 CONFLICT** while the job is queued or running (the
result does not exist *yet*: the request conflicts with the job's current state; poll the job and
ask again), and 200 once the job has finished, whatever the outcome (``result`` may then be null,
with ``error`` saying why).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from sigmasight.api.exceptions import Conflict
from sigmasight.api.schema import ErrorEnvelopeSerializer
from sigmasight.system import selectors, services
from sigmasight.system.api.serializers import JobResultSerializer, JobSerializer
from sigmasight.system.models import Job, JobStatus

UUID_REGEX = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class JobFilter(django_filters.FilterSet):
    """``?status=`` (one of the job statuses) and ``?type=`` (the job type, exact)."""

    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    type = django_filters.CharFilter(field_name="job_type")

    class Meta:
        model = Job
        fields = ["status", "type"]


_EXAMPLE_JOB: dict[str, Any] = {
    "job_id": "6f1c3d2e-8b1f-4a53-9d0e-2a7c5b9e4f10",
    "type": "report",
    "status": "running",
    "progress_percent": 40.0,
    "created_at": "2026-11-24T16:05:00.123Z",
    "started_at": "2026-11-24T16:05:01.004Z",
    "finished_at": None,
    "error": None,
    "errors": [],
    "cancel_requested": False,
}


@extend_schema_view(
    list=extend_schema(summary="The jobs you can see (paginated, newest first)."),
    retrieve=extend_schema(
        summary="A job's state and progress.",
        examples=[OpenApiExample("Running job", value=_EXAMPLE_JOB, response_only=True)],
    ),
)
class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Jobs of the requesting user (every job for staff)."""

    serializer_class = JobSerializer
    filterset_class = JobFilter
    queryset = Job.objects.none()  # for the schema; the real one comes from get_queryset()
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> Any:
        return selectors.job_list(user=self.request.user)

    @extend_schema(
        summary="The result of a finished job.",
        responses={
            200: JobResultSerializer,
            409: OpenApiResponse(
                ErrorEnvelopeSerializer, description="CONFLICT: the job is still queued or running."
            ),
        },
    )
    @action(detail=True, methods=["get"])
    def result(self, request: Request, pk: str | None = None) -> Response:
        """200 with the result once the job finished; 409 CONFLICT while it is queued or running."""
        job = self.get_object()
        if not job.is_terminal:
            raise Conflict(
                f"The job has not finished yet ({job.status}): poll the job and try again.",
                details={"status": [str(job.status)]},
            )
        return Response(JobResultSerializer(job).data)

    @extend_schema(
        summary="Cancel a queued or running job.",
        request=None,
        responses={
            200: JobSerializer,
            409: OpenApiResponse(
                ErrorEnvelopeSerializer, description="CONFLICT: the job has already finished."
            ),
        },
        description=(
            "A queued job is cancelled at once; a running job keeps `status: running` with "
            "`cancel_requested: true` until it stops at its next checkpoint."
        ),
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Returns the job's new state."""
        job = services.job_cancel(job=self.get_object())
        return Response(JobSerializer(job).data)


__all__ = ["JobViewSet"]
