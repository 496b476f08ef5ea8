"""The admin login is locked out after repeated failures (django-axes); the API login is not."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/v1/auth/login"


@pytest.fixture
def staff(db) -> User:  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def _admin_login(client: Client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    url = reverse("admin:login")
    return client.post(url, {"username": username, "password": password, "next": "/admin/"}, **extra)


@pytest.mark.django_db
class TestAdminLockout:
    def test_the_right_password_logs_in(self, staff):
        assert _admin_login(Client(), staff.email, DEFAULT_PASSWORD).status_code == 302

    def test_after_the_failure_limit_even_the_right_password_is_refused(self, staff):
        client = Client()
        failures = [_admin_login(client, staff.email, "wrong-Passw0rd!") for _ in range(6)]

        right = _admin_login(client, staff.email, DEFAULT_PASSWORD)

        assert settings.AXES_FAILURE_LIMIT == 5
        assert [r.status_code for r in failures[:4]] == [200] * 4  # the form again, with its error
        assert failures[-1].status_code == 403
        assert right.status_code == 403
        assert "_auth_user_id" not in client.session

    def test_email_case_does_not_reset_the_count(self, staff):
        client = Client()
        for email in (
            staff.email,
            staff.email.upper(),
            staff.email.title(),
            staff.email,
            staff.email.upper(),
        ):
            _admin_login(client, email, "wrong-Passw0rd!")

        assert _admin_login(client, staff.email, DEFAULT_PASSWORD).status_code == 403

    def test_another_address_is_not_locked_out(self, staff):
        for _ in range(6):
            _admin_login(Client(), staff.email, "wrong-Passw0rd!")

        assert (
            _admin_login(Client(), staff.email, DEFAULT_PASSWORD, REMOTE_ADDR="198.51.100.4").status_code
            == 302
        )

    @override_settings(NUM_PROXIES=1)
    def test_behind_a_proxy_a_forged_forwarded_for_does_not_escape(self, staff):
        for i in range(6):
            _admin_login(Client(), staff.email, "x", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.7")

        forged = _admin_login(
            Client(), staff.email, DEFAULT_PASSWORD, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7"
        )

        assert forged.status_code == 403

    def test_api_login_failures_are_not_counted(self, api_client, staff):
        bad = [
            api_client.post(LOGIN, {"email": staff.email, "password": "wrong-Passw0rd!"}, format="json")
            for _ in range(6)
        ]

        assert [r.status_code for r in bad] == [401] * 6
        assert bad[-1].json()["error"]["message"] == "Invalid email or password."
        assert not AccessAttempt.objects.exists()
        assert _admin_login(Client(), staff.email, DEFAULT_PASSWORD).status_code == 302

    def test_an_admin_lockout_does_not_lock_the_api_login(self, api_client, staff):
        for _ in range(6):
            _admin_login(Client(), staff.email, "wrong-Passw0rd!")

        good = api_client.post(LOGIN, {"email": staff.email, "password": DEFAULT_PASSWORD}, format="json")
        bad = api_client.post(LOGIN, {"email": staff.email, "password": "wrong"}, format="json")

        assert good.status_code == 200
        assert bad.status_code == 401
        assert bad.json()["error"]["message"] == "Invalid email or password."
