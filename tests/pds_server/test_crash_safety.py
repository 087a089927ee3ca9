"""A real PDS process killed mid-complete and mid-PUT leaves only what `pds_fsck` finds and
repairs, and normal work leaves nothing for it to find."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from django.core.management import call_command

from pds_server.models import Blob, Upload
from pds_server.services.fsck import fsck_cleanup, fsck_scan
from pds_server.services.upload_complete import upload_complete
from pds_server.services.uploads import upload_discard
from tests.celery_worker import database_url, free_port
from tests.pds_server.api_client import make_api
from tests.pds_server.small_disk import blobs_on
from tests.pds_server.test_upload_assembly import complete, create, put_parts

ROOT = Path(__file__).resolve().parents[2]


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings) -> Path:
    """A data directory of this test's own, so that fsck sees no other test's files."""
    blobs_on(settings, tmp_path / "data" / "blobs")
    return tmp_path / "data"


@pytest.fixture
def pds_process(tmp_path, domain, data_dir):
    """Start a PDS process (runserver, DRIVE_ROLE=pds) on the test databases and this
    test's data directory; returns a function that starts it with extra environment."""
    started: list[subprocess.Popen] = []

    def start(**extra: str) -> tuple[subprocess.Popen, str]:
        port = free_port()
        env = {
            **os.environ,
            "DRIVE_ROLE": "pds",
            "DATABASE_URL": database_url("default"),
            "PDS_DATABASE_URL": database_url("pds"),
            "DRIVE_DATA_DIR": str(data_dir),
            **extra,
        }
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=(tmp_path / f"pds-{port}.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        started.append(process)

        def listening() -> bool:
            assert process.poll() is None, (tmp_path / f"pds-{port}.log").read_text()
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, "the PDS process to listen")
        return process, f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(30)


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(30)


def complete_until_killed(api, created: dict) -> None:
    with contextlib.suppress(requests.ConnectionError):
        complete(api, created)


def fsck(*args: str) -> str:
    out = io.StringIO()
    call_command("pds_fsck", "--min-age", "0", *args, stdout=out)
    return out.getvalue()


def test_a_pds_killed_between_linking_the_blob_and_the_commit_leaves_what_fsck_repairs(
    pds_process, tmp_path, data_dir, make_user, jwt_app
):
    held = tmp_path / "held"
    process, url = pds_process(PDS_TEST_HOLD=f"before-commit:{held}")
    alice = make_api(url, make_user("alice"), jwt_app)
    data = os.urandom(2 * 1024 * 1024 + 9)
    created = create(alice, "crash.bin", data, parts=2)
    put_parts(created, data)
    threading.Thread(target=complete_until_killed, args=(alice, created), daemon=True).start()
    wait_until(held.exists, "the complete to reach its commit")
    kill(process)

    report = fsck()
    assert "orphan_blob_file\tblobs/" in report, report
    assert f"temp_file\tuploads/{created['upload_id']}/assembling-" in report, report
    assert not Blob.objects.exists()
    fsck("--repair")
    assert fsck_scan() == []
    # The upload itself survived: it completes, and leaves nothing behind.
    item = upload_complete(upload=Upload.objects.get(upload_id=created["upload_id"]))
    assert (data_dir / "blobs" / Blob.objects.get().storage_name).read_bytes() == data
    assert item.size == len(data)
    assert fsck_scan() == []


def test_a_pds_killed_mid_part_leaves_a_temporary_file_that_goes(pds_process, pds_url, data_dir, make_user, jwt_app):
    process, url = pds_process()
    alice = make_api(url, make_user("alice"), jwt_app)
    data = os.urandom(4 * 1024 * 1024)
    created = create(alice, "cut.bin", data, parts=1)
    target = urlsplit(created["part_info_list"][0]["upload_url"])
    folder = data_dir / "blobs" / "uploads" / created["upload_id"]
    with socket.create_connection((target.hostname, target.port)) as sock:
        sock.sendall(
            f"PUT {target.path}?{target.query} HTTP/1.1\r\nHost: {target.netloc}\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data[: len(data) // 2]
        )
        wait_until(
            lambda: folder.exists() and any(path.stat().st_size > 0 for path in folder.iterdir()),
            "the part's first bytes on disk",
        )
        kill(process)
    assert f"temp_file\tuploads/{created['upload_id']}/tmp-" in fsck()

    # The periodic cleanup leaves a recent temporary file alone (it may be a PUT in flight).
    assert fsck_cleanup() == {}
    # The upload goes on through another process, and its end takes the partial file too.
    alice.base = pds_url
    urls = alice.ok("file/get_upload_url", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    put_parts(urls, data)
    assert complete(alice, created).status_code == 200
    assert not folder.exists()
    assert fsck_scan() == []


def test_the_periodic_cleanup_removes_stale_temporary_files_then_old_orphans_only(alice, data_dir, monkeypatch):
    from pds_server.services import fsck as fsck_module

    data = os.urandom(1000)
    created = create(alice, "open.bin", data, parts=2)
    put_parts(created, data)
    kept = alice.upload("kept.bin", os.urandom(2000), parts=2)
    temp = data_dir / "blobs" / "uploads" / created["upload_id"] / "tmp-00001-0123456789abcdef"
    temp.write_bytes(data[:10])
    orphan = data_dir / "blobs" / "blobs" / "AB" / "CD" / ("ABCD" + "0" * 36)
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"linked, then the process was killed")
    assert fsck_cleanup() == {}, "recent files may be work in flight"
    now = time.time()
    monkeypatch.setattr(fsck_module.time, "time", lambda: now + 2 * 3600)
    assert fsck_cleanup() == {"temp_file": 1}
    assert orphan.exists()
    monkeypatch.setattr(fsck_module.time, "time", lambda: now + 2 * 86400)
    assert fsck_cleanup() == {"orphan_blob_file": 1}
    monkeypatch.undo()
    assert fsck_scan() == []
    assert complete(alice, created).status_code == 200
    assert alice.ok("file/get", {"file_id": kept["file_id"]})["size"] == 2000


def test_normal_work_leaves_nothing_for_fsck(alice):
    data = os.urandom(3 * 1024 * 1024)
    alice.upload("one.bin", data)
    alice.upload("three.bin", data[:-1], parts=3)
    alice.upload("one.bin", os.urandom(5000), parts=2, check_name_mode="overwrite")
    gone = alice.upload("gone.bin", os.urandom(100))
    alice.ok("file/delete", {"file_id": gone["file_id"]}, 204)
    open_one = create(alice, "open.bin", data, parts=2)
    put_parts(open_one, data)
    dropped = create(alice, "dropped.bin", data, parts=2)
    put_parts(dropped, data)
    upload_discard(upload=Upload.objects.get(upload_id=dropped["upload_id"]))
    assert fsck_scan() == []
    assert "0 problem(s) found" in fsck()
