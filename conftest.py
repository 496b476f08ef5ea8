"""Suite-wide fixtures and the CI rule: with SIGMASIGHT_REQUIRE_SERVICES=1, PostgreSQL and Redis
must be there (the run fails, never skips, when they are missing)."""

from __future__ import annotations

import os
from collections.abc import Callable

import pytest

REQUIRE_SERVICES = os.environ.get("SIGMASIGHT_REQUIRE_SERVICES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    if REQUIRE_SERVICES:
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        if "postgresql" not in engine:
            raise pytest.UsageError(f"CI requires PostgreSQL but the database engine is {engine}.")
        if not os.environ.get("REDIS_URL"):
            raise pytest.UsageError("CI requires Redis but REDIS_URL is not set.")


@pytest.fixture
def redis_url() -> str:
    """The Redis server for tests that need one; skipped locally when absent, a failure in CI."""
    url = os.environ.get("REDIS_URL")
    if not url:
        if REQUIRE_SERVICES:
            pytest.fail("REDIS_URL is required in CI")
        pytest.skip("no Redis server (REDIS_URL unset)")
    return url


@pytest.fixture
def api_client():  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def other_user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory()


@pytest.fixture
def staff_user(db):  # type: ignore[no-untyped-def]
    from accounts.tests.factories import UserFactory

    return UserFactory(is_staff=True)


@pytest.fixture
def client_for() -> Callable[..., object]:
    """``client_for(user)`` -> an APIClient sending that user's Bearer access token."""
    from rest_framework.test import APIClient
    from rest_framework_simplejwt.tokens import RefreshToken

    def make(user) -> APIClient:  # type: ignore[no-untyped-def]
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
        return client

    return make


@pytest.fixture
def auth_client(user, client_for):  # type: ignore[no-untyped-def]
    return client_for(user)
