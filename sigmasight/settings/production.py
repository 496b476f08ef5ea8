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
ALLOWED_HOSTS = env.ALLOWED_HOSTS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
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
