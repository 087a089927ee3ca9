"""The legacy SDK `alibabacloud-pds-sdk` (exact success statuses) creates and completes an
upload. It runs in a virtualenv of its own (var/legacy-sdk), made once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / "var" / "legacy-sdk"


def legacy_python() -> Path:
    python = VENV / "bin" / "python"
    if not (VENV / ".installed").exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "alibabacloud-pds-sdk==1.1.7", "requests"], check=True
        )
        (VENV / ".installed").touch()
    return python


@pytest.mark.slow
def test_legacy_sdk_creates_and_completes_an_upload(live_server, make_user, jwt_app):
    user = user_logon(user=make_user("alice"))
    token = tokens_issue(
        app=jwt_app, user=user, scopes=["FILE.ALL", "DRIVE.ALL"], grant_type="test", with_refresh_token=False
    ).access_token_value
    env = dict(
        os.environ,
        PDS_TEST_ENDPOINT=f"127.0.0.1:{live_server.url.rsplit(':', 1)[1]}",
        PDS_TEST_TOKEN=token,
        PDS_TEST_DRIVE_ID=user.default_drive_id,
    )
    result = subprocess.run(
        [str(legacy_python()), str(Path(__file__).with_name("legacy_sdk_upload.py"))],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "available" and outcome["size"] == len(b"legacy sdk bytes ") * 1000
    assert outcome["names"] == ["legacy.bin"]
