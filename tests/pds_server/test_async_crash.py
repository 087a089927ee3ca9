"""Async jobs survive the death of their worker: a real Celery worker killed with SIGKILL in
the middle of a big job leaves it to the sweep and the next worker, which resume it from
where it stopped; a job that cannot finish ends Failed with the reason, and big jobs commit
in chunks, so other users' writes go through while they run."""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from pds_server.models import AsyncTask, Drive, File
from pds_server.routers import PDS_DB
from pds_server.services import async_tasks, trash
from pds_server.services.walk import Job
from tests.celery_worker import start_worker
from tests.drive_helpers import Browser, sign_in
from tests.pds_server.api_client import ALL, Api, make_api

pytestmark = pytest.mark.slow

T = TypeVar("T")
TIMEOUT = 180  # seconds: generous, for a busy machine


@pytest.fixture
def broker():
    """An empty queue: no message left by another test reaches this test's workers."""
    queue = django_settings.BROKER_DIR / "queue"
    shutil.rmtree(queue, ignore_errors=True)
    queue.mkdir(parents=True)


@pytest.fixture
def workers(settings, tmp_path, monkeypatch, broker):
    """Start real workers with `start(chunk_size=…)`; each one's log is in the failure message."""
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(*, chunk_size: int) -> subprocess.Popen:
        # The worker reads its settings from the environment it starts with.
        monkeypatch.setenv("PDS_ASYNC_CHUNK_SIZE", str(chunk_size))
        monkeypatch.setenv("PDS_ASYNC_LEASE_SECONDS", str(settings.PDS_ASYNC_LEASE_SECONDS))
        monkeypatch.setenv("PDS_ASYNC_MAX_ATTEMPTS", str(settings.PDS_ASYNC_MAX_ATTEMPTS))
        log = tmp_path / f"worker-{len(started)}.log"
        worker = start_worker("filesystem://", log, settings)
        started.append((worker, log))
        return worker

    start.logs = lambda: "\n".join(f"--- {log.name}\n{log.read_text()[-3000:]}" for _, log in started)  # type: ignore[attr-defined]
    yield start
    for worker, _ in started:
        if worker.poll() is None:
            worker.terminate()
            worker.wait(30)


@pytest.fixture
def job_settings(settings):
    settings.PDS_ASYNC_THRESHOLD = 20
    settings.PDS_ASYNC_LEASE_SECONDS = 2  # a dead worker's job is taken over soon
    settings.PDS_ASYNC_MAX_ATTEMPTS = 3
    return settings


def wait_for(condition: Callable[[], T], what: str, logs: Callable[[], str] = lambda: "") -> T:
    deadline = time.monotonic() + TIMEOUT
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}\n{logs()}"
        time.sleep(0.05)


def big_folder(api: Api, *, folders: int, files_each: int) -> str:
    """A folder of `folders` folders of `files_each` files each, made straight in the database."""
    big = api.folder("big")
    drive = Drive.objects.get(pk=int(api.drive_id))
    now = timezone.now()
    subfolders = [
        File(
            file_id=f"d{i:039d}",
            drive=drive,
            parent_file_id=big,
            name=f"d{i}",
            type="folder",
            created_at=now,
            updated_at=now,
        )
        for i in range(folders)
    ]
    files = [
        File(
            file_id=f"f{i:019d}{j:020d}",
            drive=drive,
            parent_file_id=folder.file_id,
            name=f"f{j}",
            type="file",
            size=1,
            created_at=now,
            updated_at=now,
        )
        for i, folder in enumerate(subfolders)
        for j in range(files_each)
    ]
    File.objects.bulk_create(subfolders + files, batch_size=500)
    Drive.objects.filter(pk=drive.pk).update(used_size=F("used_size") + len(files))  # what uploads would count
    return big


def paths_under(drive: Drive, folder_id: str) -> Counter[str]:
    """Every path under the folder, counted: a row copied twice shows as a count of 2."""
    paths: Counter[str] = Counter()
    level = [(folder_id, "")]
    while level:
        prefixes = dict(level)
        rows = File.objects.filter(drive=drive, parent_file_id__in=list(prefixes)).values_list(
            "file_id", "parent_file_id", "name", "type"
        )
        level = []
        for file_id, parent, name, kind in rows:
            path = f"{prefixes[parent]}/{name}"
            paths[path] += 1
            if kind == "folder":
                level.append((file_id, path))
    return paths


