"""Shared API view helpers."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from sigmasight.api.middleware import error_body


@csrf_exempt
def api_not_found(request: HttpRequest, *args: object, **kwargs: object) -> JsonResponse:
    """Any unknown URL under /api/ answers the 404 envelope."""
    return JsonResponse(error_body("NOT_FOUND", f"No endpoint at {request.path}."), status=404)
