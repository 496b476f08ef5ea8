"""HTTP plumbing shared by the vendor clients (FMP, Polygon, FRED): pure, no Django import.

- :class:`TokenBucket` paces requests to a vendor's published rate limit.
- :func:`get_json` performs one GET with retries: HTTP 429 (honouring ``Retry-After``), 5xx and
  timeouts / transport errors are retried with exponential backoff and full jitter
  (``uniform(0, min(backoff_max, backoff_base * 2**attempt))`` seconds, see :func:`backoff_delay`);
  any other 4xx, a malformed JSON body or exhausted retries raise :class:`ProviderError`.

Error messages and log lines name the provider and the URL *without its query string*, so an API key
passed as a query parameter never reaches a log, a traceback or a user; vendor error texts are
scrubbed of any parameter whose name contains "key" before they are quoted.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from marketdata.providers.base import MarketDataProvider, ProviderError

logger = logging.getLogger(__name__)

Clock = Callable[[], float]
Sleep = Callable[[float], None]
Params = Mapping[str, str | int | float | bool]

#: statuses worth another try: rate limited, and the server-side failures that are usually transient
RETRY_STATUSES: frozenset[int] = frozenset({429, 500, 502, 503, 504})


class TokenBucket:
    """A thread-safe token bucket: at most ``capacity`` requests at once, refilled at ``rate_per_second``.

    The bucket starts full, so a burst of ``capacity`` calls goes out at once; call number
    ``capacity + k`` waits until ``k / rate_per_second`` seconds after the burst. ``clock`` (seconds,
    monotonic) and ``sleep`` are injectable so tests run on a fake clock.
    """

    def __init__(
        self,
        rate_per_second: float,
        capacity: float,
        clock: Clock = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate_per_second <= 0:
            raise ValueError("rate_per_second must be positive")
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.rate_per_second = float(rate_per_second)
        self.capacity = float(capacity)
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._updated = clock()
        self._lock = threading.Lock()

    @classmethod
    def per_minute(
        cls, requests: float, clock: Clock = time.monotonic, sleep: Sleep = time.sleep
    ) -> TokenBucket:
        """A bucket for a vendor limit stated per minute (a burst of up to ``requests``)."""
        return cls(requests / 60.0, max(1.0, requests), clock=clock, sleep=sleep)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate_per_second)
        self._updated = now

    def acquire(self, tokens: float = 1.0) -> float:
        """Take ``tokens``, sleeping first if the bucket lacks them; returns the seconds slept."""
        if tokens > self.capacity:
            raise ValueError("cannot acquire more tokens than the bucket holds")
        with self._lock:
            self._refill()
            waited = 0.0
            deficit = tokens - self._tokens
            if deficit > 0:
                waited = deficit / self.rate_per_second
                self._sleep(waited)
                self._refill()
            # max(): after sleeping exactly the deficit, float rounding may leave -1e-16 tokens
            self._tokens = max(0.0, self._tokens - tokens)
            return waited


@dataclass(frozen=True)
class RetryPolicy:
    """How :func:`get_json` retries. Times in seconds.

    ``retries`` is the number of retries after the first attempt (``retries + 1`` attempts in all).
    A ``Retry-After`` longer than ``max_retry_after`` (e.g. a daily quota reset) is not waited for:
    the request fails at once with :class:`ProviderError`.
    """

    retries: int = 3
    backoff_base: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0


DEFAULT_RETRY_POLICY = RetryPolicy()


def backoff_delay(attempt: int, base: float, maximum: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff: a uniform draw in ``[0, min(maximum, base * 2**attempt)]``.

    ``attempt`` is 0 for the wait before the first retry.
    """
    cap = min(maximum, base * (2.0**attempt))
    return rng.uniform(0.0, cap)


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP-date), None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())


def display_url(url: str | httpx.URL) -> str:
    """The URL without its query string: safe to log and to show (API keys travel as parameters)."""
    return str(url).split("?", 1)[0]


def scrub(text: str, params: Params | None) -> str:
    """``text`` with the values of any parameter whose name contains "key" replaced by ``***``."""
    for name, value in (params or {}).items():
        secret = str(value)
        if "key" in name.lower() and secret:
            text = text.replace(secret, "***")
    return text


