"""GET /health: database, cache and broker status (503 when the database is down)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


def _database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception:  # noqa: BLE001 - any failure means "down"
        return "down"


def _cache() -> str:
    try:
        cache.set("health-check", "1", 5)
        return "ok" if cache.get("health-check") == "1" else "down"
    except Exception:  # noqa: BLE001
        return "down"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL or settings.CELERY_BROKER_URL.startswith("memory://"):
        return "disabled"  # the embedded default: tasks run in-process
    try:
        from sigmasight.celery import app

        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return "ok"
    except Exception:  # noqa: BLE001
        return "down"


class HealthSerializer(serializers.Serializer):
    status = serializers.CharField(
        help_text="ok, degraded (the cache or broker is down) or down (the database is: 503)."
    )
    database = serializers.CharField(help_text="ok or down.")
    cache = serializers.CharField(help_text="ok or down.")
    broker = serializers.CharField(help_text="ok, down or disabled (no broker: tasks run in-process).")
    version = serializers.CharField()


class HealthView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes: list = []

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer},
        auth=[],
    )
    def get(self, request: Request) -> Response:
        body = {
            "status": "ok",
            "database": _database(),
            "cache": _cache(),
            "broker": _broker(),
            "version": settings.VERSION,
        }
        if body["database"] != "ok":
            body["status"] = "down"
            return Response(HealthSerializer(body).data, status=503)
        if "down" in (body["cache"], body["broker"]):
            body["status"] = "degraded"
        return Response(HealthSerializer(body).data)
