"""Settings shared by every environment. Environment variables are read only in ``env.py``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dj_database_url
from django.templatetags.static import static

from sigmasight.settings import env

BASE_DIR = env.BASE_DIR
SECRET_KEY = env.SECRET_KEY or env.dev_secret_key()
DEBUG = bool(env.DEBUG)
ALLOWED_HOSTS = env.ALLOWED_HOSTS
VERSION = "0.1.0"

INSTALLED_APPS = [
    # django-unfold styles the admin (the staff console); it must come before django.contrib.admin.
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc assets served from our own static files (no CDN, works offline).
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_celery_beat",
    "axes",
    "sigmasight.system",
    "accounts",
    "marketdata",
    "portfolios",
    "analytics",
    "exports",
    "agents",
]

MIDDLEWARE = [
    "sigmasight.api.middleware.RequestIDMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (admin CSS/JS, Swagger UI, ReDoc) straight from the WSGI app, under gunicorn too.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "sigmasight.api.middleware.APIErrorMiddleware",
    # Last, per django-axes: turns an admin lockout into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sigmasight.urls"
# A failed CSRF check answers the API's 403 envelope (HTML under /admin).
CSRF_FAILURE_VIEW = "sigmasight.api.views.csrf_failure"
WSGI_APPLICATION = "sigmasight.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide overrides (the offline ReDoc page); then each app's templates/.
        "DIRS": [BASE_DIR / "sigmasight" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env.DATABASE_URL or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=60,
        # A persistent connection is checked before its first query of each request and replaced
        # when the server dropped it (a database restart costs no failed request).
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
# The axes lockout check first (admin site only, see accounts/lockout.py), then the email login.
AUTHENTICATION_BACKENDS = ["accounts.backends.AdminLockoutBackend", "accounts.backends.EmailBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "/static/"
STATIC_ROOT = env.STATIC_ROOT or str(BASE_DIR / "staticfiles")
# Without collectstatic (the embedded default, tests) WhiteNoise finds files in the apps directly.
WHITENOISE_USE_FINDERS = True
# Generated files (reports) go through Django's storage API; production may point STORAGES["default"]
# at another backend. Files are never served from MEDIA_URL: downloads go through the API (owner-checked).
MEDIA_ROOT = env.MEDIA_ROOT or str(BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": env.REDIS_URL}
        if env.REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "sigmasight"}
    )
}

# Cached GET responses of /data and /analytics, invalidated by batch runs and writes (0: off).
API_RESPONSE_CACHE_SECONDS = env.API_RESPONSE_CACHE_SECONDS

CORS_ALLOWED_ORIGINS = env.CORS_ALLOWED_ORIGINS
# Trusted reverse proxies in front of Django: the client IP of throttles and of the admin lockout.
NUM_PROXIES = env.NUM_PROXIES
CORS_EXPOSE_HEADERS = [
    "X-Request-ID",
    "X-RateLimit-Limit",
    "X-RateLimit-Remaining",
    "X-RateLimit-Reset",
    "Retry-After",
    "Content-Disposition",
]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.personal_tokens.PersonalTokenAuthentication",  # before JWT: ss_pat_ Bearer values
        "accounts.authentication.VersionedJWTAuthentication",  # JWT, refused after logout
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "sigmasight.api.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "sigmasight.api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["sigmasight.api.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "sigmasight.api.parsers.JSONParser",  # with a nesting limit (a deep body was a 500)
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["sigmasight.api.throttling.UserRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.THROTTLE_USER_RATE,
        "login": env.THROTTLE_LOGIN_RATE,
        "login_ip": env.THROTTLE_LOGIN_IP_RATE,
        "register": env.THROTTLE_REGISTER_RATE,
        "refresh": env.THROTTLE_REFRESH_RATE,
    },
    # The client IP rule of sigmasight/api/client_ip.py (DRF's get_ident honours it the same way).
    "NUM_PROXIES": env.NUM_PROXIES,
    "EXCEPTION_HANDLER": "sigmasight.api.exceptions.exception_handler",
    # ?format= is a real parameter of export endpoints (csv|xlsx|json|fix), not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
    # None: serializers hand datetimes to the renderer, which writes UTC "...T..:..:..mmmZ" (milliseconds;
    # a strftime format cannot: %f is microseconds).
    "DATETIME_FORMAT": None,
    "COERCE_DECIMAL_TO_STRING": False,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

# Admin login lockout (django-axes): ADMIN_LOCKOUT_FAILURES failures per client IP + username lock
# that pair out for ADMIN_LOCKOUT_MINUTES; the client IP follows NUM_PROXIES like the throttles.
AXES_ENABLED = True
AXES_HANDLER = "accounts.lockout.AdminOnlyAxesHandler"
AXES_ONLY_ADMIN_SITE = True
AXES_FAILURE_LIMIT = env.ADMIN_LOCKOUT_FAILURES
AXES_COOLOFF_TIME = timedelta(minutes=env.ADMIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["ip_address", "username"]]
AXES_RESET_ON_SUCCESS = True
AXES_HTTP_RESPONSE_CODE = 403
AXES_CLIENT_IP_CALLABLE = "sigmasight.api.client_ip.client_ip"
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
# (Unused while AXES_CLIENT_IP_CALLABLE is set; kept equal to NUM_PROXIES for axes' own checks.)
AXES_IPWARE_PROXY_COUNT = env.NUM_PROXIES or None

# manage.py seed_demo: the demo users' password, and whether creating them needs an explicit
# --allow-demo-users or SEED_DEMO_PASSWORD (production says yes).
SEED_DEMO_PASSWORD = env.SEED_DEMO_PASSWORD
DEMO_USERS_NEED_CONSENT = False

SIMPLE_JWT: dict[str, Any] = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=60),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=7),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "SigmaSight API",
    "DESCRIPTION": (
        "Portfolio risk analytics for long/short equity and options books. Conventions of every "
        "number (units, signs, windows) are documented per endpoint; errors use one envelope."
    ),
    "VERSION": VERSION,
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "ENUM_NAME_OVERRIDES": {
        "PortfolioExportFormatEnum": "exports.portfolio_files.PORTFOLIO_FORMATS",
        "TradeListFormatEnum": "exports.trades.TRADE_FORMATS",
        "ReportFormatEnum": "exports.models.ReportFormat",
        "TradeActionEnum": "exports.trades.ACTIONS",
        "UICommandActionEnum": "sigmasight.system.models.UICommandAction",
    },
    # /api/docs/ and /api/redoc/ load their JS and CSS from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# The staff console (/admin/): django-unfold. Its dashboard's figures come from
# analytics.selectors.console through analytics.admin.dashboard; charts use unfold's bundled Chart.js.
UNFOLD = {
    "SITE_TITLE": "SigmaSight console",
    "SITE_HEADER": "SigmaSight",
    "SITE_SUBHEADER": "Risk staff console",
    "SITE_SYMBOL": "monitoring",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "analytics.admin.dashboard.dashboard_callback",
    "SIDEBAR": {"show_search": True, "show_all_applications": True},
    "STYLES": [lambda request: static("console/console.css")],
}

# Celery: without a broker, tasks run eagerly in-process (same code path).
# Embedded default: no broker configured -> tasks run eagerly in-process; kombu's in-memory
# transport stands in so eager calls never reach for a network broker.
EMBEDDED_BROKER_URL = "memory://localhost/"
CELERY_BROKER_URL = env.CELERY_BROKER_URL or EMBEDDED_BROKER_URL
CELERY_TASK_ALWAYS_EAGER = env.CELERY_BROKER_URL is None
CELERY_TASK_EAGER_PROPAGATES = False
# The batch's chords collect their header tasks' results, so results are kept (for a day).
CELERY_RESULT_BACKEND = env.CELERY_RESULT_BACKEND
CELERY_RESULT_EXPIRES = 24 * 3600
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

# Market data
MARKET_DATA_PROVIDER = env.MARKET_DATA_PROVIDER
FMP_API_KEY = env.FMP_API_KEY
POLYGON_API_KEY = env.POLYGON_API_KEY
FRED_API_KEY = env.FRED_API_KEY
SYNTHETIC_SEED = env.SYNTHETIC_SEED
VAR_BACKFILL_MAX_DAYS = env.VAR_BACKFILL_MAX_DAYS
SYNTHETIC_AS_OF = env.SYNTHETIC_AS_OF

# Upload limits. A request body other than file uploads (JSON, form fields) is at most 2 MB: the
# largest JSON inputs (1,000 Greeks positions or trades) are a few hundred KB; more answers 413. A
# CSV travels as a multipart file part, which this limit does not count: CSV_UPLOAD_MAX_BYTES is its.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
CSV_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
CSV_UPLOAD_MAX_ROWS = 10_000

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "sigmasight.api.middleware.RequestIDLogFilter"}},
    "formatters": {
        "standard": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "standard",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    "loggers": {"django.request": {"level": "ERROR"}},
}
