"""/auth/tokens and personal access tokens as Bearer credentials (API.md "/auth")."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalAccessToken
from accounts.personal_tokens import TOKEN_PREFIX, personal_token_create, token_hash
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error

TOKENS = "/api/v1/auth/tokens"


def bearer(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


@pytest.mark.django_db
class TestTokensApi:
    def test_create_shows_the_secret_once_and_stores_its_hash(self, auth_client, user):
        response = auth_client.post(TOKENS, {"name": "claude", "scope": "read"}, format="json")
        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "name", "scope", "token", "created_at", "expires_at"}
        assert body["token"].startswith(TOKEN_PREFIX)
        row = PersonalAccessToken.objects.get(pk=body["id"])
        assert row.owner == user and row.token_hash == token_hash(body["token"])
        assert body["token"] not in str(vars(row))
        assert (row.expires_at - row.created_at) == dt.timedelta(days=90)

        listed = auth_client.get(TOKENS).json()
        assert listed["count"] == 1
        assert set(listed["results"][0]) == {
            "id",
            "name",
            "scope",
            "created_at",
            "expires_at",
            "last_used_at",
        }
        assert body["token"] not in str(listed)

    @pytest.mark.parametrize(
        "payload",
        [
            {"name": "x", "scope": "admin"},
            {"name": "x", "scope": "read", "expires_in_days": 0},
            {"name": "x", "scope": "read", "expires_in_days": 366},
            {"scope": "read"},
        ],
    )
    def test_invalid_input_is_400(self, auth_client, payload):
        assert_error(auth_client.post(TOKENS, payload, format="json"), 400, "VALIDATION_ERROR")

    def test_expires_in_days(self, auth_client):
        body = auth_client.post(
            TOKENS, {"name": "x", "scope": "write", "expires_in_days": 7}, format="json"
        ).json()
        row = PersonalAccessToken.objects.get(pk=body["id"])
        assert row.expires_at - row.created_at == dt.timedelta(days=7)

    def test_delete_revokes_and_the_token_is_refused(self, auth_client, user):
        token, secret = personal_token_create(owner=user, name="gone", scope="write")
        assert bearer(secret).get("/api/v1/auth/me").status_code == 200
        assert auth_client.delete(f"{TOKENS}/{token.id}").status_code == 204
        assert_error(bearer(secret).get("/api/v1/auth/me"), 401, "AUTHENTICATION_FAILED")
        assert auth_client.get(TOKENS).json()["count"] == 0
        assert_error(auth_client.delete(f"{TOKENS}/{token.id}"), 404, "NOT_FOUND")

    def test_someone_elses_token_is_404_and_stays_active(self, auth_client, other_user):
        token, secret = personal_token_create(owner=other_user, name="theirs", scope="write")
        assert_error(auth_client.delete(f"{TOKENS}/{token.id}"), 404, "NOT_FOUND")
        assert bearer(secret).get("/api/v1/auth/me").status_code == 200

    def test_unauthenticated_is_401(self, api_client):
        assert_error(api_client.get(TOKENS), 401, "NOT_AUTHENTICATED")


@pytest.mark.django_db
class TestBearer:
    def test_a_token_authenticates_the_rest_api(self, user):
        PortfolioFactory(owner=user, name="Via Token")
        _, secret = personal_token_create(owner=user, name="t", scope="read")
        response = bearer(secret).get("/api/v1/data/portfolios")
        assert response.status_code == 200
        assert [p["name"] for p in response.json()] == ["Via Token"]

    def test_expired_and_unknown_tokens_are_401(self, user):
        token, secret = personal_token_create(owner=user, name="t", scope="read")
        PersonalAccessToken.objects.filter(pk=token.pk).update(expires_at=timezone.now())
        assert_error(bearer(secret).get("/api/v1/auth/me"), 401, "AUTHENTICATION_FAILED")
        assert_error(bearer(TOKEN_PREFIX + "nope").get("/api/v1/auth/me"), 401, "AUTHENTICATION_FAILED")

    def test_an_inactive_owner_is_refused(self, user):
        _, secret = personal_token_create(owner=user, name="t", scope="write")
        user.is_active = False
        user.save()
        assert_error(bearer(secret).get("/api/v1/auth/me"), 401, "AUTHENTICATION_FAILED")

    def test_last_used_is_recorded_at_most_once_a_minute(self, user, django_assert_num_queries):
        token, secret = personal_token_create(owner=user, name="t", scope="read")
        client = bearer(secret)
        client.get("/api/v1/auth/me")
        token.refresh_from_db()
        first = token.last_used_at
        assert first is not None
        client.get("/api/v1/auth/me")
        token.refresh_from_db()
        assert token.last_used_at == first
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
        client.get("/api/v1/auth/me")
        token.refresh_from_db()
        assert token.last_used_at > first

    def test_a_read_token_cannot_write(self, user):
        portfolio = PortfolioFactory(owner=user, name="Keep")
        _, secret = personal_token_create(owner=user, name="t", scope="read")
        client = bearer(secret)
        cases: list[tuple[str, str, Any]] = [
            ("post", "/api/v1/management/portfolios", {"name": "New"}),
            ("patch", f"/api/v1/management/portfolios/{portfolio.id}", {"name": "Renamed"}),
            ("delete", f"/api/v1/management/portfolios/{portfolio.id}", None),
            ("post", "/api/v1/system/ui/navigate", {"target": "x"}),
            ("post", TOKENS, {"name": "escalate", "scope": "write"}),
        ]
        for method, url, body in cases:
            response = getattr(client, method)(url, body, format="json")
            assert_error(response, 403, "PERMISSION_DENIED")
        portfolio.refresh_from_db()
        assert portfolio.name == "Keep"
        assert PersonalAccessToken.objects.filter(owner=user).count() == 1

    def test_a_read_token_may_run_computations_that_write_nothing(self, user):
        portfolio = PortfolioFactory(owner=user)
        _, secret = personal_token_create(owner=user, name="t", scope="read")
        client = bearer(secret)
        greeks = client.post(
            "/api/v1/analytics/risk/greeks/calculate",
            {
                "positions": [
                    {
                        "underlying_price": 100,
                        "strike": 100,
                        "expiration_date": "2099-01-15",
                        "option_type": "call",
                        "quantity": 1,
                        "volatility": 0.2,
                        "risk_free_rate": 0.04,
                    }
                ]
            },
            format="json",
        )
        assert greeks.status_code != 403
        custom = client.post(
            f"/api/v1/analytics/risk/{portfolio.id}/scenarios/custom",
            {"name": "x", "shocks": {"Market": -0.1}},
            format="json",
        )
        assert custom.status_code in (200, 422)  # 422: no batch inputs yet; never 403

    def test_a_write_token_can_write(self, user):
        _, secret = personal_token_create(owner=user, name="t", scope="write")
        response = bearer(secret).post("/api/v1/management/portfolios", {"name": "New"}, format="json")
        assert response.status_code == 201
