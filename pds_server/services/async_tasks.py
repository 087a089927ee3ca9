"""Long operations on big folders: answered 202 with an async_task_id, run by a Celery
task, polled with `async_task/get`.

A job survives the death of its worker. The worker running it holds a claim on its row
(`claimed_by` until `lease_expires_at`) and renews the lease with every chunk of
PDS_ASYNC_CHUNK_SIZE rows; each chunk is one transaction, which also saves where the job
stopped (`checkpoint`) and how far it got (`consumed_process` of `total_process`), so the
database's write lock is never held for long and a chunk is either done and recorded, or
neither. When a worker dies its lease runs out, and the periodic sweep queues the job
again: the next worker resumes from the checkpoint. A job tried PDS_ASYNC_MAX_ATTEMPTS
times ends Failed, with the reason in error_code/error_message.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connections, transaction
from django.db.models import Q
from django.utils import timezone

from pds_server import errors
from pds_server.models import AsyncTask, Domain, Drive, File
from pds_server.routers import PDS_DB
from pds_server.selectors.files import descendant_ids
from pds_server.services import audit_export, trash, tree
from pds_server.services.walk import DONE, Job

log = logging.getLogger(__name__)

OPERATIONS: dict[str, Job] = {
    "trash": trash.TRASH,
    "restore": trash.RESTORE,
    "delete": trash.DELETE,
    "clear": trash.DELETE,  # no file_ids: what is in the recycle bin
    "copy": tree.COPY,
    audit_export.OPERATION: audit_export.EXPORT,  # of the domain, no drive: params without drive_id
}
# SQLite has one write lock, and a writer waiting for it polls, sleeping up to 100 ms between
# tries (sqliteDefaultBusyCallback): a pause that long between two chunks lets every waiting
# writer in, where back-to-back chunks would starve them until the job ends.
SQLITE_WRITER_GAP = 0.1
INTERRUPTED = "InternalError.AsyncTaskInterrupted"
FAILED = "InternalError.AsyncTaskFailed"


class LeaseLost(Exception):
    """Another worker took the job over (this one was thought dead): stop, keep nothing."""


def is_big(*, drive: Drive, file_ids: list[str]) -> bool:
    folders = list(
        File.objects.filter(drive=drive, file_id__in=file_ids, type=File.Type.FOLDER).values_list("file_id", flat=True)
    )
    return bool(folders) and descendant_ids(drive=drive, folder_ids=folders, limit=settings.PDS_ASYNC_THRESHOLD) is None


def lease_end(*, after: int = 0) -> datetime:
    return timezone.now() + timedelta(seconds=settings.PDS_ASYNC_LEASE_SECONDS + after)


def enqueue(task_pk: int, *, countdown: int = 0) -> None:
    from pds_server.tasks import run_async_task

    transaction.on_commit(lambda: run_async_task.apply_async((task_pk,), countdown=countdown), using=PDS_DB)


def async_task_start(
    *, drive: Drive | None, user_id: str, operation: str, params: dict, domain: Domain | None = None
) -> AsyncTask:
    """A job on `drive`, or (drive None) on the whole `domain`, such as an audit log export."""
    domain = drive.domain if drive is not None else domain
    assert domain is not None, "a job needs its drive or its domain"
    # Unclaimed, with a lease: if no worker claims it in time (its message was lost), the
    # sweep queues it again.
    task = AsyncTask.objects.create(
        async_task_id=uuid.uuid4().hex,
        domain=domain,
        user_id=user_id,
        operation=operation,
        params={"drive_id": drive.pk, **params} if drive is not None else params,
        total_process=1,
        lease_expires_at=lease_end(),
    )
    enqueue(task.pk)
    return task


def async_task_finished(*, drive: Drive, user_id: str, operation: str, result: dict) -> AsyncTask:
    """For operations answered 202 (recyclebin/clear) that were small enough to do at once."""
    return AsyncTask.objects.create(
        async_task_id=uuid.uuid4().hex,
        domain=drive.domain,
        user_id=user_id,
        operation=operation,
        state=AsyncTask.State.SUCCEED,
        total_process=1,
        consumed_process=1,
        result=result,
    )


def worker_name() -> str:
    """This run of a job: one process may run a job again after a failure."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def held_task(*, task_pk: int, worker: str) -> AsyncTask | None:
    """The job's row, locked, if `worker` still holds it. Call inside a transaction."""
    return (
        AsyncTask.objects.select_for_update()
        .filter(pk=task_pk, state=AsyncTask.State.RUNNING, claimed_by=worker)
        .first()
    )


def fail(task: AsyncTask, *, code: str, message: str) -> None:
    task.state, task.error_code, task.error_message = AsyncTask.State.FAILED, code, message
    task.claimed_by, task.lease_expires_at = "", None
    task.save()
    log.warning("async task %s failed: %s %s", task.async_task_id, code, message)


def interrupted_message(attempts: int) -> str:
    return f"The job was interrupted {attempts} times (its worker stopped) and was given up."


