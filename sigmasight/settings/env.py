"""Every environment variable SigmaSight reads, in one place.

Settings modules import from here; nothing else in the project reads ``os.environ``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def _str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _bool(name: str, default: bool) -> bool:
    value = _str(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _list(name: str, default: str) -> list[str]:
    raw = _str(name, default) or ""
    return [item.strip() for item in raw.split(",") if item.strip()]


DATABASE_URL: str | None = _str("DATABASE_URL")
SECRET_KEY: str | None = _str("DJANGO_SECRET_KEY")
DEBUG: bool | None = None if _str("DJANGO_DEBUG") is None else _bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS: list[str] = _list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CORS_ALLOWED_ORIGINS: list[str] = _list(
    "CORS_ALLOWED_ORIGINS", "http://localhost:3000,http://127.0.0.1:3000,http://localhost:5173"
)
# Production reads these two from the environment only (no development default).
ALLOWED_HOSTS_FROM_ENV: list[str] = _list("DJANGO_ALLOWED_HOSTS", "")
CORS_ALLOWED_ORIGINS_FROM_ENV: list[str] = _list("CORS_ALLOWED_ORIGINS", "")
CELERY_BROKER_URL: str | None = _str("CELERY_BROKER_URL")
# Chords (the batch fan-out) need a result backend: defaults to the broker (Redis).
CELERY_RESULT_BACKEND: str | None = _str("CELERY_RESULT_BACKEND", CELERY_BROKER_URL)
REDIS_URL: str | None = _str("REDIS_URL")
# Lifetime of a cached /data or /analytics GET response (sigmasight/api/response_cache.py); 0: off.
# Unset: 3600 with Redis, off with the local-memory cache (per process: a write or a batch in one
# process could not invalidate another's entries).
API_RESPONSE_CACHE_SECONDS: int = int(_str("API_RESPONSE_CACHE_SECONDS", "3600" if REDIS_URL else "0") or "0")
MARKET_DATA_PROVIDER: str = (_str("MARKET_DATA_PROVIDER", "synthetic") or "synthetic").lower()
FMP_API_KEY: str | None = _str("FMP_API_KEY")
POLYGON_API_KEY: str | None = _str("POLYGON_API_KEY")
FRED_API_KEY: str | None = _str("FRED_API_KEY")
SYNTHETIC_SEED: int = int(_str("SYNTHETIC_SEED", "42") or "42")
SYNTHETIC_AS_OF: str | None = _str("SYNTHETIC_AS_OF")
# VaR backtesting: trading days of VaR forecasts a portfolio's first batch run backfills (the
# longest /backtest window is 500 days; more history stays available through backfill_var_forecasts).
VAR_BACKFILL_MAX_DAYS: int = int(_str("VAR_BACKFILL_MAX_DAYS", "520") or "520")
THROTTLE_USER_RATE: str = _str("THROTTLE_USER_RATE", "100/min") or "100/min"
THROTTLE_LOGIN_RATE: str = _str("THROTTLE_LOGIN_RATE", "10/min") or "10/min"
THROTTLE_LOGIN_IP_RATE: str = _str("THROTTLE_LOGIN_IP_RATE", "30/min") or "30/min"
THROTTLE_REGISTER_RATE: str = _str("THROTTLE_REGISTER_RATE", "10/hour") or "10/hour"
THROTTLE_REFRESH_RATE: str = _str("THROTTLE_REFRESH_RATE", "30/min") or "30/min"
# Trusted reverse proxies in front of Django (0: the client is the socket address; N: the N-th
# address from the right of X-Forwarded-For). See sigmasight/api/client_ip.py.
NUM_PROXIES: int = int(_str("NUM_PROXIES", "0") or "0")
# Admin login lockout (django-axes): failures per IP + username, and how long the lockout lasts.
ADMIN_LOCKOUT_FAILURES: int = int(_str("ADMIN_LOCKOUT_FAILURES", "5") or "5")
ADMIN_LOCKOUT_MINUTES: int = int(_str("ADMIN_LOCKOUT_MINUTES", "15") or "15")
# HTTPS in production (sigmasight/settings/production.py): on unless switched off.
SECURE_SSL_REDIRECT: bool = _bool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS: int = int(_str("SECURE_HSTS_SECONDS", "31536000") or "0")
SECURE_HSTS_INCLUDE_SUBDOMAINS: bool = _bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD: bool = _bool("SECURE_HSTS_PRELOAD", False)
# The demo users' password for `manage.py seed_demo` (else the public demo password; refused in
# production unless `--allow-demo-users`).
SEED_DEMO_PASSWORD: str | None = _str("SEED_DEMO_PASSWORD")
LOG_LEVEL: str = _str("LOG_LEVEL", "INFO") or "INFO"
# Where generated files (reports) are kept: MEDIA_ROOT for the default file-system storage.
MEDIA_ROOT: str | None = _str("MEDIA_ROOT")
# Where `manage.py collectstatic` writes the static files WhiteNoise serves (default staticfiles/).
STATIC_ROOT: str | None = _str("DJANGO_STATIC_ROOT")
# The test runner: "1" means CI demands PostgreSQL and Redis (fail, never skip, when missing).
REQUIRE_SERVICES: bool = _bool("SIGMASIGHT_REQUIRE_SERVICES", False)
# Session and CSRF cookies marked Secure (HTTPS only). On by default in production; a plain-http
# local stack (docker compose on localhost) sets DJANGO_SECURE_COOKIES=0.
SECURE_COOKIES: bool = _bool("DJANGO_SECURE_COOKIES", True)
# Origins trusted for unsafe requests (the admin's forms) behind a proxy or on another port.
CSRF_TRUSTED_ORIGINS: list[str] = _list("DJANGO_CSRF_TRUSTED_ORIGINS", "")

#: Secret keys that must never run production: the placeholder of ``.env.example`` (the test of the
#: production settings reads that file and checks it is refused).
PLACEHOLDER_SECRET_KEYS: frozenset[str] = frozenset(
    {"change-me-to-a-long-random-string-of-at-least-32-bytes"}
)


def is_placeholder_secret(key: str) -> bool:
    """True for a known placeholder, or any key that still starts with ``change-me``."""
    return key in PLACEHOLDER_SECRET_KEYS or key.strip().lower().startswith("change-me")


def dev_secret_key() -> str:
    """A per-checkout development key, generated once and kept in var/ (never used in production)."""
    path = BASE_DIR / "var" / "dev-secret-key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    return key
