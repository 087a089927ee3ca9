"""Long operations on big folders: answered 202 with an async_task_id, run by a Celery
task, polled with `async_task/get`."""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.db import transaction

from pds_server import errors
from pds_server.models import AsyncTask, Drive, File
from pds_server.routers import PDS_DB
from pds_server.selectors.files import descendant_ids
from pds_server.services import trash, tree

log = logging.getLogger(__name__)


def is_big(*, drive: Drive, file_ids: list[str]) -> bool:
    folders = list(
        File.objects.filter(drive=drive, file_id__in=file_ids, type=File.Type.FOLDER).values_list("file_id", flat=True)
    )
    return bool(folders) and descendant_ids(drive=drive, folder_ids=folders, limit=settings.PDS_ASYNC_THRESHOLD) is None


def async_task_start(*, drive: Drive, user_id: str, operation: str, params: dict) -> AsyncTask:
    task = AsyncTask.objects.create(
        async_task_id=uuid.uuid4().hex,
        domain=drive.domain,
        user_id=user_id,
        operation=operation,
        params={"drive_id": drive.pk, **params},
        total_process=1,
    )
    from pds_server.tasks import run_async_task

    transaction.on_commit(lambda: run_async_task.delay(task.pk), using=PDS_DB)
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


def async_task_run(*, task_pk: int) -> None:
    """Run once: a task already finished is left alone (safe to deliver twice)."""
    task = AsyncTask.objects.filter(pk=task_pk).first()
    if task is None or task.state != AsyncTask.State.RUNNING:
        return
    drive = Drive.objects.get(pk=task.params["drive_id"])
    params = task.params
    try:
        if task.operation == "trash":
            count = trash.file_trash(drive=drive, file_ids=params["file_ids"])
        elif task.operation == "restore":
            count = trash.file_restore(drive=drive, item=File.objects.get(drive=drive, file_id=params["file_id"]))
        elif task.operation == "delete":
            count = trash.file_delete(drive=drive, file_ids=params["file_ids"])
        elif task.operation == "clear":
            count = trash.recyclebin_clear(drive=drive)
        elif task.operation == "copy":
            to_drive = Drive.objects.get(pk=params["to_drive_id"])
            item = File.objects.get(drive=drive, file_id=params["file_id"])
            copy = tree.file_copy(
                drive=drive,
                item=item,
                to_drive=to_drive,
                to_parent_file_id=params["to_parent_file_id"],
                auto_rename=params["auto_rename"],
                creator=task.user_id,
            )
            task.result = {"file_id": copy.file_id, "drive_id": to_drive.drive_id}
            count = 1
        else:
            raise errors.InvalidParameter(f"unknown operation {task.operation}")
    except errors.PdsError as error:
        task.state, task.error_code, task.error_message = AsyncTask.State.FAILED, error.code, error.message
    except File.DoesNotExist:
        task.state, task.error_code, task.error_message = (
            AsyncTask.State.FAILED,
            "NotFound.File",
            "The file no longer exists.",
        )
    else:
        task.state = AsyncTask.State.SUCCEED
        task.total_process = task.consumed_process = max(count, 1)
    task.save()
