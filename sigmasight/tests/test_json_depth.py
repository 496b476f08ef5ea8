"""JSON bodies nested too deep are a 400, never a RecursionError 500 (docs/api-conventions.md).

Before the limit, ``[[[...]]]`` 1,000+ levels deep made Python's decoder raise RecursionError on any
endpoint, the anonymous /auth/login and /auth/register included (issue 14, finding 3).
"""

from __future__ import annotations

import json
import uuid

import pytest
from drf_spectacular.generators import SchemaGenerator

from portfolios.tests.factories import PortfolioFactory
from sigmasight.api.parsers import MAX_JSON_DEPTH, json_depth
from sigmasight.tests.envelope import assert_error

pytestmark = pytest.mark.django_db
DEEP = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a":' * 2000 + "1" + "}" * 2000


def _write_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody") if isinstance(operation, dict) else None
            if body and "application/json" in body.get("content", {}):
                found.append((method, path))
    return sorted(found)


WRITE_OPERATIONS = _write_operations()


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/register", "/api/v1/auth/refresh"])
@pytest.mark.parametrize("body", [DEEP, DEEP_OBJECT], ids=["array", "object"])
def test_anonymous_endpoints_answer_400(api_client, path, body) -> None:
    response = api_client.post(path, data=body, content_type="application/json")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert f"deeper than {MAX_JSON_DEPTH} levels" in error["message"], error


@pytest.mark.parametrize("method,path", WRITE_OPERATIONS)
def test_every_json_body_operation_refuses_deep_nesting(method, path, user, client_for) -> None:
    """Authenticated as staff owning a portfolio, so the body is reached wherever it can be."""
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    portfolio = PortfolioFactory(owner=user)
    url = path.replace("{id}", str(portfolio.id))
    for name in ("portfolio_id", "session_id", "trigger", "command_id", "upload_id", "tag_id"):
        url = url.replace(f"{{{name}}}", str(uuid.uuid4()))
    response = getattr(client_for(user), method)(url, data=DEEP, content_type="application/json")
    assert response.status_code != 500, (method, path, response.content[:300])
    if response.status_code == 400:
        assert_error(response, 400, "VALIDATION_ERROR")


def test_the_sweep_reaches_the_bodies() -> None:
    assert ("post", "/api/v1/auth/login/") in WRITE_OPERATIONS
    assert ("post", "/api/v1/management/portfolios/") in WRITE_OPERATIONS
    assert len(WRITE_OPERATIONS) > 20


def test_portfolio_create_answers_400(auth_client) -> None:
    response = auth_client.post("/api/v1/management/portfolios", data=DEEP, content_type="application/json")
    assert_error(response, 400, "VALIDATION_ERROR")


def test_trade_list_export_answers_400(auth_client) -> None:
    # its own parser_classes (JSON only): the limit applies there too
    response = auth_client.post(
        f"/api/v1/export/trades/{uuid.uuid4()}", data=DEEP, content_type="application/json"
    )
    assert response.status_code in (400, 404), response.content[:300]
    assert response.status_code != 500


def test_the_limit_itself_is_accepted(auth_client) -> None:
    """64 levels parse (then fail validation as a wrong shape), 65 are refused by the parser."""
    ok = json.dumps({"name": "x", "description": json.loads("[" * 63 + "]" * 63)})
    assert json_depth(json.loads(ok)) == MAX_JSON_DEPTH
    response = auth_client.post("/api/v1/management/portfolios", data=ok, content_type="application/json")
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "description" in error["details"], error
    too_deep = json.dumps({"name": "x", "description": json.loads("[" * 64 + "]" * 64)})
    response = auth_client.post(
        "/api/v1/management/portfolios", data=too_deep, content_type="application/json"
    )
    error = assert_error(response, 400, "VALIDATION_ERROR")
    assert "deeper than" in error["message"], error


def test_depth_counts_containers_only() -> None:
    assert json_depth(json.loads('{"a": "[[[[[[[[", "b": ["x\\"]]]]"]}')) == 2
    assert json_depth(1) == 0
    assert json_depth([]) == 1 and json_depth({"a": [{"b": []}]}) == 4
    assert json_depth(json.loads("[" * 200 + "]" * 200)) == MAX_JSON_DEPTH + 1  # stops counting there


def test_mcp_refuses_deep_nesting(user, client_for) -> None:
    response = client_for(user).post(
        "/mcp",
        data=DEEP,
        content_type="application/json",
        HTTP_ACCEPT="application/json, text/event-stream",
    )
    assert response.status_code == 400, response.content[:300]
    assert response.status_code != 500
