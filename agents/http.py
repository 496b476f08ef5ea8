"""``/mcp``: the streamable HTTP MCP endpoint, served by the Django (WSGI) process itself.

Choice: the SDK's streamable HTTP transport is an ASGI app. Each Django request is handed to it
whole: the view builds the ASGI scope from the request, runs a fresh **stateless, JSON-response**
``StreamableHTTPSessionManager`` for that one request (``async_to_sync``, so the SDK's own code
parses the JSON-RPC message, negotiates the protocol version and answers initialize, tools/list
and tools/call) and returns what the ASGI app sent as the Django response. Stateless means no
session id and no server-to-client stream (GET answers 405): every POST is self-contained, which
is what a WSGI worker can serve; a client's ``initialize`` is answered the same way.

The view is a DRF ``APIView``, so the Bearer credential is checked exactly as on the REST API
(a personal access token or a JWT access token; 401 with the API's envelope otherwise) and the
per-user throttle applies. A ``read`` personal token reaches the tools (this view is exempt from
the method rule of :mod:`accounts.personal_tokens`); the write tools refuse it themselves.
The tools' ORM calls run back in this request's thread (thread-sensitive ``sync_to_async``).
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from asgiref.sync import async_to_sync
from django.http import HttpResponse
from drf_spectacular.utils import extend_schema
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.personal_tokens import request_can_write
from agents.server import build_server, current_principal
from agents.tools import Principal

#: Request headers not passed to the SDK (the credential was checked here).
_DROPPED_HEADERS = frozenset({"authorization", "cookie"})


def _asgi_scope(request: Any) -> dict[str, Any]:
    headers = [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in request.headers.items()
        if name.lower() not in _DROPPED_HEADERS
    ]
    host = request.get_host()
    port = int(request.get_port() or 80)
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": request.method,
        "scheme": request.scheme,
        "path": request.path,
        "raw_path": request.path.encode(),
        "root_path": "",
        "query_string": request.META.get("QUERY_STRING", "").encode("latin-1"),
        "headers": headers,
        "server": (host.split(":")[0], port),
        "client": (request.META.get("REMOTE_ADDR", ""), 0),
    }


async def _serve(scope: dict[str, Any], body: bytes) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Runs one request through the SDK's stateless JSON-response streamable HTTP app."""
    manager = StreamableHTTPSessionManager(app=build_server(), stateless=True, json_response=True)
    delivered = False
    status = 500
    headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal delivered
        if delivered:
            return {"type": "http.disconnect"}
        delivered = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        nonlocal status, headers
        if message["type"] == "http.response.start":
            status = message["status"]
            headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    async with manager.run():
        await manager.handle_request(scope, receive, send)
    return status, headers, b"".join(chunks)


def _django_response(status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> HttpResponse:
    response = HttpResponse(body, status=status)
    for name, value in headers:
        key = name.decode("latin-1")
        if key.lower() not in {"content-length"}:
            response[key] = value.decode("latin-1")
    return response


class MCPView(APIView):
    """The MCP endpoint (JSON-RPC over streamable HTTP, stateless)."""

    permission_classes = [IsAuthenticated]

    def _handle(self, request: Request) -> HttpResponse:
        body = request.body  # the raw JSON-RPC message (DRF's parsers are not involved)
        token = current_principal.set(Principal(user=request.user, can_write=request_can_write(request.auth)))
        try:
            status, headers, content = async_to_sync(_serve)(_asgi_scope(request), body)
        finally:
            current_principal.reset(token)
        return _django_response(status, headers, content)

    @extend_schema(exclude=True)
    def post(self, request: Request) -> HttpResponse:
        return self._handle(request)

    @extend_schema(exclude=True)
    def get(self, request: Request) -> HttpResponse:
        return self._handle(request)

    @extend_schema(exclude=True)
    def delete(self, request: Request) -> HttpResponse:
        return self._handle(request)
