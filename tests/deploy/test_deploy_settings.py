"""The production settings example passes Django's deployment checklist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_is_clean_with_the_production_example(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DRIVE_", "PDS_", "DATABASE_URL", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "CELERY_", "DJANGO_")
        )
    }
    env.update(
        DRIVE_ENV_FILE=str(ROOT / ".env.production.example"),
        DRIVE_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="drive_site.settings",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
