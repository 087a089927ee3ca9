"""`make run` on a fresh copy of the project: everything comes up, the PDS answers a PDS
JSON 401 to a request without a token, and Ctrl-C stops every process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parent.parent
SKIP = {".venv", "var", ".env", ".git", ".pytest_cache", "__pycache__", "test-output"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def session_commands(session_id: int) -> list[str]:
    """Command lines of every process in the session that `make run` started."""
    listing = subprocess.run(["ps", "-o", "args=", "-s", str(session_id)], capture_output=True, text=True).stdout
    return [line for line in listing.splitlines() if line.strip()]


def wait_for(url: str, deadline: float) -> requests.Response:
    while True:
        try:
            return requests.post(url, json={}, timeout=10)
        except (requests.ConnectionError, requests.Timeout):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def collect(stream, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


@pytest.mark.slow
def test_make_run_starts_everything_and_ctrl_c_stops_it(tmp_path):
    project = tmp_path / "drive"
    shutil.copytree(ROOT, project, ignore=lambda _dir, names: [n for n in names if n in SKIP])
    # Reuse this checkout's virtualenv: the copy is fresh, the installed packages are not the point.
    (project / ".venv").symlink_to(ROOT / ".venv")
    drive_port, pds_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("DRIVE_", "PDS_", "SECRET_KEY", "TOKEN_ENCRYPTION_KEYS", "DJANGO_", "DATABASE_URL", "CELERY_")
        )
    }
    env.update(DRIVE_PORT=str(drive_port), PDS_PORT=str(pds_port))
    # As from a terminal: SIGINT at its default in `make run`'s shell, whatever this process
    # inherited (a suite started in the background has SIGINT ignored, and a shell cannot
    # trap a signal ignored when it started).
    restore_sigint = (
        "import os, signal; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp('make', ['make', 'run'])"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", restore_sigint],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=collect, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        reply = wait_for(f"http://127.0.0.1:{pds_port}/v2/user/get", time.monotonic() + 90)
        assert reply.status_code == 401
        assert reply.json()["code"] == "AccessTokenInvalid" and reply.headers["x-ca-request-id"]
        assert requests.get(f"http://127.0.0.1:{drive_port}/", timeout=5).status_code == 200
        info = json.loads((project / "var" / "bootstrap.json").read_text())
        assert info["demo_user"]["password"]
        assert (project / ".env").stat().st_mode & 0o777 == 0o600
        assert (project / "var" / "keys" / "jwt_private.pem").stat().st_mode & 0o777 == 0o600
        deadline = time.monotonic() + 60
        while True:
            commands = " ".join(session_commands(process.pid))
            if all(part in commands for part in ("pds_server.wsgi", "drive_site.wsgi", "worker", "beat")):
                break
            assert time.monotonic() < deadline, f"not everything started: {commands}"
            time.sleep(0.5)
        # The banner prints last, once every process answers (the worker a ping): Ctrl-C after it.
        deadline = time.monotonic() + 120
        while not any("Drive is running" in line for line in lines) and time.monotonic() < deadline:
            time.sleep(0.5)
        # No log under var/logs/ keeps a signed URL's signature or an OAuth code and state.
        secret = "5ec7e7" + os.urandom(8).hex()
        requests.get(f"http://127.0.0.1:{pds_port}/v2/file/content?x-pds-expires=1&signature={secret}", timeout=10)
        requests.get(f"http://127.0.0.1:{drive_port}/accounts/callback/?code={secret}&state={secret}", timeout=10)
        logs = project / "var" / "logs"
        deadline = time.monotonic() + 30
        while not (
            "/v2/file/content" in (logs / "pds-access.log").read_text()
            and "/accounts/callback/" in (logs / "drive-access.log").read_text()
        ):
            assert time.monotonic() < deadline, "the requests never reached the access logs"
            time.sleep(0.3)
        texts = {log.name: log.read_text(errors="replace") for log in logs.iterdir()}
        leaked = [name for name, text in texts.items() if secret in text or "signature=" in text]
        assert not leaked, f"a signature, code or state in {leaked}"
    finally:
        os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C in the terminal sends
        process.wait(timeout=60)
        reader.join(timeout=10)
    output = "".join(lines)
    assert "Drive is running" in output and info["demo_user"]["password"] in output
    # The processes' own start-up banners stay in their log files.
    assert not any(noise in output for noise in ("celery@", "beat: Starting", "Booting worker")), output
    time.sleep(1)
    for port in (drive_port, pds_port):
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"
    deadline = time.monotonic() + 30
    while session_commands(process.pid) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not session_commands(process.pid), "processes left running after Ctrl-C"
