"""Loaded by pytest with `-p tests.env_defaults` (see pyproject.toml), before Django's settings:
the test process serves both URL sets (DRIVE_ROLE=all) from its live server, ignores a
developer's .env, and keeps its data under var/test unless told otherwise.

The keys `pds_bootstrap` would generate on a first start are given here instead, so that the
test process and every process it starts (workers, gunicorn) share them."""

import base64
import os
from pathlib import Path

os.environ.setdefault("DRIVE_ROLE", "all")
os.environ.setdefault("DRIVE_ENV_FILE", "")
os.environ.setdefault("DRIVE_FAST_PASSWORD_HASHER", "1")
# One data directory per run (removed at the end by conftest), so two runs never share
# test databases or broker files.
os.environ.setdefault(
    "DRIVE_DATA_DIR", str(Path(__file__).resolve().parent.parent / "var" / "test" / f"run-{os.getpid()}")
)
os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("TOKEN_ENCRYPTION_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())
os.environ.setdefault("PDS_SECRET_KEYS", base64.urlsafe_b64encode(os.urandom(32)).decode())
os.environ.setdefault("DATABASE_CONN_MAX_AGE", "0")  # live-server threads must not hold the test database open
