"""The API conventions every endpoint shares (API.md "Conventions"), pinned once here."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import yaml
from django.core.management import call_command

from accounts.tests.factories import DEFAULT_PASSWORD
from sigmasight.system.tests.factories import JobFactory
from sigmasight.tests.envelope import assert_error, assert_timestamp
from sigmasight.tests.urls_errors import SECRET

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"
JOBS = "/api/v1/system/jobs"


@pytest.mark.django_db
class TestValidationErrors:
    def test_malformed_json_is_400(self, auth_client):
        response = auth_client.post(
            "/api/v1/system/ui/navigate", data="{not json", content_type="application/json"
        )

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert "JSON" in error["message"]

    def test_field_errors_map_fields_to_lists_of_messages(self, api_client):
        response = api_client.post(LOGIN, {"email": "not-an-email"}, format="json")

        error = assert_error(response, 400, "VALIDATION_ERROR")
        assert set(error["details"]) == {"email", "password"}
        assert all(
            isinstance(m, list) and all(isinstance(s, str) for s in m) for m in error["details"].values()
        )
        assert error["message"].startswith(("email:", "password:"))


@pytest.mark.django_db
class TestAuthenticationErrors:
    def test_no_token_is_401_not_authenticated(self, api_client):
        response = api_client.get(ME)

        assert_error(response, 401, "NOT_AUTHENTICATED")
        assert response["WWW-Authenticate"].startswith("Bearer")

    @pytest.mark.parametrize("header", ["Bearer garbage", "Bearer a.b.c", "Token abc"])
    def test_bad_token_is_401(self, api_client, header):
        api_client.credentials(HTTP_AUTHORIZATION=header)

        error = assert_error(api_client.get(ME), 401)

        assert error["code"] in {"AUTHENTICATION_FAILED", "NOT_AUTHENTICATED"}

    def test_token_of_an_inactive_user_is_401(self, client_for, user):
        client = client_for(user)
        user.is_active = False
        user.save()

        assert_error(client.get(ME), 401, "AUTHENTICATION_FAILED")


@pytest.mark.django_db
class TestNotFound:
    @pytest.mark.parametrize(
        "path", ["/api/v1/nope", "/api/v1/auth/nope/", "/api/v2/auth/me", "/api/v1/system/jobs/not-a-uuid"]
    )
    def test_unknown_api_url_is_404(self, auth_client, path):
        assert_error(auth_client.get(path), 404, "NOT_FOUND")

    def test_unknown_object_is_404(self, auth_client):
        assert_error(auth_client.get(f"{JOBS}/{uuid.uuid4()}"), 404, "NOT_FOUND")


@pytest.mark.django_db
class TestMethodAndMediaType:
    def test_wrong_method_is_405(self, auth_client):
        response = auth_client.delete(ME)

        error = assert_error(response, 405, "METHOD_NOT_ALLOWED")
        assert "DELETE" in error["message"]

    def test_unsupported_media_type_is_415(self, api_client):
        response = api_client.post(LOGIN, data="email=a@b.c", content_type="text/plain")

        assert_error(response, 415, "UNSUPPORTED_MEDIA_TYPE")

    def test_post_without_trailing_slash_is_not_redirected(self, auth_client):
        for path in ("/api/v1/system/ui/navigate", "/api/v1/system/ui/navigate/"):
            assert auth_client.post(path, {"target": "x"}, format="json").status_code == 201


@pytest.mark.django_db
class TestInternalError:
    @pytest.mark.parametrize("path", ["/api/v1/test/boom-drf", "/api/v1/test/boom-django"])
    def test_unhandled_exception_is_500_without_a_traceback(self, api_client, settings, path):
        settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"
        api_client.raise_request_exception = False

        response = api_client.get(path, HTTP_X_REQUEST_ID="trace-me-123")

        error = assert_error(response, 500, "INTERNAL_ERROR")
        body = response.content.decode()
        for leak in ("Traceback", SECRET, "RuntimeError", "ZeroDivisionError", ".py"):
            assert leak not in body
        assert error["request_id"] == "trace-me-123"

    def test_the_error_is_logged_with_the_request_id(self, api_client, settings, caplog):
        from sigmasight.api.middleware import RequestIDLogFilter

        settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"
        api_client.raise_request_exception = False
        caplog.handler.addFilter(RequestIDLogFilter())

        api_client.get("/api/v1/test/boom-drf", HTTP_X_REQUEST_ID="trace-me-456")

        errors = [r for r in caplog.records if r.name == "sigmasight.api"]
        assert errors and all(r.request_id == "trace-me-456" for r in errors)
        assert SECRET in caplog.text  # the details go to the log, not to the client


@pytest.mark.django_db
class TestPayloadTooLarge:
    def _big_body(self, settings: Any) -> str:
        return json.dumps({"email": "a@b.co", "password": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)})

    def test_body_over_the_limit_is_413_on_drf_views(self, api_client, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

        response = api_client.post(LOGIN, data=self._big_body(settings), content_type="application/json")

        assert_error(response, 413, "PAYLOAD_TOO_LARGE")

    def test_body_over_the_limit_is_413_on_django_views(self, api_client, settings):
        settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024

        response = api_client.post(
            "/api/v1/test/body-django", data=self._big_body(settings), content_type="application/json"
        )

        assert_error(response, 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.django_db
class TestNonDRFViews:
    """Plain Django views under /api/ get the envelope too (no HTML)."""

    @pytest.fixture(autouse=True)
    def _urls(self, settings: Any) -> None:
        settings.ROOT_URLCONF = "sigmasight.tests.urls_errors"

    def test_http404_is_a_404_envelope(self, api_client):
        error = assert_error(api_client.get("/api/v1/test/missing-django"), 404, "NOT_FOUND")

        assert SECRET not in error["message"]

    def test_html_error_response_becomes_the_envelope(self, api_client):
        response = api_client.get("/api/v1/test/html-error-django")

        assert_error(response, 400, "VALIDATION_ERROR")
        assert SECRET not in response.content.decode()

    def test_outside_the_api_django_answers_as_usual(self, client):
        assert client.get("/no-such-page")["Content-Type"].startswith("text/html")


@pytest.mark.django_db
class TestRequestID:
    def test_echoed_when_sent(self, auth_client):
        response = auth_client.get(ME, HTTP_X_REQUEST_ID="abc-123.XYZ:9")

        assert response["X-Request-ID"] == "abc-123.XYZ:9"

    def test_generated_when_missing_or_unsafe(self, auth_client):
        plain = auth_client.get(ME)["X-Request-ID"]
        unsafe = auth_client.get(ME, HTTP_X_REQUEST_ID="bad id\r\nInjected: 1")["X-Request-ID"]

        assert len(plain) >= 16 and plain != unsafe
        assert "Injected" not in unsafe

    def test_on_errors_and_outside_the_api(self, api_client):
        for path in ("/api/v1/nope", ME, "/health"):
            response = api_client.get(path, HTTP_X_REQUEST_ID="rid-1")
            assert response["X-Request-ID"] == "rid-1"
        assert api_client.get(ME, HTTP_X_REQUEST_ID="rid-2").json()["error"]["request_id"] == "rid-2"


@pytest.mark.django_db
class TestTimestamps:
    def test_timestamps_are_utc_with_milliseconds_and_z(self, auth_client, user):
        job = JobFactory(owner=user, succeeded=True)

        body = auth_client.get(f"{JOBS}/{job.id}").json()

        for field in ("created_at", "started_at", "finished_at"):
            assert_timestamp(body[field])
        assert body["created_at"][:23] == job.created_at.isoformat(timespec="milliseconds")[:23]

    def test_renderer_converts_other_zones_to_utc(self):
        import datetime as dt

        from sigmasight.api.renderers import JSONRenderer

        eastern = dt.timezone(dt.timedelta(hours=-5))
        rendered = JSONRenderer().render({"at": dt.datetime(2026, 11, 24, 11, 5, 0, 123999, tzinfo=eastern)})

        assert json.loads(rendered) == {"at": "2026-11-24T16:05:00.123Z"}

    def test_non_finite_numbers_are_null(self):
        from sigmasight.api.renderers import JSONRenderer

        assert json.loads(JSONRenderer().render({"a": float("nan"), "b": [float("inf"), 1.5]})) == {
            "a": None,
            "b": [None, 1.5],
        }


@pytest.mark.django_db
class TestPagination:
    def test_shape_and_defaults(self, auth_client, user):
        JobFactory.create_batch(3, owner=user)

        body = auth_client.get(JOBS).json()

        assert set(body) == {"count", "next", "previous", "results"}
        assert body["count"] == 3
        assert body["next"] is None and body["previous"] is None
        assert len(body["results"]) == 3

    def test_limit_and_offset_walk_the_pages(self, auth_client, user):
        JobFactory.create_batch(5, owner=user)

        first = auth_client.get(JOBS, {"limit": 2}).json()
        second = auth_client.get(first["next"]).json()

        assert first["count"] == 5 and len(first["results"]) == 2
        assert "offset=2" in first["next"] and "limit=2" in first["next"]
        assert len(second["results"]) == 2 and second["previous"] is not None
        assert not {j["job_id"] for j in first["results"]} & {j["job_id"] for j in second["results"]}

    @pytest.mark.parametrize(
        ("params", "name"),
        [
            ({"limit": "0"}, "limit"),
            ({"limit": "501"}, "limit"),
            ({"limit": "ten"}, "limit"),
            ({"offset": "-1"}, "offset"),
            ({"offset": "x"}, "offset"),
        ],
    )
    def test_bad_limit_or_offset_is_400_naming_it(self, auth_client, params, name):
        error = assert_error(auth_client.get(JOBS, params), 400, "VALIDATION_ERROR")

        assert list(error["details"]) == [name]
        assert name in error["message"]

    def test_max_limit_is_accepted(self, auth_client):
        assert auth_client.get(JOBS, {"limit": "500"}).status_code == 200


@pytest.mark.django_db
class TestCORS:
    def test_allowed_local_origin_gets_the_headers(self, auth_client):
        response = auth_client.get(ME, HTTP_ORIGIN="http://localhost:3000")

        assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "X-Request-ID" in response["Access-Control-Expose-Headers"]

    def test_preflight_allows_the_authorization_header(self, api_client):
        response = api_client.options(
            ME,
            HTTP_ORIGIN="http://localhost:3000",
            HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
            HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization",
        )

        assert response.status_code == 200
        assert response["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert "authorization" in response["Access-Control-Allow-Headers"].lower()

    def test_unknown_origin_gets_no_cors_header(self, auth_client):
        assert "Access-Control-Allow-Origin" not in auth_client.get(ME, HTTP_ORIGIN="https://evil.example")


@pytest.mark.django_db
class TestHealth:
    @pytest.mark.parametrize("path", ["/health", "/health/"])
    def test_shape(self, api_client, path):
        response = api_client.get(path)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"status", "database", "cache", "broker", "version"}
        assert body == {**body, "status": "ok", "database": "ok", "cache": "ok", "broker": "disabled"}

    def test_503_when_the_database_is_down(self, api_client, monkeypatch):
        monkeypatch.setattr("sigmasight.api.health._database", lambda: "down")

        response = api_client.get("/health")

        assert response.status_code == 503
        assert response.json()["database"] == "down"


@pytest.mark.django_db
class TestSchema:
    def _schema(self, api_client: Any) -> dict[str, Any]:
        response = api_client.get("/api/schema/")
        assert response.status_code == 200
        return yaml.safe_load(response.content)

    def test_is_openapi_3_with_the_auth_paths(self, api_client):
        schema = self._schema(api_client)

        assert schema["openapi"].startswith("3.")
        paths = {p.rstrip("/") for p in schema["paths"]}
        for name in ("login", "refresh", "logout", "register", "me"):
            assert f"/api/v1/auth/{name}" in paths
        assert {
            "/api/v1/system/jobs/{id}",
            "/api/v1/system/jobs/{id}/result",
            "/api/v1/system/jobs/{id}/cancel",
        } <= paths

    @pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
    def test_docs_answer_without_a_token(self, api_client, path):
        assert api_client.get(path).status_code == 200

    def test_spectacular_validates_without_warnings(self, tmp_path):
        target = tmp_path / "schema.yml"

        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

        assert yaml.safe_load(target.read_text())["info"]["title"] == "SigmaSight API"


@pytest.mark.django_db
class TestLoginRoundTrip:
    def test_the_token_from_login_reaches_a_protected_endpoint(self, api_client, user):
        token = api_client.post(
            LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        ).json()["access_token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

        assert api_client.get(JOBS).status_code == 200


def test_envelope_helper_rejects_non_envelopes():
    class Fake:
        status_code = 404
        content = b"{}"

        def __getitem__(self, key: str) -> str:
            return "application/json"

        def json(self) -> dict[str, Any]:
            return {"detail": "Not found."}

    with pytest.raises(AssertionError):
        assert_error(Fake(), 404)