def task_row(reply: dict) -> AsyncTask:
    assert reply["async_task_id"], reply
    return AsyncTask.objects.get(async_task_id=reply["async_task_id"])


@contextmanager
def job_held(task: AsyncTask) -> Iterator[AsyncTask]:
    """Lock the job's row (on SQLite, the database's write lock): its worker, between two
    chunks, waits at the start of the next one, so killing it now kills it mid-job."""
    with transaction.atomic(using=PDS_DB):
        yield AsyncTask.objects.select_for_update().get(pk=task.pk)


def kill_mid_job(worker: subprocess.Popen, task: AsyncTask, logs: Callable[[], str]) -> AsyncTask:
    """SIGKILL the worker once the job has made progress and before it finishes."""
    wait_for(lambda: AsyncTask.objects.filter(pk=task.pk, consumed_process__gt=0).exists(), "the job's progress", logs)
    with job_held(task) as held:
        assert held.state == "Running" and 0 < held.consumed_process < held.total_process, vars(held)
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)
    return held


def sweep_until_requeued(task: AsyncTask, logs: Callable[[], str]) -> None:
    """The periodic sweep (run here rather than by beat) queues the job again once its dead
    worker's lease has run out."""
    wait_for(lambda: async_tasks.async_tasks_sweep()["requeued"], "the sweep to queue the job again", logs)
    task.refresh_from_db()
    assert task.state == "Running" and task.claimed_by == "", vars(task)


def wait_done(api: Api, reply: dict, logs: Callable[[], str]) -> dict:
    def finished() -> dict | None:
        state = api.ok("async_task/get", {"async_task_id": reply["async_task_id"]})
        return state if state["state"] != "Running" else None

    return wait_for(finished, "the job to end", logs)


@pytest.mark.parametrize("operation", ["copy", "trash", "delete"])
def test_a_job_whose_worker_is_killed_resumes_in_another_worker(
    pds_url, make_user, jwt_app, job_settings, workers, operation
):
    alice = make_api(pds_url, make_user("alice"), jwt_app, ALL)
    big = big_folder(alice, folders=30, files_each=100)
    drive = Drive.objects.get(pk=int(alice.drive_id))
    source = paths_under(drive, big)
    assert len(source) == 3030
    first = workers(chunk_size=10)
    used = Drive.objects.get(pk=drive.pk).used_size
    if operation == "copy":
        reply = alice.ok("file/copy", {"file_id": big, "to_parent_file_id": "root"}, 202)
    elif operation == "trash":
        reply = alice.ok("recyclebin/trash", {"file_id": big}, 202)
    else:
        reply = alice.ok("file/delete", {"file_id": big}, 202)
    task = task_row(reply)

    held = kill_mid_job(first, task, workers.logs)
    # The progress the page polls for: a part of the whole, the whole known from the start.
    seen = alice.ok("async_task/get", {"async_task_id": reply["async_task_id"]})
    assert seen["state"] == "Running" and seen["total_process"] == 3031
    assert 0 < seen["consumed_process"] == held.consumed_process < 3031
    sweep_until_requeued(task, workers.logs)
    workers(chunk_size=200)

    done = wait_done(alice, reply, workers.logs)
    assert done["state"] == "Succeed", done
    assert done["consumed_process"] == done["total_process"] == 3031
    task.refresh_from_db()
    assert task.attempts == 2 and task.claimed_by == "" and task.checkpoint == {}
    if operation == "copy":
        copy = File.objects.get(drive=drive, file_id=done["file_id"])
        assert copy.parent_file_id == "root" and copy.name != "big"  # auto-renamed beside the original
        assert paths_under(drive, copy.file_id) == source  # every entry copied, each exactly once
        assert paths_under(drive, big) == source
        assert Drive.objects.get(pk=drive.pk).used_size == 2 * used  # the copy's bytes counted once
    elif operation == "trash":
        assert File.objects.filter(drive=drive, trashed=False).count() == 0
        assert list(File.objects.filter(drive=drive, trash_root=True).values_list("file_id", flat=True)) == [big]
    else:
        assert not File.objects.filter(drive=drive).exists()
        assert Drive.objects.get(pk=drive.pk).used_size == 0  # every deleted byte released once


