"""Production: PostgreSQL, Redis, Celery workers. Required variables have no default; the
placeholder secret of ``.env.example`` is refused."""

from django.core.exceptions import ImproperlyConfigured

from sigmasight.settings import env
from sigmasight.settings.base import *  # noqa: F403

if not env.SECRET_KEY or len(env.SECRET_KEY.encode()) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required in production (32+ bytes).")
if env.is_placeholder_secret(env.SECRET_KEY):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is the placeholder of .env.example: generate one, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(50))'."
    )
if not env.DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required in production.")
if not env.CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL is required in production.")

SECRET_KEY = env.SECRET_KEY
DEBUG = bool(env.DEBUG)
SESSION_COOKIE_SECURE = env.SECURE_COOKIES
CSRF_COOKIE_SECURE = env.SECURE_COOKIES
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS
# Static files (the admin's CSS and JS, Swagger UI, ReDoc) are served by WhiteNoise from
# STATIC_ROOT (`manage.py collectstatic`), compressed and with hashed names cached forever.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Hardening (HTTPS, hosts, CORS) ----------------------------------------------------------------
if not env.ALLOWED_HOSTS_FROM_ENV:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS is required in production (comma-separated host names).")
ALLOWED_HOSTS = env.ALLOWED_HOSTS_FROM_ENV
# Cross-origin browsers only from CORS_ALLOWED_ORIGINS (none when unset; no development default).
CORS_ALLOWED_ORIGINS = env.CORS_ALLOWED_ORIGINS_FROM_ENV
SECURE_SSL_REDIRECT = env.SECURE_SSL_REDIRECT
SECURE_REDIRECT_EXEMPT = [r"^health/?$"]  # plain-HTTP health probes of the load balancer
SECURE_HSTS_SECONDS = env.SECURE_HSTS_SECONDS
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.SECURE_HSTS_INCLUDE_SUBDOMAINS
SECURE_HSTS_PRELOAD = env.SECURE_HSTS_PRELOAD
# X-Forwarded-Proto is believed only from trusted proxies (NUM_PROXIES > 0, README "Behind a
# reverse proxy"); without one a client could claim https itself.
SECURE_PROXY_SSL_HEADER: tuple[str, str] | None = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env.NUM_PROXIES > 0 else None
)
# Joining the browsers' HSTS preload lists is the domain owner's decision (SECURE_HSTS_PRELOAD=1).
SILENCED_SYSTEM_CHECKS = [] if env.SECURE_HSTS_PRELOAD else ["security.W021"]
# Demo users (manage.py seed_demo) need an explicit request here: no well-known password by default.
DEMO_USERS_NEED_CONSENT = True
