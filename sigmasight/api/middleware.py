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

from django.http import HttpRequest, HttpResponse, JsonResponse

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


def is_api_path(path: str) -> bool:
    return path.startswith("/api/")


class APIErrorMiddleware:
    """Gives Django's own 404/405/500 answers under /api/ the JSON envelope (no traceback, no HTML)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_path(request.path) or response.get("Content-Type", "").startswith(
            "application/json"
        ):
            return response
        if response.status_code == 404:
            return JsonResponse(
                error_body("NOT_FOUND", f"No endpoint at {request.path}."), status=404
            )
        if response.status_code == 405:
            return JsonResponse(
                error_body("METHOD_NOT_ALLOWED", f"Method {request.method} is not allowed here."),
                status=405,
            )
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path):
            return None
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return JsonResponse(
            error_body("INTERNAL_ERROR", "An internal error occurred. Quote the request_id to support."),
            status=500,
        )