def test_a_job_whose_worker_keeps_dying_ends_failed_and_the_drive_page_says_why(
    drive_url, make_user, job_settings, workers
):
    job_settings.PDS_ASYNC_MAX_ATTEMPTS = 1
    make_user("alice", password="alice-password-1")
    browser = Browser(drive_url, sign_in(drive_url))
    api = Api(drive_url, browser.token, browser.drive_id)
    big = big_folder(api, folders=30, files_each=100)
    worker = workers(chunk_size=10)
    reply = api.ok("recyclebin/trash", {"file_id": big}, 202)
    task = task_row(reply)
    page = browser.get(f"/tasks/{reply['async_task_id']}/", allow_redirects=False)
    assert page.status_code == 200 and page.headers.get("Refresh") == "1"

    kill_mid_job(worker, task, workers.logs)
    # Tried once already: once its lease has run out, the sweep fails it rather than queue it.
    wait_for(lambda: async_tasks.async_tasks_sweep()["failed"], "the sweep to fail the job", workers.logs)

    state = api.ok("async_task/get", {"async_task_id": reply["async_task_id"]})
    assert state["state"] == "Failed" and state["error_code"] == "InternalError.AsyncTaskInterrupted", state
    assert "interrupted 1 times" in state["error_message"]
    page = browser.get(f"/tasks/{reply['async_task_id']}/", allow_redirects=False)
    assert page.status_code == 200 and "Refresh" not in page.headers  # it polls no more
    assert "interrupted 1 times" in page.text and 'role="alert"' in page.text


def test_a_job_that_keeps_raising_ends_failed_with_the_reason(
    pds_url, make_user, jwt_app, job_settings, broker, monkeypatch
):
    alice = make_api(pds_url, make_user("alice"), jwt_app, ALL)
    big = big_folder(alice, folders=1, files_each=50)
    reply = alice.ok("recyclebin/trash", {"file_id": big}, 202)
    task = task_row(reply)

    def broken_step(**kwargs) -> int:
        raise OperationalError("disk I/O error")

    monkeypatch.setitem(async_tasks.OPERATIONS, "trash", Job(plan=trash.trash_plan, step=broken_step))
    # No worker here: each run is one delivery of the job, as the retries would make them.
    for attempt in (1, 2):
        async_tasks.async_task_run(task_pk=task.pk)
        task.refresh_from_db()
        assert (task.state, task.attempts, task.claimed_by) == ("Running", attempt, ""), vars(task)
        assert task.lease_expires_at > timezone.now()  # queued again, with backoff
    async_tasks.async_task_run(task_pk=task.pk)

    state = alice.ok("async_task/get", {"async_task_id": reply["async_task_id"]})
    assert state["state"] == "Failed" and state["error_code"] == "InternalError.AsyncTaskFailed", state
    assert state["error_message"] == "The job failed 3 times; the last error was OperationalError."
    assert not File.objects.filter(trashed=True).exists()  # each failed chunk was rolled back


def test_other_users_writes_go_through_while_a_big_copy_runs(pds_url, make_user, jwt_app, job_settings, workers):
    """Before chunks, the copy of a folder this size held SQLite's write lock for seconds, and
    back-to-back chunks would still starve the writers waiting for it."""
    alice = make_api(pds_url, make_user("alice"), jwt_app, ALL)
    bob = make_api(pds_url, make_user("bob"), jwt_app, ALL)
    big = big_folder(alice, folders=20, files_each=1000)
    workers(chunk_size=500)
    reply = alice.ok("file/copy", {"file_id": big, "to_parent_file_id": "root"}, 202)
    task = task_row(reply)
    wait_for(
        lambda: AsyncTask.objects.filter(pk=task.pk, consumed_process__gt=0).exists(),
        "the copy's progress",
        workers.logs,
    )

    waits = []
    for number in range(5):
        started = time.monotonic()
        bob.folder(f"while-alice-copies-{number}")
        waits.append(round(time.monotonic() - started, 2))
    task.refresh_from_db()
    # Bob's folders were committed between chunks of the copy, not after all of it.
    assert task.state == "Running" and task.consumed_process < 20021, (vars(task), waits)
    assert max(waits) < 5, waits

    done = wait_done(alice, reply, workers.logs)
    assert done["state"] == "Succeed" and done["consumed_process"] == 20021, done
