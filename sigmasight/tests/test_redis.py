"""Production wiring against a real Redis server (REDIS_URL): cache, throttling, Celery broker.

Skipped locally without Redis; CI sets SIGMASIGHT_REQUIRE_SERVICES=1, which turns a missing server
into a failure.
"""

from __future__ import annotations

import json

import pytest
import redis
from django.core.cache import caches
from django.test import override_settings

pytestmark = [
    pytest.mark.redis,
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored"),
]


def _redis_cache(url: str) -> dict:
    return {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "sigmasight-test",
        }
    }


def test_cache_round_trip_through_redis(redis_url: str) -> None:
    with override_settings(CACHES=_redis_cache(redis_url)):
        cache = caches["default"]
        cache.set("probe", {"a": 1}, 30)
        assert cache.get("probe") == {"a": 1}
        cache.delete("probe")


def test_throttle_counts_live_in_redis(redis_url: str, auth_client) -> None:  # type: ignore[no-untyped-def]
    from rest_framework.settings import api_settings

    rates = {**api_settings.DEFAULT_THROTTLE_RATES, "user": "3/min"}
    with override_settings(
        CACHES=_redis_cache(redis_url),
        REST_FRAMEWORK={
            **__import__("django.conf").conf.settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": rates,
        },
    ):
        caches["default"].clear()
        statuses = [auth_client.get("/api/v1/auth/me").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        keys = redis.Redis.from_url(redis_url).keys("sigmasight-test*throttle_user*")
        assert keys, "the throttle history is stored in Redis"
        caches["default"].clear()


def test_health_reports_redis_cache_and_broker_ok(redis_url: str, api_client) -> None:  # type: ignore[no-untyped-def]
    with override_settings(CACHES=_redis_cache(redis_url), CELERY_BROKER_URL=redis_url):
        body = api_client.get("/health").json()
    assert body["cache"] == "ok"
    assert body["broker"] == "ok"


def test_batch_task_message_is_published_to_the_redis_broker(redis_url: str) -> None:
    """With a broker configured, queuing the nightly batch publishes a Celery message to Redis."""
    from sigmasight.celery import app

    queue = "sigmasight-test-queue"
    client = redis.Redis.from_url(redis_url)
    client.delete(queue)
    try:
        # An explicit connection: the app's pooled one may point at another broker in this process.
        with app.connection_for_write(redis_url) as connection:
            app.send_task(
                "analytics.nightly_batch",
                kwargs={"as_of_date": "2026-11-20"},
                queue=queue,
                connection=connection,
            )
        raw = client.lpop(queue)
    finally:
        client.delete(queue)
    assert raw is not None
    message = json.loads(raw)
    assert message["headers"]["task"] == "analytics.nightly_batch"
