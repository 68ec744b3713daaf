"""Django settings for Huitong.

Everything that differs between machines comes from the environment. With nothing set the
project runs embedded: SQLite and files under ``var/``, the in-memory channel layer and a
development secret generated into ``var/``. With ``DATABASE_URL`` and ``REDIS_URL`` it uses
PostgreSQL and the Redis pub/sub channel layer, so several Daphne processes serve one
organisation.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


VAR_DIR = Path(os.environ.get("HUITONG_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _dev_secret(name: str = "dev_secret_key") -> str:
    """A per-checkout development secret, generated once into var/ and never committed."""
    path = VAR_DIR / name
    try:  # exactly one of the processes starting together writes it
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(50))
    for _ in range(200):  # the writer may not have finished
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"{path} is empty; delete it to have it generated again")


DEBUG = env_bool("DEBUG", default=False)
# DEBUG=0 said out loud is a production deployment (README): its secrets come from the
# environment, never from files generated on the spot, which would differ between machines
# and silently make every session, and every stored signing key, unusable after a move.
PRODUCTION = os.environ.get("DEBUG") is not None and not DEBUG
_missing = [name for name in ("SECRET_KEY", "HUITONG_SEAL_KEY") if not os.environ.get(name)]
if PRODUCTION and _missing:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        f"DEBUG=0 (production) needs {' and '.join(_missing)} set in the environment; "
        f"生产环境（DEBUG=0）必须设置 {'、'.join(_missing)}（见 README 的部署说明）")
SECRET_KEY = os.environ.get("SECRET_KEY") or _dev_secret()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "hub.core",
    "hub.org",
    "hub.chat",
    "hub.web",
    "hub.seals",
    "hub.library",
    "bots",
    "bots.documents",
    "bots.calendar",
    "bots.meetings",
    "bots.approvals",
    "bots.notices",
    "bots.bulletins",
    "bots.discussions",
    "bots.tasks",
    "bots.stats",
    "search",
    "archive",
    "integrations.matrix",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files (the web client) straight from Daphne, with or without DEBUG.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "hub.web.middleware.DefaultLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "hub.urls"
ASGI_APPLICATION = "hub.asgi.application"
AUTH_USER_MODEL = "org.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite embedded, PostgreSQL when DATABASE_URL is set -----------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("HUITONG_CONN_MAX_AGE", 60))}
    DATABASES["default"].setdefault("TEST", {})["NAME"] = (
        os.environ.get("HUITONG_TEST_DB_NAME") or f"test_{DATABASES['default']['NAME']}"
    )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "huitong.sqlite3"),
            "CONN_MAX_AGE": env_int("HUITONG_CONN_MAX_AGE", 600),
            "OPTIONS": {
                # Writers queue for the lock instead of failing at once; WAL lets readers
                # go on while one writes.
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            "TEST": {"NAME": str(VAR_DIR / "test.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Channel layer: in-memory embedded, Redis pub/sub when REDIS_URL is set ----------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer: one Redis PUBLISH per event reaches every subscribed
            # process, with no per-channel capacity to overflow (see docs/architecture.md).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                "hosts": [REDIS_URL],
                # `make test` runs two pytest-xdist workers: each keeps its events apart.
                "prefix": os.environ.get("HUITONG_REDIS_PREFIX", "huitong")
                + os.environ.get("PYTEST_XDIST_WORKER", ""),
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

# --- Passwords, i18n --------------------------------------------------------------------------
# Django's four validators, 10 characters at least (等保 2.0 level 3); their messages come in
# Chinese from Django's own translations.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
     "OPTIONS": {"user_attributes": ("username", "display_name", "email")}},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("HUITONG_PASSWORD_MIN_LENGTH", 10)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Accounts: logins, tokens, sessions ---------------------------------------------------------
# Login throttling (hub/org/throttle.py): this many failures within the window for one
# username lock it for HUITONG_LOGIN_LOCK_SECONDS; an address gets a larger allowance.
HUITONG_LOGIN_MAX_FAILURES = env_int("HUITONG_LOGIN_MAX_FAILURES", 5)
HUITONG_LOGIN_MAX_FAILURES_PER_ADDRESS = env_int("HUITONG_LOGIN_MAX_FAILURES_PER_ADDRESS", 30)
HUITONG_LOGIN_WINDOW_SECONDS = env_int("HUITONG_LOGIN_WINDOW_SECONDS", 15 * 60)
HUITONG_LOGIN_LOCK_SECONDS = env_int("HUITONG_LOGIN_LOCK_SECONDS", 15 * 60)
# Reverse proxies whose X-Forwarded-For names the client's address (else every login would
# seem to come from the proxy and share one address's allowance).
HUITONG_TRUSTED_PROXIES = env_list("HUITONG_TRUSTED_PROXIES", [])
# Bearer tokens: unused for the idle time they expire; used, they slide up to the maximum age.
HUITONG_TOKEN_IDLE_SECONDS = env_int("HUITONG_TOKEN_IDLE_SECONDS", 12 * 3600)
HUITONG_TOKEN_MAX_AGE_SECONDS = env_int("HUITONG_TOKEN_MAX_AGE_SECONDS", 7 * 24 * 3600)
# The browser's session ends after this long without a request (sliding).
SESSION_COOKIE_AGE = env_int("HUITONG_SESSION_IDLE_SECONDS", 2 * 3600)
SESSION_SAVE_EVERY_REQUEST = True

# Optional LDAP login (hub/org/ldap.py): nothing changes while HUITONG_LDAP_URL is empty.
HUITONG_LDAP_URL = os.environ.get("HUITONG_LDAP_URL", "")
HUITONG_LDAP_BIND_DN = os.environ.get("HUITONG_LDAP_BIND_DN", "")
HUITONG_LDAP_BIND_PASSWORD = os.environ.get("HUITONG_LDAP_BIND_PASSWORD", "")
HUITONG_LDAP_USER_BASE = os.environ.get("HUITONG_LDAP_USER_BASE", "")
HUITONG_LDAP_USER_FILTER = os.environ.get("HUITONG_LDAP_USER_FILTER", "(uid={username})")
HUITONG_LDAP_ATTR_NAME = os.environ.get("HUITONG_LDAP_ATTR_NAME", "displayName")
HUITONG_LDAP_ATTR_TITLE = os.environ.get("HUITONG_LDAP_ATTR_TITLE", "title")
HUITONG_LDAP_ATTR_UNIT = os.environ.get("HUITONG_LDAP_ATTR_UNIT", "departmentNumber")
HUITONG_LDAP_TIMEOUT = env_int("HUITONG_LDAP_TIMEOUT", 5)
AUTHENTICATION_BACKENDS = [
    *(["hub.org.ldap.LdapBackend"] if HUITONG_LDAP_URL else []),
    "django.contrib.auth.backends.ModelBackend",
]
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# WhiteNoise serves static/ through the finders, so `make run` needs no collectstatic
# (a collected STATIC_ROOT is served too); DEBUG rescans files on every request.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
with contextlib.suppress(OSError):  # WhiteNoise warns on every start if it is missing
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Limits -------------------------------------------------------------------------------------
HUITONG_MAX_UPLOAD_BYTES = env_int("HUITONG_MAX_UPLOAD_BYTES", 50 * 1024 * 1024)
# The units whose clerks and admins manage the district's library (文档管理).
HUITONG_LIBRARY_DISTRICT_UNITS = env_list("HUITONG_LIBRARY_DISTRICT_UNITS", ["zfb", "qwb"])
# What one library may hold (each stored content counted once, whatever its versions), in MB.
HUITONG_LIBRARY_QUOTA_MB = env_int("HUITONG_LIBRARY_QUOTA_MB", 10 * 1024)
HUITONG_MAX_MESSAGE_CHARS = env_int("HUITONG_MAX_MESSAGE_CHARS", 10_000)
# Any request body larger than this is refused before it is read (uploads plus form overhead).
HUITONG_MAX_REQUEST_BYTES = HUITONG_MAX_UPLOAD_BYTES + 1024 * 1024
# A WebSocket message larger than this is dropped while it is read and answered with an
# `error` frame `too_large` (the socket stays open).
HUITONG_MAX_FRAME_BYTES = env_int("HUITONG_MAX_FRAME_BYTES", 256 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Sends per user per minute over HTTP and WebSocket together (per process).
HUITONG_SEND_RATE_PER_MINUTE = env_int("HUITONG_SEND_RATE_PER_MINUTE", 600)
# Rooms up to this size get read receipts and presence fanned out to every member;
# in larger rooms only the sender of a message hears of its read count.
HUITONG_RECEIPT_FANOUT_MAX = env_int("HUITONG_RECEIPT_FANOUT_MAX", 100)
# A socket whose unsent output exceeds this many bytes is closed (it resyncs on reconnect).
HUITONG_SOCKET_MAX_BUFFER = env_int("HUITONG_SOCKET_MAX_BUFFER", 8 * 1024 * 1024)
# Freeze the server's start-up heap out of the cyclic garbage collector (hub/lib/gcfreeze.py).
HUITONG_GC_FREEZE = env_bool("HUITONG_GC_FREEZE", True)

# --- Seals and official documents ----------------------------------------------------------------
# Encrypts the units' private seal keys at rest. Set it in production (and keep it apart from
# database backups); the embedded default generates one into var/ like the dev secret key.
HUITONG_SEAL_KEY = os.environ.get("HUITONG_SEAL_KEY") or _dev_secret("seal_key")
# The worker appends a signed checkpoint of the audit log's head to this file whenever the
# head has moved, at most this often (`audit_verify --checkpoint FILE` detects a cut tail).
# Keep the file off the database machine, like the seal key.
HUITONG_AUDIT_CHECKPOINT_FILE = Path(os.environ.get(
    "HUITONG_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit_checkpoints.jsonl"))
HUITONG_AUDIT_CHECKPOINT_SECONDS = env_int("HUITONG_AUDIT_CHECKPOINT_SECONDS", 60)
# Sum of a document's attachments.
HUITONG_DOC_MAX_ATTACHMENT_BYTES = env_int("HUITONG_DOC_MAX_ATTACHMENT_BYTES", 200 * 1024 * 1024)
# Supervision (督办): remind a unit that has not signed for a document after this many minutes
# (by urgency), escalate to its leaders after a second such period; remind units that have
# not handled it this many minutes before the deadline, escalate when it passes.
HUITONG_DOC_SIGN_WITHIN_MINUTES = {
    "normal": env_int("HUITONG_DOC_SIGN_WITHIN_MINUTES", 240),
    "urgent": env_int("HUITONG_DOC_SIGN_WITHIN_MINUTES_URGENT", 60),
    "very_urgent": env_int("HUITONG_DOC_SIGN_WITHIN_MINUTES_VERY_URGENT", 30),
}
HUITONG_DOC_DEADLINE_REMIND_MINUTES = env_int("HUITONG_DOC_DEADLINE_REMIND_MINUTES", 24 * 60)

# --- Key work under supervision (督办) and statistics ---------------------------------------------
# The supervising offices (区委办, 区府办): their clerks and leaders set tasks, press 催办 and
# close them (销号), and see every unit's statistics.
HUITONG_SUPERVISING_UNITS = [c.strip() for c in os.environ.get(
    "HUITONG_SUPERVISING_UNITS", "zfb,qwb").split(",") if c.strip()]
# A task is "due soon" (and its units reminded) this many working days before its deadline.
HUITONG_TASK_DUE_SOON_DAYS = env_int("HUITONG_TASK_DUE_SOON_DAYS", 2)

# --- Working days, meetings and approvals --------------------------------------------------------
# The holidays and 调休 make-up working days (bots/calendar/data/cn_workdays.json by default);
# an administrator adds each new year's arrangement to the file.
HUITONG_WORKDAY_CALENDAR = os.environ.get("HUITONG_WORKDAY_CALENDAR") or None
# Meetings: remind attendees this many minutes before the start (a notice may say otherwise),
# and those who have not answered this many working days before the RSVP deadline.
HUITONG_MEETING_REMIND_BEFORE_MINUTES = env_int("HUITONG_MEETING_REMIND_BEFORE_MINUTES", 60)
HUITONG_MEETING_RSVP_REMIND_WORKDAYS = env_int("HUITONG_MEETING_RSVP_REMIND_WORKDAYS", 1)
# Approvals: remind approvers who have not acted after this many working days, again after
# each further such period, at most this many times.
HUITONG_APPROVAL_REMIND_WORKDAYS = env_int("HUITONG_APPROVAL_REMIND_WORKDAYS", 1)
HUITONG_APPROVAL_MAX_REMINDERS = env_int("HUITONG_APPROVAL_MAX_REMINDERS", 3)

# --- Search -------------------------------------------------------------------------------------
# The whoosh index (one writer: the worker); rebuilt from the database by `search_rebuild`.
HUITONG_INDEX_DIR = Path(os.environ.get("HUITONG_INDEX_DIR", VAR_DIR / "index"))
# Attachment text: files over this size are indexed by name only; reading one file may take
# at most this many seconds and give at most this many characters.
HUITONG_INDEX_MAX_FILE_BYTES = env_int("HUITONG_INDEX_MAX_FILE_BYTES", 20 * 1024 * 1024)
HUITONG_INDEX_FILE_SECONDS = env_int("HUITONG_INDEX_FILE_SECONDS", 10)
HUITONG_INDEX_MAX_FILE_CHARS = env_int("HUITONG_INDEX_MAX_FILE_CHARS", 200_000)
# Previews of DOCX and XLSX files (hub/chat/previews.py): made in a child process with
# these limits.
HUITONG_PREVIEW_MAX_BYTES = env_int("HUITONG_PREVIEW_MAX_BYTES", 20 * 1024 * 1024)
HUITONG_PREVIEW_SECONDS = env_int("HUITONG_PREVIEW_SECONDS", 15)
HUITONG_PREVIEW_MEMORY_MB = env_int("HUITONG_PREVIEW_MEMORY_MB", 768)
# Memory the reading child may take beyond what it inherits from the worker.
HUITONG_INDEX_FILE_MEMORY_MB = env_int("HUITONG_INDEX_FILE_MEMORY_MB", 256)

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the web client reads it to send X-CSRFToken
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
if env_bool("HUITONG_HTTPS", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' HSTS preload list is the domain owner's decision (it binds
        # every subdomain for good), not a setting to nag about: off unless asked for.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"hub": {"level": os.environ.get("HUITONG_LOG_LEVEL", "INFO")}},
}

# --- Matrix bridge (integrations/matrix) ----------------------------------------------------------
# With a homeserver set, `manage.py serve` also runs the bridge (`manage.py run_matrix_bridge`).
HUITONG_MATRIX_HOMESERVER = os.environ.get("HUITONG_MATRIX_HOMESERVER", "").rstrip("/")
HUITONG_MATRIX_SERVER_NAME = os.environ.get("HUITONG_MATRIX_SERVER_NAME", "")
# host:port the bridge's application-service endpoint listens on (the homeserver pushes here).
HUITONG_MATRIX_LISTEN = os.environ.get("HUITONG_MATRIX_LISTEN", "127.0.0.1:29330")
# The registration file written by `manage.py matrix_registration` (its tokens are read here).
HUITONG_MATRIX_REGISTRATION = os.environ.get(
    "HUITONG_MATRIX_REGISTRATION", str(VAR_DIR / "matrix-registration.yaml"))
# Matrix servers whose rooms may be bridged (comma-separated); empty: the homeserver's own.
HUITONG_MATRIX_ALLOWED_SERVERS = env_list("HUITONG_MATRIX_ALLOWED_SERVERS", [])
# The address people open Huitong at, for links in what the bridge posts to Matrix.
HUITONG_PUBLIC_URL = os.environ.get("HUITONG_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/")
