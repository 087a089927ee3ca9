"""The one settings module. Every value comes from the environment (django-environ),
optionally through the `.env` file that `pds_bootstrap` writes on first run.

See `.env.example` for every setting and what it means.
"""

from __future__ import annotations

import base64
import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# DRIVE_ENV_FILE lets tests and CI ignore a developer's .env (`make test` sets it to /dev/null).
ENV_FILE = os.environ.get("DRIVE_ENV_FILE", str(BASE_DIR / ".env"))
if ENV_FILE and Path(ENV_FILE).is_file():
    environ.Env.read_env(ENV_FILE)

# All state lives under one data directory: database, blobs, broker files, keys.
DATA_DIR = Path(env("DRIVE_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _generated_secret(name: str, make=lambda: secrets.token_urlsafe(50)) -> str:
    """A secret generated once and kept in the data directory with mode 0600."""
    path = DATA_DIR / name
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


SECRET_KEY = env("SECRET_KEY", default="") or _generated_secret("secret_key")
DEBUG = env.bool("DEBUG", default=False)

# Which process this is: `drive` (the web drive), `pds` (the embedded PDS server), or
# `all` (both URL sets in one process: used by the test suite's live server only).
DRIVE_ROLE = env("DRIVE_ROLE", default="drive")
ROOT_URLCONF = {
    "drive": "drive_site.urls",
    "pds": "pds_server.urls",
    "all": "drive_site.urls_all",
}[DRIVE_ROLE]

# The embedded PDS picks the domain from the Host header `{domain_id}.<PDS_HOST_SUFFIX>`.
PDS_HOST_SUFFIX = env("PDS_HOST_SUFFIX", default="pds.localhost")
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    default=["localhost", "127.0.0.1", "[::1]", f".{PDS_HOST_SUFFIX}"],
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "pds_server",
    "accounts",
    "files",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early, so that every /v2/ answer (even a crash or an unknown path) is PDS JSON.
    "pds_server.middleware.PdsApiMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.DeadCredentialMiddleware",
    "files.middleware.SecurityHeadersMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "drive_site.wsgi.application"

# Two databases: the drive app's (`default`) and the embedded PDS's own (`pds`), as the
# PDS cloud would keep its own; see pds_server/routers.py for why.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}"),
    "pds": env.db("PDS_DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'pds.sqlite3'}"),
}
DATABASE_ROUTERS = ["pds_server.routers.PdsRouter"]
for alias, database in DATABASES.items():
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Test databases are files, not memory: Celery workers started by tests must see them.
        database["TEST"] = {"NAME": str(DATA_DIR / f"test_{alias}.sqlite3")}
        # WAL + IMMEDIATE transactions + a busy timeout: concurrent writers wait instead of
        # failing with "database is locked".
        database["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    # Reuse connections across requests: opening one (and its PRAGMAs) costs more than most queries.
    database.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # A connection the server dropped (a restart) is noticed and replaced, not used to fail.
    database.setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["pds"]["ENGINE"] != "django.db.backends.sqlite3":
    # Both may name one PostgreSQL database in production; tests still need two.
    DATABASES["pds"]["TEST"] = {"NAME": f"test_{DATABASES['pds']['NAME']}_pds"}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Tests may switch to a fast hasher; production keeps Django's default (PBKDF2).
if env.bool("DRIVE_FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Blobs of the embedded PDS go through Django's storage API: local disk under the data
# directory by default, S3-compatible storage with PDS_STORAGE=s3 (django-storages).
PDS_STORAGE = env("PDS_STORAGE", default="local")
_xaccel_blobs = bool(env("PDS_XACCEL_BLOB_LOCATION", default=""))
if PDS_STORAGE == "s3":
    PDS_BLOB_STORAGE = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("PDS_S3_BUCKET"),
            "endpoint_url": env("PDS_S3_ENDPOINT_URL", default=None),
            "access_key": env("PDS_S3_ACCESS_KEY", default=None),
            "secret_key": env("PDS_S3_SECRET_KEY", default=None),
            "region_name": env("PDS_S3_REGION", default=None),
            "signature_version": "s3v4",
            "file_overwrite": True,
        },
    }
else:
    PDS_BLOB_STORAGE = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Behind nginx (PDS_XACCEL_BLOB_LOCATION) nginx's workers read the files: group-readable,
        # with nginx's user in the PDS user's group. Otherwise only the PDS's user reads them.
        "OPTIONS": {"location": str(DATA_DIR / "blobs"), "file_permissions_mode": 0o640 if _xaccel_blobs else 0o600,
                    "directory_permissions_mode": 0o750 if _xaccel_blobs else 0o700},
    }
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": str(DATA_DIR / "media")}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
    "pds_blobs": PDS_BLOB_STORAGE,
}
# Behind nginx: hand downloads to nginx (X-Accel-Redirect) at this internal location,
# which aliases the blob directory. Empty: Django streams the bytes itself.
PDS_XACCEL_BLOB_LOCATION = env("PDS_XACCEL_BLOB_LOCATION", default="")
# Public base URL of the PDS for signed upload/download URLs; empty: from the request.
PDS_PUBLIC_URL = env("PDS_PUBLIC_URL", default="").rstrip("/")
PDS_UPLOAD_URL_LIFETIME = 900
PDS_UPLOAD_LIFETIME = env.int("PDS_UPLOAD_LIFETIME", default=86400)
PDS_ASYNC_THRESHOLD = env.int("PDS_ASYNC_THRESHOLD", default=1000)

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# Without nginx, WhiteNoise serves static files; in development straight from the finders.
WHITENOISE_USE_FINDERS = True

