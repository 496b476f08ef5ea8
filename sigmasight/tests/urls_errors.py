"""Test-only URLconf: the project's URLs plus views that fail, to pin the 500 envelope."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

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


urlpatterns = [
    re_path(r"^api/v1/test/boom-drf/?$", ExplodingAPIView.as_view()),
    re_path(r"^api/v1/test/boom-django/?$", exploding_django_view),
    *project_urlpatterns,
]
