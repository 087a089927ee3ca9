"""What the test suite needs (tests/env_defaults.py sets the environment it runs in)."""

from __future__ import annotations

from .base import DATA_DIR, DATABASES
from .env import env

for alias, database in DATABASES.items():
    if database["ENGINE"] == "django.db.backends.sqlite3":
        # Test databases are files, not memory: Celery workers started by tests must see them.
        database["TEST"] = {"NAME": str(DATA_DIR / f"test_{alias}.sqlite3")}
if DATABASES["pds"]["ENGINE"] != "django.db.backends.sqlite3":
    # Both may name one PostgreSQL database in production; tests still need two.
    DATABASES["pds"]["TEST"] = {"NAME": f"test_{DATABASES['pds']['NAME']}_pds"}

# Tests may switch to a fast hasher; production keeps Django's default (PBKDF2).
if env.bool("DRIVE_FAST_PASSWORD_HASHER", default=False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
