"""Production: PostgreSQL, Redis, Celery workers. Required variables have no default."""

from django.core.exceptions import ImproperlyConfigured

from sigmasight.settings import env
from sigmasight.settings.base import *  # noqa: F403

if not env.SECRET_KEY or len(env.SECRET_KEY.encode()) < 32:
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is required in production (32+ bytes).")
if not env.DATABASE_URL:
    raise ImproperlyConfigured("DATABASE_URL is required in production.")
if not env.CELERY_BROKER_URL:
    raise ImproperlyConfigured("CELERY_BROKER_URL is required in production.")

SECRET_KEY = env.SECRET_KEY
DEBUG = bool(env.DEBUG)
ALLOWED_HOSTS = env.ALLOWED_HOSTS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