def async_task_claim(*, task_pk: int, worker: str) -> AsyncTask | None:
    """Take the job for `worker` unless a live worker holds it or it is over; a job already
    tried PDS_ASYNC_MAX_ATTEMPTS times is failed instead (safe to deliver twice)."""
    with transaction.atomic(using=PDS_DB):
        task = AsyncTask.objects.select_for_update().filter(pk=task_pk, state=AsyncTask.State.RUNNING).first()
        if task is None:
            return None
        if task.claimed_by and task.lease_expires_at is not None and task.lease_expires_at > timezone.now():
            return None
        if task.attempts >= settings.PDS_ASYNC_MAX_ATTEMPTS:
            fail(task, code=INTERRUPTED, message=interrupted_message(task.attempts))
            return None
        task.claimed_by, task.attempts, task.lease_expires_at = worker, task.attempts + 1, lease_end()
        task.save(update_fields=["claimed_by", "attempts", "lease_expires_at", "updated_at"])
    return task


def async_task_run(*, task_pk: int) -> None:
    """Claim the job and run it a chunk per transaction from where it stopped."""
    worker = worker_name()
    task = async_task_claim(task_pk=task_pk, worker=worker)
    if task is None:
        return
    try:
        job = OPERATIONS.get(task.operation)
        if job is None:
            raise errors.InvalidParameter(f"unknown operation {task.operation}")
        drive = Drive.objects.get(pk=task.params["drive_id"]) if "drive_id" in task.params else None
        params = {**task.params, "user_id": task.user_id}
        state = dict(task.checkpoint) or job.plan(drive=drive, params=params)
        while task.state == AsyncTask.State.RUNNING:
            with transaction.atomic(using=PDS_DB):
                held = held_task(task_pk=task_pk, worker=worker)
                if held is None:
                    raise LeaseLost
                task = held
                task.consumed_process += job.step(
                    drive=drive, params=params, state=state, size=settings.PDS_ASYNC_CHUNK_SIZE
                )
                task.total_process = max(state["total"], task.consumed_process, 1)
                task.checkpoint, task.lease_expires_at = state, lease_end()
                if state["phase"] == DONE:
                    task.state, task.result = AsyncTask.State.SUCCEED, state.get("result", {})
                    task.total_process = task.consumed_process = max(task.consumed_process, 1)
                    task.claimed_by, task.lease_expires_at, task.checkpoint = "", None, {}
                task.save()
            if task.state == AsyncTask.State.RUNNING and connections[PDS_DB].vendor == "sqlite":
                time.sleep(SQLITE_WRITER_GAP)
    except LeaseLost:
        log.warning("async task %s was taken over by another worker", task.async_task_id)
    except errors.PdsError as error:
        give_up(task_pk=task_pk, worker=worker, code=error.code, message=error.message)
    except (File.DoesNotExist, Drive.DoesNotExist):
        give_up(task_pk=task_pk, worker=worker, code="NotFound.File", message="The file no longer exists.")
    except Exception as error:
        log.exception("async task %s failed", task.async_task_id)
        retry_later(task_pk=task_pk, worker=worker, error=error)


def give_up(*, task_pk: int, worker: str, code: str, message: str) -> None:
    with transaction.atomic(using=PDS_DB):
        task = held_task(task_pk=task_pk, worker=worker)
        if task is not None:
            fail(task, code=code, message=message)


def retry_later(*, task_pk: int, worker: str, error: Exception) -> None:
    """An unexpected error (the database busy, a bug): try again later with backoff, from
    the checkpoint, until the attempts run out."""
    with transaction.atomic(using=PDS_DB):
        task = held_task(task_pk=task_pk, worker=worker)
        if task is None:
            return
        if task.attempts >= settings.PDS_ASYNC_MAX_ATTEMPTS:
            message = f"The job failed {task.attempts} times; the last error was {type(error).__name__}."
            fail(task, code=FAILED, message=message)
            return
        delay = min(2**task.attempts, 60)
        task.claimed_by, task.lease_expires_at = "", lease_end(after=delay)
        task.save(update_fields=["claimed_by", "lease_expires_at", "updated_at"])
        enqueue(task.pk, countdown=delay)


def async_tasks_sweep() -> dict[str, int]:
    """Periodic: a running job whose lease ran out lost its worker (or its queued message):
    queue it again, or fail it once it was tried PDS_ASYNC_MAX_ATTEMPTS times."""
    now = timezone.now()
    stale = AsyncTask.objects.filter(state=AsyncTask.State.RUNNING).filter(
        Q(lease_expires_at__lt=now) | Q(lease_expires_at__isnull=True)
    )
    swept = {"requeued": 0, "failed": 0}
    for task_pk in list(stale.values_list("pk", flat=True)):
        with transaction.atomic(using=PDS_DB):
            task = stale.select_for_update().filter(pk=task_pk).first()
            if task is None:
                continue
            if task.attempts >= settings.PDS_ASYNC_MAX_ATTEMPTS:
                fail(task, code=INTERRUPTED, message=interrupted_message(task.attempts))
                swept["failed"] += 1
                continue
            task.claimed_by, task.lease_expires_at = "", lease_end()
            task.save(update_fields=["claimed_by", "lease_expires_at", "updated_at"])
            enqueue(task.pk)
            swept["requeued"] += 1
            log.warning("async task %s lost its worker: queued again", task.async_task_id)
    return swept
