"""Test-only URLconf: the project's URLs plus failing views, to pin the envelope outside DRF."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sigmasight.urls import handler400, handler403, handler404, handler500  # noqa: F401  (the same error views)
from sigmasight.urls import urlpatterns as project_urlpatterns

SECRET = "db-password=hunter2 in /srv/app/secret_module.py"


class ExplodingAPIView(APIView):
    """A DRF view whose handler raises an unexpected error."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise RuntimeError(SECRET)


def exploding_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view that raises (handled by the API error middleware)."""
    raise ZeroDivisionError(SECRET)


def missing_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view that raises Http404."""
    raise Http404(SECRET)


def body_reading_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view that reads the body (too big -> RequestDataTooBig)."""
    return HttpResponse(str(len(request.body)))


def html_error_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view answering an HTML 400."""
    return HttpResponseBadRequest(f"<h1>{SECRET}</h1>")


def csrf_protected_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view under CSRF protection (a cookie-style form endpoint)."""
    return HttpResponse("posted")


class RaisingMiddleware:
    """Test middleware: raises before any view for ``/boom-middleware/<kind>`` paths."""

    def __init__(self, get_response):  # type: ignore[no-untyped-def]
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "/boom-middleware/" in request.path:
            if request.path.rstrip("/").endswith("database"):
                from django.db import OperationalError

                raise OperationalError("server closed the connection unexpectedly")
            raise RuntimeError(SECRET)
        return self.get_response(request)


def _kill_own_connection() -> None:
    """The server terminates this very connection mid-request (as a database restart or a DBA's
    pg_terminate_backend would): the statement fails with OperationalError."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pg_backend_pid())")


class ConnectionKillingAPIView(APIView):
    """A DRF view whose database connection dies under it."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        _kill_own_connection()
        return Response({"unreachable": True})


def connection_killing_django_view(request: HttpRequest) -> HttpResponse:
    """A plain Django view whose database connection dies under it."""
    _kill_own_connection()
    return HttpResponse("unreachable")


urlpatterns = [
    re_path(r"^test/form/?$", csrf_protected_django_view),
    re_path(r"^api/v1/test/form/?$", csrf_protected_django_view),
    re_path(r"^api/v1/test/kill-db-drf/?$", ConnectionKillingAPIView.as_view()),
    re_path(r"^api/v1/test/kill-db-django/?$", connection_killing_django_view),
    re_path(r"^api/v1/test/boom-drf/?$", ExplodingAPIView.as_view()),
    re_path(r"^api/v1/test/boom-django/?$", exploding_django_view),
    re_path(r"^api/v1/test/missing-django/?$", missing_django_view),
    re_path(r"^api/v1/test/body-django/?$", csrf_exempt(body_reading_django_view)),
    re_path(r"^api/v1/test/html-error-django/?$", html_error_django_view),
    *project_urlpatterns,
]
