"""/auth: login, refresh, logout, register, me (API.md "/auth")."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework_simplejwt.tokens import RefreshToken

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory
from portfolios.models import Portfolio
from portfolios.tests.factories import PortfolioFactory
from sigmasight.tests.envelope import assert_error

LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
LOGOUT = "/api/v1/auth/logout"
REGISTER = "/api/v1/auth/register"
ME = "/api/v1/auth/me"


def _login(client: Any, email: str, password: str = DEFAULT_PASSWORD) -> Any:
    return client.post(LOGIN, {"email": email, "password": password}, format="json")


@pytest.mark.django_db
class TestLogin:
    def test_returns_the_token_pair_and_the_user(self, api_client, user):
        response = _login(api_client, user.email)

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600
        assert body["user"] == {
            "id": str(user.id),
            "email": user.email,
            "full_name": user.full_name,
            "is_staff": False,
        }

    def test_access_token_authenticates(self, api_client, user):
        token = _login(api_client, user.email).json()["access_token"]
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

        assert api_client.get(ME).json()["id"] == str(user.id)

    def test_email_is_case_insensitive(self, api_client, user):
        assert _login(api_client, user.email.upper()).status_code == 200

    def test_trailing_slash_answers_too(self, api_client, user):
        response = api_client.post(
            LOGIN + "/", {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        )

        assert response.status_code == 200

    @pytest.mark.parametrize("case", ["unknown_email", "wrong_password", "inactive_user"])
    def test_bad_credentials_get_one_message(self, api_client, case):
        user = UserFactory(is_active=case != "inactive_user")
        email = "nobody@example.com" if case == "unknown_email" else user.email
        password = "wrong-Passw0rd!" if case == "wrong_password" else DEFAULT_PASSWORD

        error = assert_error(_login(api_client, email, password), 401, "AUTHENTICATION_FAILED")

        assert error["message"] == "Invalid email or password."

    def test_missing_fields_are_validation_errors(self, api_client):
        error = assert_error(api_client.post(LOGIN, {}, format="json"), 400, "VALIDATION_ERROR")

        assert set(error["details"]) == {"email", "password"}


@pytest.mark.django_db
class TestRefresh:
    def test_rotates_the_pair(self, api_client, user):
        old = _login(api_client, user.email).json()["refresh_token"]

        response = api_client.post(REFRESH, {"refresh_token": old}, format="json")

        assert response.status_code == 200
        body = response.json()
        assert set(body) == {"access_token", "refresh_token", "token_type", "expires_in"}
        assert body["token_type"] == "bearer"
        assert body["expires_in"] == 3600
        assert body["refresh_token"] != old

    def test_the_old_refresh_token_is_blacklisted(self, api_client, user):
        old = _login(api_client, user.email).json()["refresh_token"]
        new = api_client.post(REFRESH, {"refresh_token": old}, format="json").json()["refresh_token"]

        reused = api_client.post(REFRESH, {"refresh_token": old}, format="json")

        assert_error(reused, 401, "AUTHENTICATION_FAILED")
        assert api_client.post(REFRESH, {"refresh_token": new}, format="json").status_code == 200

    def test_garbage_token_is_401(self, api_client):
        assert_error(
            api_client.post(REFRESH, {"refresh_token": "not-a-token"}, format="json"),
            401,
            "AUTHENTICATION_FAILED",
        )

    def test_access_token_cannot_refresh(self, api_client, user):
        access = _login(api_client, user.email).json()["access_token"]

        assert_error(api_client.post(REFRESH, {"refresh_token": access}, format="json"), 401)

    def test_token_of_an_inactive_user_is_401(self, api_client, user):
        refresh = _login(api_client, user.email).json()["refresh_token"]
        User.objects.filter(pk=user.pk).update(is_active=False)

        assert_error(api_client.post(REFRESH, {"refresh_token": refresh}, format="json"), 401)

    def test_token_of_a_deleted_user_is_401(self, api_client, user):
        refresh = str(RefreshToken.for_user(user))
        user.delete()

        assert_error(api_client.post(REFRESH, {"refresh_token": refresh}, format="json"), 401)

    def test_missing_field_is_400(self, api_client):
        error = assert_error(api_client.post(REFRESH, {}, format="json"), 400, "VALIDATION_ERROR")

        assert "refresh_token" in error["details"]


@pytest.mark.django_db
class TestLogout:
    def test_blacklists_the_refresh_token(self, api_client, client_for, user):
        refresh = _login(api_client, user.email).json()["refresh_token"]

        response = client_for(user).post(LOGOUT, {"refresh_token": refresh}, format="json")

        assert response.status_code == 200
        assert response.json() == {"success": True}
        assert_error(api_client.post(REFRESH, {"refresh_token": refresh}, format="json"), 401)

    def test_the_access_token_of_the_session_is_refused_after_logout(self, api_client, user):
        tokens = _login(api_client, user.email).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        assert api_client.get(ME).status_code == 200

        assert (
            api_client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json").status_code
            == 200
        )

        assert_error(api_client.get(ME), 401, "AUTHENTICATION_FAILED")

    def test_logout_ends_every_session_of_the_user(self, api_client, user, other_user):
        first = _login(api_client, user.email).json()
        second = _login(api_client, user.email).json()
        theirs = _login(api_client, other_user.email).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access_token']}")
        api_client.post(LOGOUT, {"refresh_token": first["refresh_token"]}, format="json")

        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['access_token']}")
        assert_error(api_client.get(ME), 401, "AUTHENTICATION_FAILED")
        api_client.credentials()
        assert_error(
            api_client.post(REFRESH, {"refresh_token": second["refresh_token"]}, format="json"),
            401,
            "AUTHENTICATION_FAILED",
        )
        # another user's session is untouched
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {theirs['access_token']}")
        assert api_client.get(ME).status_code == 200

    def test_logging_in_again_after_logout_works(self, api_client, user):
        tokens = _login(api_client, user.email).json()
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
        api_client.post(LOGOUT, {"refresh_token": tokens["refresh_token"]}, format="json")
        api_client.credentials()

        fresh = _login(api_client, user.email).json()
        rotated = api_client.post(REFRESH, {"refresh_token": fresh["refresh_token"]}, format="json").json()

        for access in (fresh["access_token"], rotated["access_token"]):
            api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
            assert api_client.get(ME).status_code == 200

    def test_someone_elses_refresh_token_is_400(self, api_client, client_for, user, other_user):
        theirs = _login(api_client, other_user.email).json()["refresh_token"]

        error = assert_error(
            client_for(user).post(LOGOUT, {"refresh_token": theirs}, format="json"), 400, "VALIDATION_ERROR"
        )

        assert "refresh_token" in error["details"]
        # and their token still works
        assert api_client.post(REFRESH, {"refresh_token": theirs}, format="json").status_code == 200

    def test_invalid_token_is_400(self, auth_client):
        assert_error(
            auth_client.post(LOGOUT, {"refresh_token": "junk"}, format="json"), 400, "VALIDATION_ERROR"
        )

    def test_requires_authentication(self, api_client, user):
        refresh = _login(api_client, user.email).json()["refresh_token"]

        assert_error(
            api_client.post(LOGOUT, {"refresh_token": refresh}, format="json"), 401, "NOT_AUTHENTICATED"
        )


@pytest.mark.django_db
class TestRegister:
    def _register(self, client: Any, **overrides: Any) -> Any:
        body = {"email": "new.user@example.com", "password": "Un1que-enough!", "full_name": "Ada Lovelace"}
        return client.post(REGISTER, {**body, **overrides}, format="json")

    def test_creates_the_user_and_their_portfolio(self, api_client):
        response = self._register(api_client)

        assert response.status_code == 201
        body = response.json()
        assert set(body) == {"id", "email", "full_name", "is_staff"}
        assert body["email"] == "new.user@example.com"
        assert body["is_staff"] is False
        user = User.objects.get(pk=body["id"])
        assert list(Portfolio.objects.filter(owner=user).values_list("name", flat=True)) == [
            "Ada Lovelace's Portfolio"
        ]
        assert user.check_password("Un1que-enough!")

    def test_new_user_can_log_in(self, api_client):
        self._register(api_client, email="Mixed.Case@Example.com")

        assert _login(api_client, "mixed.case@example.com", "Un1que-enough!").status_code == 200

    def test_duplicate_email_is_400(self, api_client, user):
        error = assert_error(self._register(api_client, email=user.email.upper()), 400, "VALIDATION_ERROR")

        assert "email" in error["details"]
        assert User.objects.filter(email__iexact=user.email).count() == 1

    @pytest.mark.parametrize("password", ["short1!", "password123", "12345678901"])
    def test_weak_password_is_400_naming_password(self, api_client, password):
        error = assert_error(self._register(api_client, password=password), 400, "VALIDATION_ERROR")

        assert error["details"]["password"]
        assert not User.objects.filter(email="new.user@example.com").exists()
        assert not Portfolio.objects.exists()

    def test_missing_fields_are_named(self, api_client):
        error = assert_error(api_client.post(REGISTER, {}, format="json"), 400, "VALIDATION_ERROR")

        assert set(error["details"]) == {"email", "password", "full_name"}


@pytest.mark.django_db
class TestMe:
    def test_returns_the_user_and_their_portfolios(self, auth_client, user, other_user):
        first = PortfolioFactory(owner=user, name="Growth")
        second = PortfolioFactory(owner=user, name="Income")
        PortfolioFactory(owner=other_user, name="Not mine")

        response = auth_client.get(ME)

        assert response.status_code == 200
        assert response.json() == {
            "id": str(user.id),
            "email": user.email,
            "full_name": user.full_name,
            "is_staff": False,
            "portfolios": [{"id": str(first.id), "name": "Growth"}, {"id": str(second.id), "name": "Income"}],
        }

    def test_requires_authentication(self, api_client):
        assert_error(api_client.get(ME), 401, "NOT_AUTHENTICATED")
