"""The DRF exception handler: every 4xx/5xx in one envelope (API.md "Errors").

Application code raises :class:`ApplicationError` subclasses carrying a code; DRF's own exceptions
are mapped to the codes of API.md; anything else becomes a 500 ``INTERNAL_ERROR`` with no traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response

from sigmasight.api.middleware import INTERNAL_ERROR_MESSAGE, django_request_error, error_body, error_headers
from sigmasight.api.schema import ErrorEnvelopeSerializer

logger = logging.getLogger("sigmasight.api")


class ApplicationError(Exception):
    """An error a service raises on purpose; rendered with its code and status."""

    status_code = status.HTTP_400_BAD_REQUEST
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}


class InsufficientData(ApplicationError):
    """The data or batch result needed is missing (422): ``details`` says what and how to get it."""

    status_code = 422
    code = "INSUFFICIENT_DATA"


class Conflict(ApplicationError):
    status_code = status.HTTP_409_CONFLICT
    code = "CONFLICT"


class PayloadTooLarge(ApplicationError):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    code = "PAYLOAD_TOO_LARGE"


class NotFound(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND
    code = "NOT_FOUND"


_CODES: dict[type[exceptions.APIException], str] = {
    exceptions.ValidationError: "VALIDATION_ERROR",
    exceptions.ParseError: "VALIDATION_ERROR",
    exceptions.AuthenticationFailed: "AUTHENTICATION_FAILED",
    exceptions.NotAuthenticated: "NOT_AUTHENTICATED",
    exceptions.PermissionDenied: "PERMISSION_DENIED",
    exceptions.NotFound: "NOT_FOUND",
    exceptions.MethodNotAllowed: "METHOD_NOT_ALLOWED",
    exceptions.NotAcceptable: "NOT_ACCEPTABLE",
    exceptions.UnsupportedMediaType: "UNSUPPORTED_MEDIA_TYPE",
    exceptions.Throttled: "RATE_LIMIT_EXCEEDED",
}

_MESSAGES: dict[str, str] = {
    "VALIDATION_ERROR": "The request is invalid: see details.",
    "NOT_FOUND": "Not found.",
}


def _details(data: Any) -> dict[str, Any]:
    """Normalizes DRF's error data to ``{field: [messages]}``."""
    if isinstance(data, dict):
        out: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, list) and all(not isinstance(v, (dict, list)) for v in value):
                out[key] = [str(v) for v in value]
            elif isinstance(value, (dict, list)):
                out[key] = value
            else:
                out[key] = [str(value)]
        return out
    if isinstance(data, list):
        return {"non_field_errors": [str(v) for v in data]}
    return {}


def _first_message(details: dict[str, Any]) -> str | None:
    for field, messages in details.items():
        if isinstance(messages, list) and messages and isinstance(messages[0], str):
            return messages[0] if field in ("non_field_errors", "detail") else f"{field}: {messages[0]}"
    return None


def _error_response(
    code: str,
    message: str,
    details: dict[str, Any] | None = None,
    *,
    status_code: int,
    headers: dict[str, str] | None = None,
) -> Response:
    """The envelope through its documented serializer (the one of every error in the schema)."""
    body = ErrorEnvelopeSerializer(error_body(code, message, details)).data
    return Response(body, status=status_code, headers=headers)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Renders any exception raised in a DRF view as the API.md envelope."""
    if isinstance(exc, ApplicationError):
        return _error_response(exc.code, exc.message, exc.details, status_code=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )

    if not isinstance(exc, exceptions.APIException):
        known = django_request_error(exc)  # e.g. a body over DATA_UPLOAD_MAX_MEMORY_SIZE -> 413
        if known is not None:
            status_code, code, message = known
            return _error_response(code, message, status_code=status_code, headers=error_headers(status_code))
        logger.exception("Unhandled API error", exc_info=exc)
        return _error_response("INTERNAL_ERROR", INTERNAL_ERROR_MESSAGE, status_code=500)

    code = next((c for cls, c in _CODES.items() if isinstance(exc, cls)), None)
    if code is None:
        code = "INTERNAL_ERROR" if exc.status_code >= 500 else str(exc.default_code).upper()
    headers: dict[str, str] = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(int(exc.wait) + (1 if exc.wait % 1 else 0))
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        headers["WWW-Authenticate"] = 'Bearer realm="api"'

    if isinstance(exc, exceptions.ValidationError):
        details = _details(exc.detail)
        message = _first_message(details) or _MESSAGES["VALIDATION_ERROR"]
    else:
        details = {}
        detail = exc.detail
        if isinstance(detail, dict):
            message = str(detail.get("detail", _MESSAGES.get(code, "Error.")))
            details = {k: v for k, v in _details(detail).items() if k not in ("detail", "messages")}
        else:
            message = str(detail)
    status_code = exc.status_code
    if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        status_code = 401  # DRF downgrades to 403 on views without an auth header; API.md says 401
    return _error_response(code, message, details, status_code=status_code, headers=headers)
