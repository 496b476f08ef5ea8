"""Throttles with ``X-RateLimit-*`` headers (API.md): 100/min per user, login 10/min per IP+email
and 30/min per IP, register 10/hour per IP, token refresh 30/min per IP.

Each throttle stores what it computed on the request; ``RequestIDMiddleware`` turns that into
headers. Rates come from settings (``THROTTLE_USER_RATE``, ``THROTTLE_LOGIN_RATE``,
``THROTTLE_LOGIN_IP_RATE``, ``THROTTLE_REGISTER_RATE``, ``THROTTLE_REFRESH_RATE``). The client IP
is :func:`sigmasight.api.client_ip.client_ip` (the socket address unless ``NUM_PROXIES`` trusted
proxies are configured), never the raw ``X-Forwarded-For`` header.
"""

from __future__ import annotations

import math
from typing import Any

from rest_framework import throttling

from sigmasight.api.client_ip import client_ip


class _HeaderMixin:
    def _remember(self, request: Any, allowed: bool) -> None:
        now = self.timer()  # type: ignore[attr-defined]
        history = self.history  # type: ignore[attr-defined]
        limit = self.num_requests  # type: ignore[attr-defined]
        duration = self.duration  # type: ignore[attr-defined]
        remaining = max(0, limit - len(history))
        reset_in = duration - (now - history[-1]) if history else duration
        reset_at = math.ceil(now + max(0.0, reset_in))
        info = {"limit": limit, "remaining": remaining, "reset": reset_at}
        current = getattr(request._request, "ratelimit", None)
        # Keep the most restrictive throttle's figures.
        if current is None or info["remaining"] < current["remaining"]:
            request._request.ratelimit = info

    def allow_request(self, request: Any, view: Any) -> bool:
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)  # type: ignore[attr-defined]
        allowed = super().allow_request(request, view)  # type: ignore[misc]
        if getattr(self, "key", None) is not None:
            self._remember(request, allowed)
        return allowed

    def get_rate(self) -> str | None:
        # Read at call time so settings overrides (tests, benchmarks) take effect.
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)  # type: ignore[attr-defined]

    def get_ident(self, request: Any) -> str:
        return client_ip(request)


class UserRateThrottle(_HeaderMixin, throttling.UserRateThrottle):
    scope = "user"


class LoginRateThrottle(_HeaderMixin, throttling.SimpleRateThrottle):
    """10/min per client IP + submitted email."""

    scope = "login"

    def get_cache_key(self, request: Any, view: Any) -> str:
        # A body that does not parse raises ParseError here: a 400, as it should be.
        data = request.data
        email = str(data.get("email", "")).strip().lower() if hasattr(data, "get") else ""
        return self.cache_format % {"scope": self.scope, "ident": f"{self.get_ident(request)}:{email}"}


class _ClientIPRateThrottle(_HeaderMixin, throttling.SimpleRateThrottle):
    """Counts every request of one client IP (whoever it claims to be)."""

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginIPRateThrottle(_ClientIPRateThrottle):
    """30/min per client IP, whatever the email (stops spraying many accounts from one address)."""

    scope = "login_ip"


class RegisterRateThrottle(_ClientIPRateThrottle):
    """10/hour per client IP."""

    scope = "register"


class RefreshRateThrottle(_ClientIPRateThrottle):
    """30/min per client IP."""

    scope = "refresh"