# The PDS sign-in and the drive app must never share a session or CSRF cookie: both
# may run on one host name (cookies ignore ports), so each role has its own names.
SESSION_COOKIE_NAME = "pds_sessionid" if DRIVE_ROLE == "pds" else "drive_sessionid"
CSRF_COOKIE_NAME = "pds_csrftoken" if DRIVE_ROLE == "pds" else "drive_csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production behind TLS (see .env.production.example): HSTS and HTTPS redirects.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.bool("DRIVE_BEHIND_PROXY", default=False) else None

# --- The embedded PDS server -------------------------------------------------------
PDS_DEFAULT_DOMAIN_ID = env("PDS_DEFAULT_DOMAIN_ID", default="demo")
PDS_ACCESS_TOKEN_LIFETIME = env.int("PDS_ACCESS_TOKEN_LIFETIME", default=7200)
PDS_REFRESH_TOKEN_IDLE_LIFETIME = env.int("PDS_REFRESH_TOKEN_IDLE_LIFETIME", default=30 * 86400)
PDS_REFRESH_TOKEN_ABSOLUTE_LIFETIME = env.int("PDS_REFRESH_TOKEN_ABSOLUTE_LIFETIME", default=90 * 86400)
PDS_AUTHORIZATION_CODE_LIFETIME = min(env.int("PDS_AUTHORIZATION_CODE_LIFETIME", default=300), 600)
PDS_SIGNIN_LIFETIME = env.int("PDS_SIGNIN_LIFETIME", default=3600)
PDS_JWT_MAX_LIFETIME = 300  # an assertion's exp may be at most 5 minutes after its iat
PDS_JWT_CLOCK_SKEW = env.int("PDS_JWT_CLOCK_SKEW", default=30)
PDS_SIGNIN_MAX_FAILURES = env.int("PDS_SIGNIN_MAX_FAILURES", default=10)

