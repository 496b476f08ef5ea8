"""Request ID propagation and the error envelope for responses produced outside DRF.

``X-Request-ID`` is echoed from the request (when it looks sane) or generated, stored in a context
variable so every log line of the request carries it, and set on every response.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.core.exceptions import (
    BadRequest,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.db import InterfaceError, OperationalError, connections
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_VALID_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
logger = logging.getLogger("sigmasight.request")


def current_request_id() -> str:
    """The request ID of the request being served ("-" outside a request)."""
    return _request_id.get()


class RequestIDLogFilter(logging.Filter):
    """Adds ``record.request_id`` so log formats can print it."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current_request_id()
        return True


class RequestIDMiddleware:
    """Reads or generates the request ID and sets ``X-Request-ID`` on the response."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _request_id.reset(token)
        response["X-Request-ID"] = request_id
        ratelimit = getattr(request, "ratelimit", None)
        if ratelimit is not None:
            response["X-RateLimit-Limit"] = str(ratelimit["limit"])
            response["X-RateLimit-Remaining"] = str(ratelimit["remaining"])
            response["X-RateLimit-Reset"] = str(ratelimit["reset"])
        return response


def error_body(code: str, message: str, details: dict | None = None) -> dict:
    """The error envelope of API.md."""
    return {
        "error": {
            "code": code,
            "message": message,
            "details": details or {},
            "request_id": current_request_id(),
        }
    }


#: The machine-facing paths: the REST API, the health probe and the MCP endpoint. Elsewhere (the
#: staff console under /admin, unknown pages) Django's HTML error pages stay.
API_PATH_PREFIXES = ("/api/", "/health", "/mcp")


def is_api_path(path: str) -> bool:
    """True for URLs whose errors must use the envelope."""
    return path.startswith(API_PATH_PREFIXES)


#: The envelope code of an error status produced outside DRF (API.md "Errors").
STATUS_CODES: dict[int, str] = {
    400: "VALIDATION_ERROR",
    401: "NOT_AUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    422: "INSUFFICIENT_DATA",
    429: "RATE_LIMIT_EXCEEDED",
    503: "SERVICE_UNAVAILABLE",
}
INTERNAL_ERROR_MESSAGE = "An internal error occurred. Quote the request_id to support."
DATABASE_UNAVAILABLE_MESSAGE = "The database is unavailable: retry in a few seconds."
#: ``Retry-After`` (seconds) of a 503: a restarted database or a failover is back within seconds.
RETRY_AFTER_SECONDS = 5


def error_headers(status: int) -> dict[str, str]:
    """Headers of an error answer: ``Retry-After`` on a 503."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}


def drop_broken_connections() -> None:
    """Closes every database connection of this thread that no longer answers, so the next query
    (of this request's successor) opens a fresh one instead of failing on the dead socket."""
    for conn in connections.all(initialized_only=True):
        if conn.connection is not None and not conn.is_usable():
            conn.close()


def django_request_error(exc: Exception) -> tuple[int, str, str] | None:
    """``(status, code, message)`` for Django's own request exceptions; None for anything else.

    A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (or too many fields/files) is a 413, any other
    ``SuspiciousOperation``/``BadRequest`` a 400, ``Http404`` a 404, ``PermissionDenied`` a 403.
    A lost or failing database (``OperationalError``: connection refused or killed, statement
    timeout; ``InterfaceError``: the connection is closed) is a 503 ``SERVICE_UNAVAILABLE``, and the
    dead connections are closed here so the next request reconnects.
    """
    if isinstance(exc, (OperationalError, InterfaceError)):
        logger.error("Database unavailable: %s: %s", type(exc).__name__, exc)
        drop_broken_connections()
        return 503, "SERVICE_UNAVAILABLE", DATABASE_UNAVAILABLE_MESSAGE
    if isinstance(exc, (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)):
        return 413, "PAYLOAD_TOO_LARGE", "The request body is too large."
    if isinstance(exc, (SuspiciousOperation, BadRequest)):
        return 400, "VALIDATION_ERROR", "The request is malformed."
    if isinstance(exc, Http404):
        return 404, "NOT_FOUND", "Not found."
    if isinstance(exc, PermissionDenied):
        return 403, "PERMISSION_DENIED", "You do not have permission to perform this action."
    return None


class APIErrorMiddleware:
    """Gives Django's own error answers under /api/ (unknown URL, 405, raised exceptions, any
    non-JSON 4xx/5xx) the JSON envelope: no traceback, no HTML."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code < 400
            or not is_api_path(request.path)
            or response.get("Content-Type", "").startswith("application/json")
        ):
            return response
        status = response.status_code
        if status == 404:
            message = f"No endpoint at {request.path}."
        elif status == 405:
            message = f"Method {request.method} is not allowed here."
        elif status >= 500:
            message = INTERNAL_ERROR_MESSAGE
        else:
            message = response.reason_phrase or "The request failed."
        code = STATUS_CODES.get(status, "INTERNAL_ERROR" if status >= 500 else "ERROR")
        return JsonResponse(error_body(code, message), status=status)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """Exceptions escaping non-DRF views under /api/ (DRF views use the exception handler)."""
        if not is_api_path(request.path):
            return None
        known = django_request_error(exception)
        if known is not None:
            status, code, message = known
            return JsonResponse(error_body(code, message), status=status, headers=error_headers(status))
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return JsonResponse(error_body("INTERNAL_ERROR", INTERNAL_ERROR_MESSAGE), status=500)
