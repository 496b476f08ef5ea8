"""The committed schema documents every error status an operation can return, each with the error
envelope, and has no ambiguous ``oneOf`` (issue 14: a fuzzer found ~24 operations without their 4xx
and a ``oneOf`` an empty page matched twice).

The statuses come from ``sigmasight.api.schema.AutoSchema``; the live check of the same contract is
``bin/fuzz`` (schemathesis against the demo, in CI). The cases below answer for real through the
test client and must be documented on their operation.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

from accounts.personal_tokens import personal_token_create

SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "docs" / "openapi.yml").read_text())
ENVELOPE = "#/components/schemas/ErrorEnvelope"
OPERATIONS = [
    (method.upper(), path, operation)
    for path, methods in SCHEMA["paths"].items()
    for method, operation in methods.items()
    if isinstance(operation, dict) and "responses" in operation
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _enum(schema: dict[str, Any]) -> set[Any] | None:
    """The values the schema admits when it (or an ``allOf`` part) is an enum; None if unbounded."""
    schema = _resolve(schema)
    values: set[Any] | None = None
    if "enum" in schema:
        values = set(schema["enum"])
    for part in schema.get("allOf", []):
        inner = _enum(part)
        if inner is not None:
            values = inner if values is None else values & inner
    if "oneOf" in schema:
        parts = [_enum(part) for part in schema["oneOf"]]
        if all(p is not None for p in parts):
            values = set().union(*parts)  # type: ignore[arg-type]
    return values


def _types(schema: dict[str, Any]) -> set[str] | None:
    schema = _resolve(schema)
    if "type" not in schema:
        return None
    return {schema["type"], *(["null"] if schema.get("nullable") else [])}


def disjoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """True when no JSON value can match both schemas (a conservative check: False if unsure)."""
    a, b = _resolve(a), _resolve(b)
    enum_a, enum_b = _enum(a), _enum(b)
    if enum_a is not None and enum_b is not None and not enum_a & enum_b:
        return True
    types_a, types_b = _types(a), _types(b)
    if types_a is not None and types_b is not None and not types_a & types_b:
        return True
    if types_a == types_b == {"object"}:
        shared = set(a.get("required", [])) & set(b.get("required", []))
        return any(disjoint(a["properties"][name], b["properties"][name]) for name in shared)
    return False


def _one_ofs(node: Any, where: str) -> list[tuple[str, list[dict[str, Any]]]]:
    found: list[tuple[str, list[dict[str, Any]]]] = []
    if isinstance(node, dict):
        if isinstance(node.get("oneOf"), list):
            found.append((where, node["oneOf"]))
        for key, value in node.items():
            found += _one_ofs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            found += _one_ofs(value, f"{where}/{i}")
    return found


def test_disjoint_tells_apart_what_it_should():
    page = {"type": "object", "required": ["results"], "properties": {"results": {"type": "array"}}}
    assert not disjoint(page, page)  # an empty page matches both: the defect the fuzzer found
    null_only = {"type": "string", "nullable": True, "allOf": [{"enum": [None]}]}
    grouped = {"enum": ["type", "tag"], "type": "string"}
    assert disjoint(null_only, grouped)
    assert disjoint({"enum": ["a"]}, {"enum": [None]})
    assert not disjoint({"type": "string"}, {"type": "string", "nullable": True})


def test_every_one_of_has_distinguishable_variants():
    ambiguous = [
        f"{where}: {i} and {j}"
        for where, variants in _one_ofs(SCHEMA, "#")
        for (i, a), (j, b) in itertools.combinations(enumerate(variants), 2)
        if not disjoint(a, b)
    ]
    assert not ambiguous, "oneOf variants a value can match twice:\n" + "\n".join(ambiguous)


def test_every_error_response_is_the_envelope():
    wrong = []
    for method, path, operation in OPERATIONS:
        for code, response in operation["responses"].items():
            if int(code) < 400 or path == "/health/" or code == "414":  # 414: gunicorn's HTML page
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref") != ENVELOPE:
                wrong.append(f"{method} {path} {code}")
    assert not wrong


@pytest.mark.parametrize(
    ("method", "path", "operation"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_generic_statuses_are_documented(method, path, operation):
    codes = set(operation["responses"])
    takes_input = bool(operation.get("parameters")) or "requestBody" in operation
    has_path_id = any(p["in"] == "path" for p in operation.get("parameters", []))
    assert "503" in codes
    if path == "/health/":
        return
    assert "429" in codes
    if path not in ("/api/v1/auth/login/", "/api/v1/auth/refresh/", "/api/v1/auth/register/"):
        assert "401" in codes
    if takes_input:
        assert "400" in codes
    if has_path_id:
        assert "404" in codes
    if operation.get("parameters"):
        assert "414" in codes
    if "requestBody" in operation:
        assert {"413", "415"} <= codes


def _documented(method: str, path: str) -> set[int]:
    return {int(code) for code in SCHEMA["paths"][path][method.lower()]["responses"]}


@pytest.mark.django_db
class TestAnsweredStatusesAreDocumented:
    """Statuses the fuzzer saw undocumented before: each answered for real, each in the schema."""

    def test_bad_limit_on_a_list(self, auth_client):
        for url, path in (
            ("/api/v1/system/jobs/?limit=0", "/api/v1/system/jobs/"),
            ("/api/v1/auth/tokens/?offset=x", "/api/v1/auth/tokens/"),
            ("/api/v1/system/ui/commands/?limit=0", "/api/v1/system/ui/commands/"),
        ):
            response = auth_client.get(url)
            assert response.status_code == 400, url
            assert 400 in _documented("GET", path)

    def test_missing_body_fields(self, auth_client):
        for path in ("/api/v1/system/ui/navigate/", "/api/v1/auth/tokens/"):
            response = auth_client.post(path, {}, format="json")
            assert response.status_code == 400, path
            assert 400 in _documented("POST", path)

    def test_unknown_job_and_a_malformed_id(self, auth_client):
        missing = auth_client.get("/api/v1/system/jobs/6f1c3d2e-8b1f-4a53-9d0e-2a7c5b9e4f10/")
        assert missing.status_code == 404
        assert 404 in _documented("GET", "/api/v1/system/jobs/{id}/")
        malformed = auth_client.get("/api/v1/export/reports/a4AbbeB85d9faa14E7F1Cf5B379ff3c6A39d/")
        assert malformed.status_code == 400
        assert 400 in _documented("GET", "/api/v1/export/reports/{id}/")

    def test_staff_only_and_read_only_token(self, api_client, auth_client, user):
        assert auth_client.get("/api/v1/system/batch/history/").status_code == 403
        assert 403 in _documented("GET", "/api/v1/system/batch/history/")
        _, secret = personal_token_create(owner=user, name="read", scope="read")
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        response = api_client.post("/api/v1/management/tags/", {"name": "x"}, format="json")
        assert response.status_code == 403
        assert 403 in _documented("POST", "/api/v1/management/tags/")

    def test_wrong_media_type(self, auth_client):
        response = auth_client.generic(
            "POST", "/api/v1/management/tags/", "name=x", content_type="text/plain"
        )
        assert response.status_code == 415
        assert 415 in _documented("POST", "/api/v1/management/tags/")

    def test_positions_page_says_it_is_not_grouped(self, auth_client):
        body = auth_client.get("/api/v1/management/positions/?tags=none-such").json()
        assert body == {"count": 0, "next": None, "previous": None, "group_by": None, "results": []}
        grouped = auth_client.get("/api/v1/management/positions/?group_by=tag").json()
        assert grouped["group_by"] == "tag"
