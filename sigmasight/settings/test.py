"""Test settings: fast hasher, locmem cache, eager Celery, a 32+ byte key."""

from sigmasight.settings.base import *  # noqa: F403
from sigmasight.settings.base import REST_FRAMEWORK

DEBUG = False
SECRET_KEY = "test-secret-key-that-is-long-enough-for-hs256-signing-0123456789"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "tests"}}
# Off: most tests write result rows directly (factories, bulk_create), which the batch's own
# invalidation never sees; the cache's tests turn it on (sigmasight/tests/test_response_cache.py).
API_RESPONSE_CACHE_SECONDS = 0
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://localhost/"
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        "user": "100000/min",
        "login": "100000/min",
        "login_ip": "100000/min",
        "register": "100000/min",
        "refresh": "100000/min",
    },
}
# WhiteNoise looks static files up per request (no scan of every app's files per test client).
WHITENOISE_AUTOREFRESH = True
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}
# Generated files of tests go to a throwaway folder (one per test process), not the checkout.
# A batch run backfills only the last few VaR forecasts (the backfill tests raise it).
VAR_BACKFILL_MAX_DAYS = 5
MEDIA_ROOT = __import__("tempfile").mkdtemp(prefix="sigmasight-media-")
