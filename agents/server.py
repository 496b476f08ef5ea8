"""The MCP server: the tools of :mod:`agents.tools` registered on the SDK's low-level ``Server``.

Every tool has a JSON-schema input and a description stating units and conventions (DESIGN.md's:
money in USD, ratios as fractions except fields named ``*percent``, VaR and losses as positive
numbers of dollars) and the size limits of its result. A tool's result is its JSON as
``structured_content`` plus the same JSON as one text block.

Who calls: :data:`current_principal` (a context variable) holds the :class:`~agents.tools.Principal`
of the connection; the HTTP view (:mod:`agents.http`) sets it per request from the Bearer
credential, ``manage.py mcp_server`` once for the user it serves. Tools run the ORM in a thread
(``sync_to_async``, thread-sensitive: in the request thread under the HTTP view).

Errors: an API error inside a tool (404 ``NOT_FOUND``, 400 ``VALIDATION_ERROR``, 422
``INSUFFICIENT_DATA``, 403 ``PERMISSION_DENIED``...) is a tool error (``is_error: true``) whose
content is the API's error envelope ``{"error": {code, message, details}}``; an unknown tool is a
protocol error.
"""

from __future__ import annotations

import contextvars
import json
from typing import Any

import mcp_types as types
from asgiref.sync import sync_to_async
from mcp.server import Server
from mcp.shared.exceptions import MCPError
from rest_framework.exceptions import ValidationError

from agents import tools
from agents.schemas import TOOL_SPECS
from sigmasight.api.exceptions import exception_handler

SERVER_NAME = "sigmasight"
INSTRUCTIONS = (
    "SigmaSight risk analytics for the user's long/short equity and options portfolios. Start with "
    "list_portfolios to get portfolio ids. Figures come from the last nightly batch (as_of_date); "
    "money is USD, ratios are fractions (0.12 = 12%) except fields named *percent (12.0 = 12%). "
    "Errors carry the REST API's codes: NOT_FOUND, VALIDATION_ERROR, INSUFFICIENT_DATA (the batch "
    "has not produced the figure yet), PERMISSION_DENIED (a read-only token tried to write)."
)

#: The caller of the tools in this context (set by the transport before serving).
current_principal: contextvars.ContextVar[tools.Principal] = contextvars.ContextVar("mcp_principal")


def tool_definitions() -> list[types.Tool]:
    return [
        types.Tool(
            name=name,
            description=spec["description"],
            input_schema=spec["input_schema"],
            annotations=types.ToolAnnotations(
                read_only_hint=spec.get("read_only", True), destructive_hint=spec.get("destructive", False)
            ),
        )
        for name, spec in TOOL_SPECS.items()
    ]


def _text(data: Any) -> list[types.ContentBlock]:
    return [types.TextContent(text=json.dumps(data, ensure_ascii=False, separators=(",", ":")))]


def error_result(exc: Exception) -> types.CallToolResult:
    """The API's error envelope for ``exc`` (any exception; a 500 carries no traceback)."""
    body = exception_handler(exc, {}).data
    return types.CallToolResult(content=_text(body), structured_content=body, is_error=True)


def call_tool_sync(principal: tools.Principal, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """Runs one tool (synchronously, ORM allowed) and wraps its result or error."""
    fn = tools.TOOLS[name]
    allowed = set(TOOL_SPECS[name]["input_schema"].get("properties", {}))
    unknown = sorted(set(arguments) - allowed)
    try:
        if unknown:
            raise ValidationError({key: ["Unknown argument."] for key in unknown})
        data = fn(principal, **arguments)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a tool error with the API code
        return error_result(exc)
    return types.CallToolResult(content=_text(data), structured_content=data)


async def _list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
    return types.ListToolsResult(tools=tool_definitions())


async def _call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
    if params.name not in tools.TOOLS:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown tool: {params.name}")
    principal = current_principal.get(None)
    if principal is None:  # pragma: no cover - every transport sets it
        raise MCPError(code=types.INVALID_REQUEST, message="Not authenticated.")
    return await sync_to_async(call_tool_sync, thread_sensitive=True)(
        principal, params.name, dict(params.arguments or {})
    )


def build_server() -> Server[Any]:
    """A fresh low-level server with the tools (cheap: built per HTTP request)."""
    return Server(
        SERVER_NAME,
        version="1",
        instructions=INSTRUCTIONS,
        on_list_tools=_list_tools,
        on_call_tool=_call_tool,
    )
