"""OpenAPI: the error envelope (API.md "Errors") as documented responses, and the AutoSchema that
documents on every operation the error statuses it can return.

:class:`AutoSchema` (``DEFAULT_SCHEMA_CLASS``) derives them from what the view is, not from
per-view decorators:

- 400 ``VALIDATION_ERROR``: the operation takes input (a path or query parameter, a body);
- 401: the view authenticates (an invalid or expired Bearer token is refused on any of them);
- 403 ``PERMISSION_DENIED``: a permission beyond "authenticated" (staff only), or a write that a
  ``read`` personal token may not make;
- 404 ``NOT_FOUND``: a path parameter, or an object id among the query parameters or body fields
  (``portfolio_id``, ``*_id``, ``*_ids``: another user's object answers 404);
- 413 ``PAYLOAD_TOO_LARGE`` and 415 ``UNSUPPORTED_MEDIA_TYPE``: the operation takes a body;
- 414 URI Too Long (gunicorn's HTML page: it refuses the request before the app sees it): a path or
  query parameter;
- 429 ``RATE_LIMIT_EXCEEDED`` (with ``Retry-After``): the view is throttled;
- 503 ``SERVICE_UNAVAILABLE`` (with ``Retry-After``): every operation (each reads the database).

Statuses that depend on the domain (409 conflicts, 422 missing data, the uploads' 413) are declared
by the views with :func:`errors`; a view's own description of a status wins.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular import openapi
from drf_spectacular.plumbing import is_serializer
from drf_spectacular.utils import OpenApiResponse
from rest_framework import permissions, serializers

from accounts.personal_tokens import PersonalTokenAuthentication, read_scope_refused, view_path


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
    403: "PERMISSION_DENIED: staff only, or a write with a read-only personal access token.",
    404: "NOT_FOUND: no such object among yours (another user's object answers the same).",
    409: "CONFLICT: the request conflicts with the current state (e.g. a name already used).",
    413: "PAYLOAD_TOO_LARGE: the body (or upload) exceeds the limit given in the message.",
    415: "UNSUPPORTED_MEDIA_TYPE: the body's Content-Type is not one the operation accepts.",
    422: "INSUFFICIENT_DATA: the data or batch result needed is missing; `details` says what and how to produce it.",
    429: "RATE_LIMIT_EXCEEDED: too many requests; `Retry-After` says how many seconds to wait.",
    503: "SERVICE_UNAVAILABLE: the database is unavailable (lost connection, timeout); retry.",
}

#: gunicorn answers an over-long request line itself, before the app: its HTML page, not the envelope.
_URI_TOO_LONG = {
    "description": "URI Too Long: the request line (path and query) is over the HTTP server's limit "
    "(gunicorn's `limit_request_line`); gunicorn's own HTML page, not the envelope.",
    "content": {"text/html": {"schema": {"type": "string"}}},
}

_RETRY_AFTER = {
    "Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait before trying again."}
}

#: Permissions that refuse nothing but an anonymous caller (401, not 403).
_NO_403 = (permissions.AllowAny, permissions.IsAuthenticated)


def error_response(status_code: int) -> OpenApiResponse:
    """The envelope response of one status, with its description."""
    return OpenApiResponse(ErrorEnvelopeSerializer, description=_DESCRIPTIONS[status_code])


def errors(*status_codes: int) -> dict[int, OpenApiResponse]:
    """``{status: envelope response}`` for ``@extend_schema(responses={...})``; 401 is always added.

    Only the domain statuses need naming here (409, 422, an upload's 413): :class:`AutoSchema`
    adds the generic ones to every operation they apply to.
    """
    return {code: error_response(code) for code in sorted({401, *status_codes})}


def _is_id_name(name: str) -> bool:
    return name.endswith("_id") or name.endswith("_ids")


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's AutoSchema, plus the error statuses every operation can return."""

    def get_operation(self, path: str, path_regex: str, path_prefix: str, method: str, registry: Any) -> Any:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_statuses(operation):
            if str(code) in responses:
                continue
            if code == 414:
                responses["414"] = copy.deepcopy(_URI_TOO_LONG)  # no YAML aliases between operations
                continue
            response = self._get_response_for_code(error_response(code), str(code))
            if code in (429, 503):
                response = {**response, "headers": {**response.get("headers", {}), **_RETRY_AFTER}}
            responses[str(code)] = response
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_statuses(self, operation: dict[str, Any]) -> set[int]:
        """The generic error statuses of this operation (module docstring)."""
        view = self.view
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        codes = {503}
        if parameters or has_body:
            codes.add(400)
        if has_body:
            codes |= {413, 415}
        authenticators = list(view.authentication_classes)
        if authenticators:
            codes.add(401)
        if any(not isinstance(p, _NO_403) for p in view.get_permissions()):
            codes.add(403)
        if PersonalTokenAuthentication in authenticators and read_scope_refused(
            method=self.method, view_path=view_path(view)
        ):
            codes.add(403)
        names = {p["name"] for p in parameters if p.get("in") == "query"} | self._body_field_names()
        if any(p.get("in") == "path" for p in parameters) or any(_is_id_name(n) for n in names):
            codes.add(404)
        if any(p.get("in") in ("path", "query") for p in parameters):
            codes.add(414)
        if view.throttle_classes:
            codes.add(429)
        return codes

    def _body_field_names(self) -> set[str]:
        if self.method not in ("POST", "PUT", "PATCH"):
            return set()
        serializer = self.get_request_serializer()
        if isinstance(serializer, type):
            serializer = serializer()
        if is_serializer(serializer) and hasattr(serializer, "fields"):
            return set(serializer.fields)
        return set()
