"""/system/ui: agent-driven UI sync.

An agent records commands for the user's frontend (``POST /system/ui/navigate|highlight|filter``
with ``{target, params}`` -> 201 the recorded command); the frontend polls
``GET /system/ui/commands?since=`` and receives each pending command exactly once.

The poll is paginated like every /system list (``{count, next, previous, results}``, ``?limit=``
default 50, max 500, ``?offset=``), but it drains a queue: the commands returned are marked
delivered, so ``count`` is the number pending *before* the call and ``next``, when more remain,
is the same request again (the delivered ones no longer count).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sigmasight.api.pagination import LimitOffsetPagination
from sigmasight.api.params import parse_query
from sigmasight.system import services
from sigmasight.system.api.serializers import (
    UICommandInputSerializer,
    UICommandPageSerializer,
    UICommandPollSerializer,
    UICommandSerializer,
)
from sigmasight.system.models import UICommandAction


class UICommandCreateView(APIView):
    """Records one kind of UI command (the kind is fixed per URL)."""

    permission_classes = [IsAuthenticated]
    command_action: str = UICommandAction.NAVIGATE

    @extend_schema(
        request=UICommandInputSerializer,
        responses={201: UICommandSerializer},
        examples=[
            OpenApiExample(
                "Navigate",
                value={
                    "target": "portfolio.risk",
                    "params": {"portfolio_id": "6f1c3d2e-8b1f-4a53-9d0e-2a7c5b9e4f10"},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = UICommandInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        command = services.ui_command_record(
            user=request.user, action=self.command_action, **data.validated_data
        )
        return Response(UICommandSerializer(command).data, status=status.HTTP_201_CREATED)


class UICommandPollView(APIView):
    """The user's pending UI commands, oldest first; each is delivered once."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="UTC, e.g. 2026-11-24T16:05:00.123Z"
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="1..500, default 50"),
            OpenApiParameter("offset", OpenApiTypes.INT, description="0 or more"),
        ],
        responses={200: UICommandPageSerializer},
    )
    def get(self, request: Request) -> Response:
        query = parse_query(UICommandPollSerializer, request)
        paginator = LimitOffsetPagination()
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)
        commands, pending = services.ui_commands_deliver(
            user=request.user, since=query.get("since"), limit=limit, offset=offset
        )
        more = pending > offset + len(commands)
        page: dict[str, Any] = {
            "count": pending,
            "next": request.build_absolute_uri() if more else None,
            "previous": None,
            "results": commands,
        }
        return Response(UICommandPageSerializer(page).data)
