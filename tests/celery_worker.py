"""Real Celery workers for tests: a subprocess on the test databases and a given broker."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connections

ROOT = Path(__file__).resolve().parent.parent


def database_url(alias: str) -> str:
    conf = connections[alias].settings_dict
    if conf["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{conf['NAME']}"
    host, port = conf["HOST"] or "127.0.0.1", conf["PORT"] or 5432
    return f"postgres://{conf['USER']}:{conf['PASSWORD']}@{host}:{port}/{conf['NAME']}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def redis_server(directory: Path) -> Iterator[str]:
    """A redis-server of its own for the test (no persistence); its URL, database 0."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (.ci/run installs it)")
    port = free_port()
    command = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    server = subprocess.Popen([*command, "--dir", str(directory)], stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(10)


def start_worker(broker_url: str, log_path: Path, settings, queues: str = "celery,analysis") -> subprocess.Popen:
    """A solo worker consuming `queues` (by default the web's queue and image analysis)."""
    env = dict(os.environ)
    env.update(
        DRIVE_ROLE="drive",
        DATABASE_URL=database_url("default"),
        PDS_DATABASE_URL=database_url("pds"),
        PDS_ENDPOINT=settings.PDS_ENDPOINT,
        PDS_CLIENT_ID=settings.PDS_CLIENT_ID,
        PDS_CLIENT_SECRET=settings.PDS_CLIENT_SECRET,
        TOKEN_ENCRYPTION_KEYS=",".join(settings.TOKEN_ENCRYPTION_KEYS),
        PDS_SECRET_KEYS=",".join(settings.PDS_SECRET_KEYS),
        CELERY_BROKER_URL=broker_url,
    )
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "celery"),
            "-A",
            "drive_site",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "--queues",
            queues,
        ],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
