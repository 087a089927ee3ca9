"""Django itself: the process's role, apps, middleware, databases, security, cache, logging.

All state lives under one data directory (DRIVE_DATA_DIR): databases, blobs, broker files,
generated keys, logs. Importing settings creates none of it: `make run`, `pds_bootstrap` and
`drive_site.apps.DriveSiteConfig.ready` do.
"""

from __future__ import annotations

from pathlib import Path

from drive_site import keys

from .env import BASE_DIR, env
from .pds import PDS_HOST_SUFFIX

DATA_DIR = Path(env.str("DRIVE_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()

SECRET_KEY = env.secret("SECRET_KEY", generated=DATA_DIR / keys.SECRET_KEY_FILE)
# Fernet keys for the PDS's own secrets at rest (AccessKey secrets, LDAP bind passwords,
# federation client secrets): the first encrypts, all decrypt. Empty: the one `pds_bootstrap`
# generated into $DRIVE_DATA_DIR/pds_secret_key (0600).
PDS_SECRET_KEYS = env.secret_list("PDS_SECRET_KEYS", generated=DATA_DIR / keys.PDS_SECRET_KEY_FILE)
DEBUG = env.bool("DEBUG", default=False)

# Which process this is: `drive` (the web drive), `pds` (the embedded PDS server), or
# `all` (both URL sets in one process: used by the test suite's live server only).
DRIVE_ROLE = env.choice("DRIVE_ROLE", choices=("drive", "pds", "all"), default="drive")
ROOT_URLCONF = {
    "drive": "drive_site.urls",
    "pds": "pds_server.urls",
    "all": "drive_site.urls_all",
}[DRIVE_ROLE]

# The embedded PDS picks the domain from the Host header `{domain_id}.<PDS_HOST_SUFFIX>`.
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
    "drive_site",
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
    # /d/<drive_id>/...: the drive app on another drive (before the URL is resolved).
    "files.drive_scope.DriveScopeMiddleware",
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
                "files.drive_scope.context",
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
for database in DATABASES.values():
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # WAL + IMMEDIATE transactions + a busy timeout: concurrent writers wait instead of
        # failing with "database is locked".
        database["OPTIONS"] = {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    # Reuse connections across requests: opening one (and its PRAGMAs) costs more than most queries.
    database.setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
    # A connection the server dropped (a restart) is noticed and replaced, not used to fail;
    # on PostgreSQL only once it has been idle a moment (drive_site/db_postgresql/base.py).
    database.setdefault("CONN_HEALTH_CHECKS", True)
    if database["ENGINE"] == "django.db.backends.postgresql":
        database["ENGINE"] = "drive_site.db_postgresql"
        if env.bool("DATABASE_PREPARED_STATEMENTS", default=True):
            # The server binds the parameters, and a query run a few times on a connection
            # becomes a prepared statement, parsed and planned once rather than on every
            # request: PostgreSQL's CPU per small download went from 1.2 to 0.4 ms. Off
            # behind a pooler that does not carry them (PgBouncer in transaction mode
            # unless its max_prepared_statements is set).
            options = database.setdefault("OPTIONS", {})
            options.setdefault("server_side_binding", True)
            options.setdefault("prepare_threshold", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The first reads the session's user with their Credential in one query; Django's own stays
# listed for the sessions it signed in before (a session names the backend that made it).
AUTHENTICATION_BACKENDS = ["accounts.backends.UserWithCredentialBackend", "django.contrib.auth.backends.ModelBackend"]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("zh-hans", "简体中文")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

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

# The cache holds state every process must share (the PDS's sign-in failure counts): files
# under the data directory on one machine, Redis (CACHE_URL=redis://…) across machines.
CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{DATA_DIR / 'cache'}"),
    # Signed thumbnail URLs the Photos pages already hold (files/photos.py): in each process's
    # memory only, never on disk, and apart from the default cache, whose throttle counters
    # a scroll through 100,000 photos would otherwise push out.
    "signed_urls": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "signed-urls",
        "TIMEOUT": 600,
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    },
}

if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # One client object per pool, not one per call (drive_site/redis_cache.py).
    CACHES["default"]["BACKEND"] = "drive_site.redis_cache.SharedClientRedisCache"

# Sessions: with Redis as the cache, read from it (the database keeps them, so a flushed cache
# signs nobody out); else from the database alone (a file cache would cost more than a query).
if "redis" in CACHES["default"]["BACKEND"].lower():
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# Every record goes through one handler whose filter hides signed URLs' signatures, OAuth
# codes, tokens and share passwords (drive_site/logging.py). Django's own handlers for the
# `django` logger (console in DEBUG, mail_admins with the whole request) are replaced by it.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"hide_secrets": {"()": "drive_site.logging.HideSecrets"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["hide_secrets"]}},
    "root": {
        "handlers": ["console"],
        "level": env.choice("LOG_LEVEL", choices=("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"), default="INFO"),
    },
    "loggers": {"django": {"level": "INFO"}, "django.server": {"level": "WARNING"}},
}
