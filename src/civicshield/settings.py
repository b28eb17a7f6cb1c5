"""Django settings for Civic Shield.

Everything an operator may change comes from the environment (see README,
"Configuration"). Local runs need none of it: data lives in ./var and a
secret key is generated there once. `CIVICSHIELD_ENV=production` turns on
the hardened transport settings and refuses unsafe defaults.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured


def _env_flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, "").split(",") if item.strip()]


PACKAGE_DIR = Path(__file__).resolve().parent
ENVIRONMENT = os.environ.get("CIVICSHIELD_ENV", "development").strip().lower()
PRODUCTION = ENVIRONMENT == "production"
DATA_DIR = Path(os.environ.get("CIVICSHIELD_DATA_DIR", "var")).resolve()

DEBUG = _env_flag("CIVICSHIELD_DEBUG", default=False)


def _secret_key() -> str:
    configured = os.environ.get("CIVICSHIELD_SECRET_KEY")
    if configured:
        return configured
    if PRODUCTION:
        # Checked again, with a clear message, by `civicshield up`.
        return ""
    # Local runs: generate once into the data directory, never into the repository.
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(64)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


SECRET_KEY = _secret_key()
if not SECRET_KEY and not PRODUCTION:
    raise ImproperlyConfigured("CIVICSHIELD_SECRET_KEY is empty")

ALLOWED_HOSTS = _env_list("CIVICSHIELD_ALLOWED_HOSTS")
if not ALLOWED_HOSTS and not PRODUCTION:
    ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]
CSRF_TRUSTED_ORIGINS = _env_list("CIVICSHIELD_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "ninja",
    "django_tasks",
    "django_tasks_db",
    "civicshield.core",
    "civicshield.vocab",
    "civicshield.directory",
    "civicshield.readiness",
    "civicshield.sharing",
    "civicshield.reports",
    "civicshield.correlation",
    "civicshield.panel",
    "civicshield.comms",
    "civicshield.portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "civicshield.core.middleware.SurfaceMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "civicshield.core.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "civicshield.core.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes requires, so that it sees every failed login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civicshield.urls"
WSGI_APPLICATION = "civicshield.wsgi.application"
ASGI_APPLICATION = "civicshield.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------
# SQLite in WAL mode is the embedded default; DATABASE_URL switches to PostgreSQL.
_database_url = os.environ.get("DATABASE_URL")
if _database_url:
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=60)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "civicshield.sqlite3"),
            "OPTIONS": {
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
                ),
                # Writers take the lock at BEGIN, so concurrent requests queue instead of failing.
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts ---------------------------------------------------------------
AUTH_USER_MODEL = "directory.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workspace:dashboard"
LOGOUT_REDIRECT_URL = "portal:home"

AXES_FAILURE_LIMIT = int(os.environ.get("CIVICSHIELD_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("CIVICSHIELD_LOGIN_COOLOFF_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

OTP_TOTP_ISSUER = "Civic Shield"
# Roles whose accounts must pass a TOTP second factor (see core.authz).
SECOND_FACTOR_ROLES = ("admin", "coordinator", "panel")

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 12
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "civicshield.core.views.csrf_failure"

# --- Transport security -----------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = _env_flag("CIVICSHIELD_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    if _env_flag("CIVICSHIELD_BEHIND_PROXY"):
        SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
        AXES_IPWARE_PROXY_COUNT = 1
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# A strict policy: nothing inline, nothing from elsewhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    },
}

# --- Internationalisation ---------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français"), ("es", "Español")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("CIVICSHIELD_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------
# Served by the application itself (WhiteNoise), so `civicshield up` needs no web server.
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns at start-up when it is missing
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
# Attachments live under MEDIA_ROOT but are never served from a public URL: only through
# the access layer. Limit per file:
CIVICSHIELD_MAX_ATTACHMENT_BYTES = int(os.environ.get("CIVICSHIELD_MAX_ATTACHMENT_MB", "10")) * (
    1024 * 1024
)

# --- Background tasks ------------------------------------------------------------
# The Django Tasks API (the django-tasks backport on Django 5.2). The database backend needs
# no other service: `civicshield up` runs a worker beside the web server, and `civicshield
# worker` runs more of them at scale (several may run at once; each task is claimed once).
TASKS = {
    "default": {
        "BACKEND": os.environ.get("CIVICSHIELD_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default", "notifications", "federation", "correlation"],
    }
}
# Seconds between a federation peer's syncs; each sync schedules the next one (the worker
# starts the chain), so no cron is needed. An unavailable peer is retried with backoff instead.
CIVICSHIELD_FEDERATION_INTERVAL = int(os.environ.get("CIVICSHIELD_FEDERATION_INTERVAL", "300"))
if CIVICSHIELD_FEDERATION_INTERVAL < 1:
    raise ImproperlyConfigured("CIVICSHIELD_FEDERATION_INTERVAL is a number of seconds, at least 1")
# Seconds one request to a peer may take in all, its body included: the per-read timeout
# alone lets a peer that trickles bytes hold a sync open for ever.
CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT = int(
    os.environ.get("CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT", "120"))
if CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT < 1:
    raise ImproperlyConfigured(
        "CIVICSHIELD_FEDERATION_TOTAL_TIMEOUT is a number of seconds, at least 1")

# --- E-mail and notifications --------------------------------------------------------
# SMTP from the standard variables; without EMAIL_HOST, mail is written to files under the
# data directory (shown in the workspace), so the demo works offline.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_flag("EMAIL_USE_TLS")
EMAIL_TIMEOUT = 30
DEFAULT_FROM_EMAIL = os.environ.get(
    "DEFAULT_FROM_EMAIL", "Civic Shield <notifications@civicshield.invalid>"
)
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "mail"
# Absolute links in messages (acknowledgement links) start with this.
CIVICSHIELD_BASE_URL = os.environ.get("CIVICSHIELD_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Hours to acknowledge, by severity ("5=1,4=4,3=8,2=12,1=24"); then it escalates.
CIVICSHIELD_NOTIFICATIONS = {
    "ACK_HOURS_BY_SEVERITY": {
        int(severity): float(hours)
        for severity, hours in (
            pair.split("=", 1)
            for pair in os.environ.get("CIVICSHIELD_ACK_HOURS", "5=1,4=4,3=8,2=12,1=24").split(",")
            if "=" in pair
        )
    },
    "MAX_ATTEMPTS": int(os.environ.get("CIVICSHIELD_NOTIFY_MAX_ATTEMPTS", "5")),
    "RETRY_BASE_SECONDS": 60,  # then doubled at each attempt
    "WEBHOOK_TIMEOUT_SECONDS": 10,
    "CLAIM_LEASE_SECONDS": 600,  # a delivery claimed longer ago than this was interrupted
    "ACK_LINK_MAX_AGE_DAYS": 7,
    "CHECK_INTERVAL_SECONDS": 60,
}

# --- API ----------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVICSHIELD_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