# --- The drive app's view of the PDS (embedded by default, the PDS cloud by setting) ---
DRIVE_SITE_URL = env("DRIVE_SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
PDS_ENDPOINT = env("PDS_ENDPOINT", default="http://127.0.0.1:8001").rstrip("/")
PDS_DOMAIN_ID = env("PDS_DOMAIN_ID", default=PDS_DEFAULT_DOMAIN_ID)
PDS_CLIENT_ID = env("PDS_CLIENT_ID", default="")
PDS_CLIENT_SECRET = env("PDS_CLIENT_SECRET", default="")
PDS_JWT_APP_ID = env("PDS_JWT_APP_ID", default="")
PDS_JWT_PRIVATE_KEY_FILE = env("PDS_JWT_PRIVATE_KEY_FILE", default="")
PDS_REQUEST_TIMEOUT = env.float("PDS_REQUEST_TIMEOUT", default=30.0)
# Where browsers are sent to sign in; differs from PDS_ENDPOINT only when the server
# reaches the PDS by another address than browsers do.
PDS_AUTHORIZE_URL = env("PDS_AUTHORIZE_URL", default=f"{PDS_ENDPOINT}/v2/oauth/authorize")
PDS_OAUTH_SCOPE = env("PDS_OAUTH_SCOPE", default="")  # empty: every scope the app has
# oauth: the PDS sign-in page (web-server app). jwt: Django's own users (JWT app).
DRIVE_AUTH_MODE = env("DRIVE_AUTH_MODE", default="oauth")
# Never built from the Host header.
DRIVE_REDIRECT_URI = f"{DRIVE_SITE_URL}/accounts/callback/"
# A request refreshes a token with less than this left; beat refreshes ahead of that.
DRIVE_TOKEN_REFRESH_MARGIN = env.int("DRIVE_TOKEN_REFRESH_MARGIN", default=300)
DRIVE_BEAT_REFRESH_WINDOW = env.int("DRIVE_BEAT_REFRESH_WINDOW", default=900)
# Seconds between beat's sweeps for credentials expiring within the window.
DRIVE_BEAT_REFRESH_INTERVAL = env.float("DRIVE_BEAT_REFRESH_INTERVAL", default=60.0)
# Fernet keys for tokens at rest (not SECRET_KEY): the first encrypts, all decrypt.
# Empty: one key is generated once into $DRIVE_DATA_DIR/token_encryption_key (0600).
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[]) or [
    _generated_secret("token_encryption_key", make=lambda: base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
]

# How /files/<id>/download sends the bytes: stream (through Drive, Range passed
# through), or redirect (to the PDS's signed URL, for browsers that can reach it).
# or xaccel (behind nginx: X-Accel-Redirect to DRIVE_XACCEL_PROXY_LOCATION, an internal
# location that proxies to the signed URL, so nginx moves the bytes).
DRIVE_DOWNLOAD_MODE = env("DRIVE_DOWNLOAD_MODE", default="stream")
DRIVE_XACCEL_PROXY_LOCATION = env("DRIVE_XACCEL_PROXY_LOCATION", default="/_pds_proxy/")
# ...and, for signed URLs of the embedded PDS behind the same nginx (origin PDS_PUBLIC_URL),
# this internal location, which proxies to the PDS's gunicorn without a second TLS hop; the
# PDS then hands the blob file itself to nginx. Empty: every download uses the one above.
DRIVE_XACCEL_PDS_LOCATION = env("DRIVE_XACCEL_PDS_LOCATION", default="")
# How upload parts travel: proxy (browser -> Drive -> PDS, streamed) or direct (browser ->
# PDS part URL, for browsers that can reach the PDS).
DRIVE_UPLOAD_MODE = env("DRIVE_UPLOAD_MODE", default="proxy")

LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

# The cache holds state every process must share (the PDS's sign-in failure counts): files
# under the data directory on one machine, Redis (CACHE_URL=redis://…) across machines.
CACHES = {"default": env.cache_url("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}")}

# --- Celery ------------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Celery's Django fixup closes the database connections after every task unless this is
# set: on PostgreSQL a new connection per token refresh cost more CPU than the refresh.
# Connections live by Django's rules instead (drive_site/celery.py), as around a request.
CELERY_DB_REUSE_MAX = 10**9

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.server": {"level": "WARNING"}},
}