def _vendor_message(response: httpx.Response) -> str:
    """A short excerpt of a vendor's error body (JSON ``message``/``error`` fields when present)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:200].strip()
    if isinstance(body, dict):
        for key in ("message", "error_message", "error", "Error Message"):
            if isinstance(body.get(key), str):
                return str(body[key])[:200]
    return json.dumps(body)[:200]


def get_json(
    client: httpx.Client,
    url: str,
    params: Params | None = None,
    *,
    provider: str,
    limiter: TokenBucket | None = None,
    policy: RetryPolicy = DEFAULT_RETRY_POLICY,
    rng: random.Random | None = None,
    sleep: Sleep = time.sleep,
    headers: Mapping[str, str] | None = None,
    not_found: Collection[int] = (),
) -> Any:
    """GET ``url`` and return its decoded JSON body, or None for a status listed in ``not_found``.

    Every attempt first takes a token from ``limiter``. Retried: HTTP 429 (waiting ``Retry-After``
    when the vendor sends it, else the backoff), 5xx in :data:`RETRY_STATUSES`, timeouts and
    transport errors. Raises :class:`ProviderError` on exhausted retries, any other non-2xx status
    and a body that is not JSON; messages name ``provider`` and the URL without its query string.
    """
    rng = rng or random.Random()
    where = f"{provider}: GET {display_url(url)}"
    last_problem = ""
    for attempt in range(policy.retries + 1):
        if limiter is not None:
            limiter.acquire()
        retry_after: float | None = None
        try:
            # None, not {}: httpx would replace a URL's own query (a next_url cursor) with empty params
            query = dict(params) if params else None
            response = client.get(url, params=query, headers=dict(headers or {}))
        except httpx.TimeoutException as exc:
            last_problem = f"timed out ({type(exc).__name__})"
        except httpx.TransportError as exc:
            last_problem = f"transport error ({type(exc).__name__}: {scrub(str(exc), params)})"
        else:
            status = response.status_code
            if status in not_found:
                return None
            if 200 <= status < 300:
                try:
                    return response.json()
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise ProviderError(
                        f"{where} returned malformed JSON (HTTP {status}, {len(response.content)} bytes)"
                    ) from None
            message = scrub(_vendor_message(response), params)
            if status not in RETRY_STATUSES:
                raise ProviderError(f"{where} failed with HTTP {status}: {message}")
            last_problem = f"HTTP {status}: {message}"
            if status == 429:
                retry_after = parse_retry_after(response.headers.get("Retry-After"))
                if retry_after is not None and retry_after > policy.max_retry_after:
                    raise ProviderError(
                        f"{where} is rate limited; the vendor asks to wait {retry_after:.0f} s"
                    )
        if attempt == policy.retries:
            break
        delay = (
            retry_after
            if retry_after is not None
            else backoff_delay(attempt, policy.backoff_base, policy.backoff_max, rng)
        )
        logger.warning(
            "%s: %s; retry %d/%d in %.2f s", where, last_problem, attempt + 1, policy.retries, delay
        )
        sleep(delay)
    raise ProviderError(f"{where} failed after {policy.retries + 1} attempts: {last_problem}")


@dataclass
class VendorHTTP:
    """A vendor's connection: client, rate limiter, retry policy and randomness in one place.

    Providers own one each and call :meth:`get`; tests inject an ``httpx.Client`` over a
    ``MockTransport``, a limiter on a fake clock, a seeded ``rng`` and a recording ``sleep``.
    """

    provider: str
    client: httpx.Client
    limiter: TokenBucket | None = None
    policy: RetryPolicy = DEFAULT_RETRY_POLICY
    rng: random.Random | None = None
    sleep: Sleep = time.sleep
    headers: Mapping[str, str] | None = None

    def get(self, url: str, params: Params | None = None, *, not_found: Collection[int] = ()) -> Any:
        """See :func:`get_json`."""
        return get_json(
            self.client,
            url,
            params,
            provider=self.provider,
            limiter=self.limiter,
            policy=self.policy,
            rng=self.rng,
            sleep=self.sleep,
            headers=self.headers,
            not_found=not_found,
        )

    def close(self) -> None:
        """Close the underlying HTTP client."""
        self.client.close()


def default_client(timeout: float = 15.0) -> httpx.Client:
    """The client used when a provider is not given one: bounded timeouts, a named user agent."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=5.0),
        headers={"User-Agent": "SigmaSight/1.0 (+marketdata)", "Accept": "application/json"},
        follow_redirects=True,
    )


class VendorProvider(MarketDataProvider):
    """The shared plumbing of the keyed HTTP vendors (FMP, Polygon, FRED): the API key check, the
    base URL, one :class:`VendorHTTP` (client, token bucket at ``requests_per_minute``, retry
    policy), a ``repr`` that never shows the key, and ``close``. Subclasses set the class
    attributes and may send the key in headers (:meth:`_auth_headers`) instead of the query."""

    default_base_url: str = ""
    key_setting: str = ""
    requests_per_minute: int = 60

    def __init__(
        self,
        api_key: str,
        client: httpx.Client | None = None,
        limiter: TokenBucket | None = None,
        *,
        base_url: str | None = None,
        policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        rng: random.Random | None = None,
        sleep: Sleep = time.sleep,
    ) -> None:
        if not api_key:
            raise ValueError(f"{type(self).__name__} needs an API key ({self.key_setting})")
        self._api_key = api_key
        self._base_url = (base_url or self.default_base_url).rstrip("/")
        self._http = VendorHTTP(
            provider=self.name,
            client=client or default_client(),
            limiter=limiter or TokenBucket.per_minute(self.requests_per_minute),
            policy=policy,
            rng=rng,
            sleep=sleep,
            headers=self._auth_headers(api_key),
        )

    def _auth_headers(self, api_key: str) -> dict[str, str] | None:
        return None

    def __repr__(self) -> str:  # never show the key
        return f"{type(self).__name__}(base_url={self._base_url!r})"

    def close(self) -> None:
        """Close the HTTP client."""
        self._http.close()
