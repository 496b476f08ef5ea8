"""Retries, backoff and the token bucket of marketdata.providers.http (no network: MockTransport)."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

import httpx
import pytest

from marketdata.providers.base import ProviderError
from marketdata.providers.http import (
    RetryPolicy,
    TokenBucket,
    backoff_delay,
    display_url,
    get_json,
    parse_retry_after,
)

URL = "https://vendor.example/api/v3/quote/AAPL"
KEY = "SECRET-KEY-123"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def scripted(*steps: httpx.Response | Exception) -> tuple[httpx.Client, list[httpx.Request]]:
    """A client whose transport plays ``steps`` in order (an exception is raised, not returned)."""
    requests: list[httpx.Request] = []
    queue: Iterator[httpx.Response | Exception] = iter(steps)

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        step = next(queue)
        if isinstance(step, Exception):
            raise step
        return step

    return httpx.Client(transport=httpx.MockTransport(handler)), requests


def fetch(client: httpx.Client, clock: FakeClock, **kw: object) -> object:
    options: dict[str, object] = {
        "provider": "fmp",
        "policy": RetryPolicy(retries=3, backoff_base=0.5, backoff_max=4.0),
        "rng": random.Random(7),
        "sleep": clock.sleep,
    }
    options.update(kw)
    return get_json(client, URL, {"apikey": KEY}, **options)  # type: ignore[arg-type]


class TestRetries:
    def test_success_passes_params_and_returns_json(self) -> None:
        client, requests = scripted(httpx.Response(200, json=[{"symbol": "AAPL"}]))
        assert fetch(client, FakeClock()) == [{"symbol": "AAPL"}]
        assert requests[0].url.params["apikey"] == KEY

    def test_429_then_success_honours_retry_after(self) -> None:
        # given a vendor that rate-limits once and asks for 2 seconds
        clock = FakeClock()
        client, requests = scripted(
            httpx.Response(429, headers={"Retry-After": "2"}, json={"message": "slow down"}),
            httpx.Response(200, json={"ok": True}),
        )
        # when
        body = fetch(client, clock)
        # then it waited exactly what the vendor asked and retried once
        assert body == {"ok": True}
        assert clock.sleeps == [2.0]
        assert len(requests) == 2

    def test_429_without_retry_after_uses_jittered_backoff(self) -> None:
        clock = FakeClock()
        client, _ = scripted(httpx.Response(429), httpx.Response(429), httpx.Response(200, json={}))
        fetch(client, clock)
        assert len(clock.sleeps) == 2
        assert 0.0 <= clock.sleeps[0] <= 0.5
        assert 0.0 <= clock.sleeps[1] <= 1.0

    def test_429_with_a_very_long_retry_after_fails_at_once(self) -> None:
        clock = FakeClock()
        client, requests = scripted(httpx.Response(429, headers={"Retry-After": "86400"}))
        with pytest.raises(ProviderError, match="rate limited.*86400 s"):
            fetch(client, clock)
        assert clock.sleeps == [] and len(requests) == 1

    def test_500_until_retries_are_exhausted(self) -> None:
        clock = FakeClock()
        client, requests = scripted(*[httpx.Response(500, text="Internal Server Error")] * 4)
        with pytest.raises(ProviderError) as caught:
            fetch(client, clock)
        message = str(caught.value)
        assert "fmp" in message and URL in message and "after 4 attempts" in message
        assert "HTTP 500" in message and KEY not in message
        assert len(requests) == 4
        assert len(clock.sleeps) == 3
        for attempt, delay in enumerate(clock.sleeps):
            assert 0.0 <= delay <= min(4.0, 0.5 * 2**attempt)

    def test_503_then_success(self) -> None:
        clock = FakeClock()
        client, _ = scripted(httpx.Response(503), httpx.Response(200, json=[1]))
        assert fetch(client, clock) == [1]

    def test_timeouts_are_retried(self) -> None:
        clock = FakeClock()
        client, requests = scripted(
            httpx.ReadTimeout("The read operation timed out"),
            httpx.ConnectTimeout("connect timed out"),
            httpx.Response(200, json={"ok": 1}),
        )
        assert fetch(client, clock) == {"ok": 1}
        assert len(requests) == 3 and len(clock.sleeps) == 2

    def test_transport_errors_exhausted(self) -> None:
        clock = FakeClock()
        client, _ = scripted(*[httpx.ConnectError("Name or service not known")] * 2)
        with pytest.raises(ProviderError, match="after 2 attempts: transport error"):
            fetch(client, clock, policy=RetryPolicy(retries=1))

    def test_malformed_json_is_not_retried(self) -> None:
        clock = FakeClock()
        client, requests = scripted(httpx.Response(200, text="<html>gateway</html>"))
        with pytest.raises(ProviderError, match="malformed JSON") as caught:
            fetch(client, clock)
        assert URL in str(caught.value) and KEY not in str(caught.value)
        assert len(requests) == 1 and clock.sleeps == []

    @pytest.mark.parametrize("status", [400, 401, 403, 404])
    def test_other_4xx_fail_at_once(self, status: int) -> None:
        clock = FakeClock()
        client, requests = scripted(httpx.Response(status, json={"message": "nope"}))
        with pytest.raises(ProviderError, match=f"HTTP {status}: nope"):
            fetch(client, clock)
        assert len(requests) == 1

    def test_not_found_statuses_return_none(self) -> None:
        client, _ = scripted(httpx.Response(404, json={"status": "NOT_FOUND"}))
        assert fetch(client, FakeClock(), not_found=(404,)) is None

    def test_vendor_text_echoing_the_key_is_scrubbed(self) -> None:
        client, _ = scripted(httpx.Response(401, json={"message": f"bad key {KEY}"}))
        with pytest.raises(ProviderError) as caught:
            fetch(client, FakeClock())
        assert KEY not in str(caught.value) and "bad key ***" in str(caught.value)

    def test_every_attempt_takes_a_token(self) -> None:
        clock = FakeClock()
        limiter = TokenBucket(rate_per_second=1.0, capacity=1, clock=clock, sleep=clock.sleep)
        client, _ = scripted(httpx.Response(500), httpx.Response(200, json={}))
        fetch(client, clock, limiter=limiter, sleep=clock.sleep)
        # one backoff sleep, then the limiter tops up whatever the backoff left of its 1 s refill
        assert clock.sleeps[0] <= 0.5
        assert sum(clock.sleeps) == pytest.approx(1.0)


class TestBackoff:
    @pytest.mark.parametrize("attempt", range(8))
    def test_delay_within_full_jitter_bounds(self, attempt: int) -> None:
        rng = random.Random(attempt)
        cap = min(5.0, 0.25 * 2**attempt)
        delays = [backoff_delay(attempt, 0.25, 5.0, rng) for _ in range(500)]
        assert all(0.0 <= d <= cap for d in delays)
        assert max(delays) > 0.8 * cap  # really spread over the whole interval

    def test_bounds_are_reached(self) -> None:
        class Edge(random.Random):
            def uniform(self, a: float, b: float) -> float:
                return b

        assert backoff_delay(3, 0.5, 30.0, Edge()) == 4.0
        assert backoff_delay(10, 0.5, 30.0, Edge()) == 30.0


class TestRetryAfter:
    def test_seconds_and_http_date(self) -> None:
        now = dt.datetime(2024, 1, 5, 12, 0, 0, tzinfo=dt.UTC)
        assert parse_retry_after("3") == 3.0
        assert parse_retry_after("Fri, 05 Jan 2024 12:00:07 GMT", now=now) == 7.0
        assert parse_retry_after("Fri, 05 Jan 2024 11:00:00 GMT", now=now) == 0.0
        assert parse_retry_after(None) is None
        assert parse_retry_after("soon") is None

    def test_display_url_drops_the_query(self) -> None:
        assert display_url(f"{URL}?apikey={KEY}") == URL


class TestTokenBucket:
    def make(self, rate: float, capacity: float) -> tuple[TokenBucket, FakeClock]:
        clock = FakeClock()
        return TokenBucket(rate, capacity, clock=clock, sleep=clock.sleep), clock

    @pytest.mark.parametrize(
        ("calls", "rate", "capacity", "expected"),
        [(10, 2.0, 4, 3.0), (4, 2.0, 4, 0.0), (5, 0.5, 1, 8.0), (301, 5.0, 300, 0.2)],
    )
    def test_burst_sleeps_the_exact_total(
        self, calls: int, rate: float, capacity: float, expected: float
    ) -> None:
        # a burst of N calls: the first `capacity` go at once, each later one waits 1/rate
        bucket, clock = self.make(rate, capacity)
        for _ in range(calls):
            bucket.acquire()
        assert sum(clock.sleeps) == pytest.approx(expected)
        assert all(s == pytest.approx(1 / rate) for s in clock.sleeps)

    def test_refills_while_idle_up_to_capacity(self) -> None:
        bucket, clock = self.make(1.0, 3)
        for _ in range(3):
            bucket.acquire()
        clock.now += 100.0  # long idle: refilled to 3, not 100
        for _ in range(4):
            bucket.acquire()
        assert clock.sleeps == [pytest.approx(1.0)]

    def test_per_minute(self) -> None:
        clock = FakeClock()
        bucket = TokenBucket.per_minute(5, clock=clock, sleep=clock.sleep)
        for _ in range(6):
            bucket.acquire()
        assert clock.sleeps == [pytest.approx(12.0)]

    @pytest.mark.parametrize(("rate", "capacity"), [(0.0, 1), (-1.0, 1), (1.0, 0.5)])
    def test_rejects_bad_settings(self, rate: float, capacity: float) -> None:
        with pytest.raises(ValueError):
            TokenBucket(rate, capacity)

    def test_acquire_returns_the_wait(self) -> None:
        bucket, _ = self.make(4.0, 1)
        waits: list[float] = [bucket.acquire() for _ in range(3)]
        assert waits == [0.0, pytest.approx(0.25), pytest.approx(0.25)]
