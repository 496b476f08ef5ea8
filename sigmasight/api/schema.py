"""OpenAPI helpers: the error envelope (API.md "Errors") as documented responses."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="VALIDATION_ERROR, AUTHENTICATION_FAILED, NOT_AUTHENTICATED, PERMISSION_DENIED, NOT_FOUND, "
        "METHOD_NOT_ALLOWED, NOT_ACCEPTABLE, CONFLICT, PAYLOAD_TOO_LARGE, UNSUPPORTED_MEDIA_TYPE, "
        "INSUFFICIENT_DATA, RATE_LIMIT_EXCEEDED, INTERNAL_ERROR, SERVICE_UNAVAILABLE (docs/api-conventions.md)."
    )
    message = serializers.CharField()
    details = serializers.DictField(help_text="For validation errors: field or parameter -> messages.")
    request_id = serializers.CharField()


class ErrorEnvelopeSerializer(serializers.Serializer):
    error = ErrorBodySerializer()


_DESCRIPTIONS = {
    400: "VALIDATION_ERROR: `details` maps each invalid field or query parameter to its messages.",
    401: "NOT_AUTHENTICATED or AUTHENTICATION_FAILED: no valid Bearer access token.",
    403: "PERMISSION_DENIED: staff only.",
    404: "NOT_FOUND: no such object among yours (another user's object answers the same).",
    409: "CONFLICT: the request conflicts with the current state (e.g. a name already used).",
    413: "PAYLOAD_TOO_LARGE: the upload exceeds the limit given in the message.",
    422: "INSUFFICIENT_DATA: the data or batch result needed is missing; `details` says what and how to produce it.",
    503: "SERVICE_UNAVAILABLE: the database is unavailable (lost connection, timeout); retry.",
}


def errors(*status_codes: int) -> dict[int, OpenApiResponse]:
    """``{status: envelope response}`` for ``@extend_schema(responses={...})``; 401 is always added."""
    return {
        code: OpenApiResponse(ErrorEnvelopeSerializer, description=_DESCRIPTIONS[code])
        for code in sorted({401, *status_codes})
    }
