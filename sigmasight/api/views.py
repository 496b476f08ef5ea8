"""Shared API view helpers and Django's error views (handler400/403/404/500, the CSRF failure view).

Django answers some requests before any view runs: a Host header not in ``ALLOWED_HOSTS``
(``DisallowedHost``), an exception in a middleware, a CSRF failure, a URL nothing matches. Its
default pages are HTML; here every such answer on the machine-facing paths (/api/, /health, /mcp:
:func:`sigmasight.api.middleware.is_api_path`) is the API's JSON envelope, while the staff console
(/admin) and other pages keep Django's HTML pages.
"""

from __future__ import annotations

import sys

from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import csrf, defaults
from django.views.decorators.csrf import csrf_exempt

from sigmasight.api.middleware import (
    INTERNAL_ERROR_MESSAGE,
    django_request_error,
    error_body,
    error_headers,
    is_api_path,
)


def _envelope(status: int, code: str, message: str) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status, headers=error_headers(status))


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any unknown URL under /api/ answers the 404 envelope."""
    return _envelope(404, "NOT_FOUND", f"No endpoint at {request.path}.")


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: a bad Host header, a malformed or too large body seen outside DRF."""
    if not is_api_path(request.path):
        return defaults.bad_request(request, exception)
    if isinstance(exception, DisallowedHost):
        return _envelope(400, "VALIDATION_ERROR", "Invalid Host header: this host is not served here.")
    status, code, message = django_request_error(exception) or (
        400,
        "VALIDATION_ERROR",
        "The request is malformed.",
    )
    return _envelope(status, code, message)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler403."""
    if not is_api_path(request.path):
        return defaults.permission_denied(request, exception)
    return _envelope(403, "PERMISSION_DENIED", "You do not have permission to perform this action.")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: no URL matched (/api/ has its own catch-all; /health and /mcp variants land here)."""
    if not is_api_path(request.path):
        return defaults.page_not_found(request, exception)
    return _envelope(404, "NOT_FOUND", f"No endpoint at {request.path}.")


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an exception no view or middleware handled (called inside Django's ``except``,
    so ``sys.exc_info()`` is that exception); a lost database is a 503."""
    if not is_api_path(request.path):
        return defaults.server_error(request)
    exc = sys.exc_info()[1]
    known = django_request_error(exc) if isinstance(exc, Exception) else None
    if known is not None and known[0] == 503:
        return _envelope(*known)
    return _envelope(500, "INTERNAL_ERROR", INTERNAL_ERROR_MESSAGE)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: the API's own views are CSRF-exempt (Bearer tokens, no cookies); a
    plain Django view on an API path that fails the check answers the 403 envelope."""
    if not is_api_path(request.path):
        return csrf.csrf_failure(request, reason)
    return _envelope(403, "PERMISSION_DENIED", f"CSRF verification failed: {reason}")
