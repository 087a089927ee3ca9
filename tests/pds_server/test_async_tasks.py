"""Operations on folders with many descendants answer 202 with an async_task_id and run in a
real Celery worker; async_task/get reports their progress. (test_async_crash.py kills the
worker mid-job.)"""

from __future__ import annotations

import shutil
import time

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from pds_server.models import Drive, File
from tests.celery_worker import start_worker
from tests.pds_server.api_client import ALL, make_api


@pytest.mark.slow
def test_big_folder_trash_restore_and_delete_run_in_a_worker(pds_url, make_user, jwt_app, settings, tmp_path):
    settings.PDS_ASYNC_THRESHOLD = 20
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
    alice = make_api(pds_url, make_user("alice"), jwt_app, ALL)
    big = alice.folder("big")
    drive = Drive.objects.get(pk=int(alice.drive_id))
    now = timezone.now()
    File.objects.bulk_create(
        [
            File(
                file_id=f"{i:040d}",
                drive=drive,
                parent_file_id=big,
                name=f"f{i}",
                type="file",
                created_at=now,
                updated_at=now,
            )
            for i in range(50)
        ]
    )
    worker = start_worker("filesystem://", tmp_path / "worker.log", settings)

    def wait(task_id: str) -> dict:
        deadline = time.monotonic() + 60
        while True:
            state = alice.ok("async_task/get", {"async_task_id": task_id})
            if state["state"] != "Running":
                return state
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.3)

    try:
        trashed = alice.ok("recyclebin/trash", {"file_id": big}, 202)
        assert wait(trashed["async_task_id"])["state"] == "Succeed"
        assert File.objects.filter(drive=drive, trashed=True).count() == 51
        restored = alice.ok("recyclebin/restore", {"file_id": big}, 202)
        assert wait(restored["async_task_id"])["state"] == "Succeed"
        assert File.objects.filter(drive=drive, trashed=True).count() == 0
        copied = alice.ok("file/copy", {"file_id": big, "to_parent_file_id": "root"}, 202)
        done = wait(copied["async_task_id"])
        assert done["state"] == "Succeed" and done["file_id"]
        assert File.objects.filter(drive=drive, parent_file_id=done["file_id"]).count() == 50
        assert (
            wait(alice.ok("recyclebin/trash", {"file_id": done["file_id"]}, 202)["async_task_id"])["state"] == "Succeed"
        )
        cleared = wait(alice.ok("recyclebin/clear", {}, 202)["async_task_id"])
        assert cleared["state"] == "Succeed" and cleared["consumed_process"] == cleared["total_process"] == 51
        assert not File.objects.filter(drive=drive, trashed=True).exists()
        deleted = alice.ok("file/delete", {"file_id": big}, 202)
        state = wait(deleted["async_task_id"])
        assert state["state"] == "Succeed" and state["consumed_process"] == state["total_process"] == 51
        assert not File.objects.filter(drive=drive, parent_file_id=big).exists()
    finally:
        worker.terminate()
        worker.wait(20)
    other = make_api(pds_url, make_user("bob"), jwt_app, ALL)
    assert other.call("async_task/get", {"async_task_id": deleted["async_task_id"]}).status_code == 404
