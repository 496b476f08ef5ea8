"""Every string of a request body has a length limit, checked by its serializer (a 400 naming the
field), and a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is a 413 (docs/api-conventions.md).

Before: an 11 MB portfolio description was stored (issue 14, finding 6).
"""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from portfolios.models import Portfolio
from portfolios.tests.factories import PortfolioFactory
from sigmasight.api.limits import DESCRIPTION_MAX_LENGTH, PASSWORD_MAX_LENGTH
from sigmasight.tests.envelope import assert_error

#: Formats whose parser bounds the value by itself.
_BOUNDED_FORMATS = frozenset({"date", "date-time", "time", "uuid", "binary", "decimal", "double", "float"})


def _unbounded(schema: dict[str, Any], components: dict[str, Any], path: str) -> list[str]:
    if "$ref" in schema:
        return []  # each component is checked on its own
    out: list[str] = []
    if schema.get("type") == "string" and "enum" not in schema and "maxLength" not in schema:
        if schema.get("format") not in _BOUNDED_FORMATS:
            out.append(path)
    for name, prop in schema.get("properties", {}).items():
        out += _unbounded(prop, components, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        out += _unbounded(schema["items"], components, f"{path}[]")
    if isinstance(schema.get("additionalProperties"), dict):
        out += _unbounded(schema["additionalProperties"], components, f"{path}{{}}")
    for key in ("oneOf", "anyOf", "allOf"):
        for sub in schema.get(key, []):
            out += _unbounded(sub, components, path)
    return out


def test_every_string_of_every_request_body_has_a_max_length() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    requests = {name: c for name, c in components.items() if name.endswith("Request")}
    assert "PortfolioRequest" in requests and "LoginInputRequest" in requests
    offenders = [p for name, c in requests.items() for p in _unbounded(c, components, name)]
    assert not offenders, offenders


@pytest.mark.django_db
class TestLimits:
    def test_an_eleven_megabyte_description_is_refused(self, auth_client, settings) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024  # the old limit: the field check answers
        body = {"name": "Big", "description": "x" * (11 * 1024 * 1024)}
        response = auth_client.post("/api/v1/management/portfolios", body, format="json")
        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert list(error["details"]) == ["description"], error
        assert str(DESCRIPTION_MAX_LENGTH) in error["details"]["description"][0]
        assert not Portfolio.objects.filter(name="Big").exists()

    def test_eleven_megabytes_is_over_the_body_limit(self, auth_client) -> None:
        body = {"name": "Big", "description": "x" * (11 * 1024 * 1024)}
        response = auth_client.post("/api/v1/management/portfolios", body, format="json")
        assert_error(response, 413, "PAYLOAD_TOO_LARGE")
        assert not Portfolio.objects.filter(name="Big").exists()

    def test_the_limit_itself_is_stored(self, auth_client) -> None:
        body = {"name": "Edge", "description": "x" * DESCRIPTION_MAX_LENGTH}
        response = auth_client.post("/api/v1/management/portfolios", body, format="json")
        assert response.status_code == 201, response.content[:300]
        assert len(Portfolio.objects.get(name="Edge").description) == DESCRIPTION_MAX_LENGTH

    def test_patch_and_tags_too(self, user, auth_client) -> None:
        portfolio = PortfolioFactory(owner=user)
        long = "y" * (DESCRIPTION_MAX_LENGTH + 1)
        response = auth_client.patch(
            f"/api/v1/management/portfolios/{portfolio.id}", {"description": long}, format="json"
        )
        assert "description" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
        response = auth_client.post(
            "/api/v1/management/tags", {"name": "t", "description": long}, format="json"
        )
        assert "description" in assert_error(response, 400, "VALIDATION_ERROR")["details"]

    def test_login_and_register_bound_passwords_and_emails(self, api_client) -> None:
        long_password = "p" * (PASSWORD_MAX_LENGTH + 1)
        response = api_client.post(
            "/api/v1/auth/login", {"email": "a@b.co", "password": long_password}, format="json"
        )
        assert "password" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
        email = "a" * 250 + "@b.co"
        body = {"email": email, "password": "long-enough-pass-1", "full_name": "A"}
        response = api_client.post("/api/v1/auth/register", body, format="json")
        assert "email" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
        response = api_client.post("/api/v1/auth/refresh", {"refresh_token": "r" * 5000}, format="json")
        assert "refresh_token" in assert_error(response, 400, "VALIDATION_ERROR")["details"]
