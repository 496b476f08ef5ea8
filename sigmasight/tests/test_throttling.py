"""Rate limits (API.md "Conventions"): per user, and per IP + email on login; headers on every answer."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from accounts.tests.factories import DEFAULT_PASSWORD
from sigmasight.tests.envelope import assert_error

ME = "/api/v1/auth/me"
LOGIN = "/api/v1/auth/login"


@pytest.fixture
def tiny_rates() -> Iterator[None]:
    """3 requests/min per user, 2/min per login key, from an empty cache."""
    rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "3/min", "login": "2/min"}}
    cache.clear()
    with override_settings(REST_FRAMEWORK=rates):
        yield
    cache.clear()


def _headers(response: object) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),  # type: ignore[index]
        int(response["X-RateLimit-Remaining"]),  # type: ignore[index]
        int(response["X-RateLimit-Reset"]),  # type: ignore[index]
    )


@pytest.mark.django_db
@pytest.mark.usefixtures("tiny_rates")
class TestUserThrottle:
    def test_headers_count_down_then_429(self, auth_client):
        answers = [auth_client.get(ME) for _ in range(4)]

        assert [r.status_code for r in answers[:3]] == [200, 200, 200]
        assert [_headers(r)[:2] for r in answers[:3]] == [(3, 2), (3, 1), (3, 0)]
        now = time.time()
        assert all(now - 1 <= _headers(r)[2] <= now + 61 for r in answers)
        limited = answers[3]
        error = assert_error(limited, 429, "RATE_LIMIT_EXCEEDED")
        assert error["message"]
        assert 1 <= int(limited["Retry-After"]) <= 60
        assert _headers(limited)[:2] == (3, 0)

    def test_users_are_counted_separately(self, client_for, user, other_user):
        for _ in range(3):
            client_for(user).get(ME)

        assert client_for(user).get(ME).status_code == 429
        assert client_for(other_user).get(ME).status_code == 200

    def test_rate_follows_the_setting(self, auth_client):
        rates = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"user": "5/min", "login": "2/min"}}
        with override_settings(REST_FRAMEWORK=rates):
            assert _headers(auth_client.get(ME))[0] == 5


@pytest.mark.django_db
@pytest.mark.usefixtures("tiny_rates")
class TestLoginThrottle:
    def test_per_ip_and_email(self, api_client, user, other_user):
        bad = {"email": user.email, "password": "wrong-Passw0rd!"}
        first, second, third = (api_client.post(LOGIN, bad, format="json") for _ in range(3))

        assert [first.status_code, second.status_code] == [401, 401]
        assert _headers(first)[:2] == (2, 1)
        assert_error(third, 429, "RATE_LIMIT_EXCEEDED")
        assert int(third["Retry-After"]) >= 1
        # even the right password is refused until the window passes ...
        good = {"email": user.email, "password": DEFAULT_PASSWORD}
        assert api_client.post(LOGIN, good, format="json").status_code == 429
        # ... but another email from the same client is not affected
        other = {"email": other_user.email, "password": DEFAULT_PASSWORD}
        assert api_client.post(LOGIN, other, format="json").status_code == 200

    def test_email_case_does_not_reset_the_count(self, api_client, user):
        for email in (user.email, user.email.upper()):
            api_client.post(LOGIN, {"email": email, "password": "x"}, format="json")

        assert (
            api_client.post(LOGIN, {"email": user.email.title(), "password": "x"}, format="json").status_code
            == 429
        )


REFRESH = "/api/v1/auth/refresh"
REGISTER = "/api/v1/auth/register"


@pytest.fixture
def ip_rates() -> Iterator[None]:
    """Small limits on every anonymous throttle (login per IP+email and per IP, register, refresh)."""
    small = {
        "user": "1000/min",
        "login": "3/min",
        "login_ip": "4/min",
        "register": "2/hour",
        "refresh": "2/min",
    }
    cache.clear()
    with override_settings(REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": small}):
        yield
    cache.clear()


def _bad_login(client: object, email: str, **extra: str) -> object:
    body = {"email": email, "password": "wrong-Passw0rd!"}
    return client.post(LOGIN, body, format="json", **extra)  # type: ignore[attr-defined]


@pytest.mark.django_db
@pytest.mark.usefixtures("ip_rates")
class TestClientIdentity:
    def test_a_new_forwarded_for_per_attempt_does_not_reset_the_login_count(self, api_client, user):
        answers = [
            _bad_login(api_client, user.email, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}") for i in range(1, 6)
        ]

        assert [r.status_code for r in answers] == [401, 401, 401, 429, 429]

    @override_settings(NUM_PROXIES=1)
    def test_behind_one_proxy_the_client_is_the_last_forwarded_address(self, api_client, user):
        spoofed = [
            _bad_login(api_client, user.email, HTTP_X_FORWARDED_FOR=f"10.0.0.{i}, 203.0.113.7")
            for i in range(1, 5)
        ]
        another_client = _bad_login(api_client, user.email, HTTP_X_FORWARDED_FOR="10.0.0.1, 198.51.100.9")

        assert [r.status_code for r in spoofed] == [401, 401, 401, 429]
        assert another_client.status_code == 401


@pytest.mark.django_db
@pytest.mark.usefixtures("ip_rates")
class TestPerIPThrottles:
    def test_login_is_limited_per_ip_whatever_the_email(self, api_client):
        answers = [_bad_login(api_client, f"user{i}@example.com") for i in range(5)]

        assert [r.status_code for r in answers] == [401, 401, 401, 401, 429]
        limited = answers[-1]
        assert_error(limited, 429, "RATE_LIMIT_EXCEEDED")
        assert 1 <= int(limited["Retry-After"]) <= 60
        assert _headers(limited)[:2] == (4, 0)
        # another address is not affected
        assert _bad_login(api_client, "user0@example.com", REMOTE_ADDR="198.51.100.2").status_code == 401

    def test_register_is_limited_per_ip(self, api_client):
        def register(i: int) -> object:
            body = {"email": f"new{i}@example.com", "password": "Un1que-enough!", "full_name": "New"}
            return api_client.post(REGISTER, body, format="json")

        answers = [register(i) for i in range(3)]

        assert [r.status_code for r in answers] == [201, 201, 429]
        assert_error(answers[-1], 429, "RATE_LIMIT_EXCEEDED")
        assert 60 < int(answers[-1]["Retry-After"]) <= 3600
        assert _headers(answers[0])[:2] == (2, 1)

    def test_refresh_is_limited_per_ip(self, api_client):
        answers = [api_client.post(REFRESH, {"refresh_token": "junk"}, format="json") for _ in range(3)]

        assert [r.status_code for r in answers] == [401, 401, 429]
        assert_error(answers[-1], 429, "RATE_LIMIT_EXCEEDED")
        assert "Retry-After" in answers[-1]
        assert _headers(answers[0])[:2] == (2, 1)
