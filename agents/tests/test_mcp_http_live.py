"""/mcp over real HTTP: the SDK's own streamable HTTP client against a live test server (the
project's WSGI handler in pytest-django's live server thread), authenticated with a personal
access token or a JWT access token."""

from __future__ import annotations

from typing import Any

import httpx2
import pytest
from asgiref.sync import async_to_sync
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.personal_tokens import personal_token_create, personal_token_revoke
from agents import tools
from portfolios.tests.factories import PortfolioFactory
from sigmasight.system.models import UICommand

# serialized_rollback: the flush after each live-server test restores the migrations' reference data
# (factor definitions, the scenario library) that the tests after it in this worker read
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def over_http(url: str, bearer: str, body: Any, mode: str = "legacy") -> Any:
    async def main() -> Any:
        async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {bearer}"}, timeout=60) as http:
            async with Client(streamable_http_client(f"{url}/mcp", http_client=http), mode=mode) as client:
                return await body(client)

    return async_to_sync(main)()


@pytest.fixture
def setup(live_server, user, other_user) -> dict[str, Any]:
    mine = PortfolioFactory(owner=user, name="Live Mine")
    theirs = PortfolioFactory(owner=other_user, name="Live Theirs Secret")
    _, write = personal_token_create(owner=user, name="agent", scope="write")
    _, read = personal_token_create(owner=user, name="reader", scope="read")
    return {
        "url": live_server.url,
        "mine": mine,
        "theirs": theirs,
        "write": write,
        "read": read,
        "user": user,
    }


@pytest.mark.parametrize("mode", ["legacy", "auto"])
def test_initialize_list_and_call_with_a_personal_token(setup, mode):
    async def body(client: Client) -> Any:
        return await client.list_tools(), await client.call_tool("list_portfolios", {})

    listed, result = over_http(setup["url"], setup["write"], body, mode=mode)
    assert {tool.name for tool in listed.tools} == set(tools.TOOLS)
    rest_client = APIClient()
    rest_client.credentials(HTTP_AUTHORIZATION=f"Bearer {setup['write']}")
    assert result.structured_content["portfolios"] == rest_client.get("/api/v1/data/portfolios").json()
    assert [p["name"] for p in result.structured_content["portfolios"]] == ["Live Mine"]


def test_a_jwt_access_token_works_too(setup):
    access = str(RefreshToken.for_user(setup["user"]).access_token)

    async def body(client: Client) -> Any:
        return await client.call_tool("get_var", {"portfolio_id": str(setup["mine"].id)})

    result = over_http(setup["url"], access, body)
    assert result.is_error  # no batch has run for this portfolio
    assert result.structured_content["error"]["code"] == "INSUFFICIENT_DATA"


def test_another_users_portfolio_is_a_not_found_tool_error(setup):
    async def body(client: Client) -> Any:
        return await client.call_tool("get_portfolio", {"portfolio_id": str(setup["theirs"].id)})

    result = over_http(setup["url"], setup["write"], body)
    assert result.is_error
    assert result.structured_content["error"]["code"] == "NOT_FOUND"
    assert "Live Theirs Secret" not in result.content[0].text


def test_a_read_token_cannot_use_a_write_tool(setup):
    async def body(client: Client) -> Any:
        return await client.call_tool("ui_navigate", {"target": "portfolio.risk"})

    result = over_http(setup["url"], setup["read"], body)
    assert result.is_error
    assert result.structured_content["error"]["code"] == "PERMISSION_DENIED"
    assert not UICommand.objects.exists()
    written = over_http(setup["url"], setup["write"], body)
    assert not written.is_error and UICommand.objects.count() == 1


def test_revoked_expired_and_missing_tokens_are_refused(setup):
    token, secret = personal_token_create(owner=setup["user"], name="soon gone", scope="write")
    personal_token_revoke(owner=setup["user"], token_id=token.id)
    expired, expired_secret = personal_token_create(owner=setup["user"], name="old", scope="write")
    type(expired).objects.filter(pk=expired.pk).update(expires_at=expired.created_at)
    ping = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    for bearer in (secret, expired_secret, "ss_pat_not-a-token"):
        response = httpx2.post(
            f"{setup['url']}/mcp",
            json=ping,
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json, text/event-stream"},
        )
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "AUTHENTICATION_FAILED"
    assert httpx2.post(f"{setup['url']}/mcp", json=ping).status_code == 401

    async def body(client: Client) -> Any:
        return await client.list_tools()

    with pytest.raises(Exception):  # noqa: B017 - the SDK client fails its handshake on a 401
        over_http(setup["url"], secret, body)
