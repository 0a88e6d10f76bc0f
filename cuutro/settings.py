"""Cuutro settings: the one place configuration lives, read only from environment variables.

Every variable has a safe development default except in production (DEBUG=False), where the
system checks in ``cuutro.checks`` refuse to start with a default secret key or open hosts.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("CUUTRO_VAR_DIR", BASE_DIR / "var"))

DEFAULT_SECRET_KEY = "cuutro-insecure-development-key-change-me"  # noqa: S105 (refused in production by checks.py)


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    # A typo such as DEBUG=Flase must not silently mean "debug on" in production.
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from exc


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", True)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "cuutro",
    "cuutro.geo",
    "cuutro.audit",
    "cuutro.accounts",
    "cuutro.needs",
    "cuutro.notify",
    "cuutro.pledges",
    "cuutro.funds",
    "cuutro.statements",
    "cuutro.coordination",
    "cuutro.delegations",
    "cuutro.dashboard",
    "cuutro.api",
    "cuutro.portal",
    "cuutro.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cuutro.middleware.PublicCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "cuutro.api.middleware.ApiLanguageMiddleware",
    "cuutro.middleware.RejectControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "cuutro.urls"
WSGI_APPLICATION = "cuutro.wsgi.application"

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
                "cuutro.portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'cuutro.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while an officer's write is in progress; IMMEDIATE makes a
    # write transaction take the lock up front instead of failing half-way on upgrade.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Tests use a file, not the shared in-memory database: concurrency tests run real threads, and
    # shared-cache memory databases fail at once ("table is locked") instead of waiting their turn.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-cuutro.sqlite3")}
# Several test runs side by side (e.g. on one CI host) each need their own test database.
if os.environ.get("TEST_DB_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["TEST_DB_NAME"]}

# The ledger's amount index carries the entry's key as a non-key column on PostgreSQL (an
# index-only search); SQLite, the embedded default, just leaves it out (funds 0007).
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# Cache: per-process memory by default (fine for one server process); production with several
# workers points CACHE_URL at Redis so that "public data changed" reaches every worker at once.
CACHE_URL = env_str("CACHE_URL", "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL, "KEY_PREFIX": "cuutro"}}
elif CACHE_URL == "dummy://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
elif CACHE_URL == "locmem://":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "cuutro"}}
else:
    raise ImproperlyConfigured(f"CACHE_URL must be locmem://, dummy:// or redis://…, not {CACHE_URL!r}")
# Anonymous public pages and API reads are served from the cache for this long at most; a need
# verified or cancelled, or a catalogue, campaign or area edit, drops them (at once in the process
# that made the change, within a second in the others).
PUBLIC_CACHE_SECONDS = env_int("PUBLIC_CACHE_SECONDS", 60)
# A statement uploaded on the page larger than this is imported in the background by
# `manage.py process_statements` (a web request importing 100 MB would outlast a proxy's timeout).
STATEMENT_SYNC_MAX_BYTES = env_int("STATEMENT_SYNC_MAX_BYTES", 5 * 2**20)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:after_login"
LOGOUT_REDIRECT_URL = "portal:home"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "cuutro" / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # The manifest storage needs collectstatic first; development and tests serve the
        # source files directly so a fresh checkout works without that step.
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env_bool("CUUTRO_TESTING", False)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        ),
    },
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Evidence photos: accepted formats and size (bytes). Checked by decoding, not by file name.
EVIDENCE_PHOTO_MAX_BYTES = env_int("EVIDENCE_PHOTO_MAX_BYTES", 5 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# Pledges: a pledge not delivered this many days after its expected date expires (its quantity
# is released for other donors); the donor is warned this many days before. Hand-over requests
# expire after this many hours without an answer.
PLEDGE_EXPIRY_DAYS = env_int("PLEDGE_EXPIRY_DAYS", 3)
PLEDGE_EXPIRY_WARNING_DAYS = env_int("PLEDGE_EXPIRY_WARNING_DAYS", 1)
PLEDGE_MAX_LEAD_DAYS = env_int("PLEDGE_MAX_LEAD_DAYS", 60)
HANDOVER_EXPIRY_HOURS = env_int("HANDOVER_EXPIRY_HOURS", 48)

# Notifications are written to an outbox table and sent by `manage.py send_notifications`
# (cron or a loop; no broker). One transport per channel; an SMS or Zalo gateway is a class
# with a send(notification) method added here.
NOTIFY_TRANSPORTS = {"email": "cuutro.notify.transports.EmailTransport"}
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 5)
# Django 6.1 mailers: the console in development; production sets EMAIL_BACKEND to Django's SMTP
# backend and passes its options (host, port, user…) through EMAIL_OPTIONS as JSON.
MAILERS = {
    "default": {
        "BACKEND": env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"),
        "OPTIONS": json.loads(env_str("EMAIL_OPTIONS", "{}")),
    }
}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "cuutro@localhost")

# Absolute address of the site, for links in e-mails and on printed QR slips when there is no
# request to take it from (management commands).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Map tiles: any XYZ tile server. The default is OpenStreetMap's; a province should point this
# at its own tile cache so the portal keeps working when foreign servers are slow.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env_str(
    "MAP_TILE_ATTRIBUTION", '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
)

# AGPL §13: people using the portal over the network are offered its source. Point this at the
# deployment's exact source (a fork's repository or an archive) when it differs from upstream.
SOURCE_URL = env_str("SOURCE_URL", "")

CUUTRO_PAGE_SIZE = 20
CUUTRO_API_MAX_LIMIT = 100

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}

# Priority of needs (cuutro/needs/priority.py): a need's score is the sum of these points, and its
# page shows each part in words. Override with NEED_PRIORITY_WEIGHTS as JSON (each top-level key
# given replaces the default whole), then run `manage.py refresh_priorities` to restore the
# stored scores; `manage.py check` refuses a malformed value (needs.E001).
NEED_PRIORITY_WEIGHTS = {
    # How urgent the commune says the need is: the main driver of the score.
    "urgency": {"low": 0, "medium": 10, "high": 25, "critical": 40},
    # The worst damage to the house (or the school, clinic… of an institution).
    "damage": {"none": 0, "minor": 5, "major": 15, "destroyed": 25},
    # Each private vulnerability of the household; the public sees only their sum, as
    # "vulnerable household". Every flag must weigh the same (needs.E001): unequal points would
    # let the public work out which one applies.
    "vulnerability": {
        "poor_household": 15,  # hộ nghèo, on the commune's list
        "near_poor_household": 15,  # hộ cận nghèo
        "elderly_alone": 15,  # an elderly person living alone
        "disability": 15,  # a person with a disability
        "young_children": 15,  # a child under 6
        "pregnant": 15,  # a pregnant woman
    },
    "vulnerability_max": 30,  # the flags together add at most this much
    # Per whole day since verification while the need is still open for pledges, up to a month.
    "waiting_per_day": 1,
    "waiting_max": 30,
    **json.loads(env_str("NEED_PRIORITY_WEIGHTS", "{}")),
}
