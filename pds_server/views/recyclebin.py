"""`/v2/file/delete`, `/v2/recyclebin/*`, `/v2/async_task/get` and `/v2/batch`. Work on big
folders answers 202 with an async task that the Celery worker runs."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.batch import batch_dispatch
from pds_server.models import Drive, File
from pds_server.selectors import async_task_get as async_task_read
from pds_server.selectors.files import recyclebin_list as recyclebin_page
from pds_server.selectors.files import recyclebin_root_ids
from pds_server.serializers import async_task_to_pds, file_job_to_pds, page_to_pds, recyclebin_cleared_to_pds
from pds_server.services import async_tasks, trash
from pds_server.services.access import Can
from pds_server.views.common import caller_file, caller_grant, serialize

BIG_RECYCLEBIN = 1000  # trashed roots beyond which clearing always runs in the worker


def maybe_async(caller: Caller, drive: Drive, operation: str, file_id: str, params: dict, run: Callable[[], object]):
    if async_tasks.is_big(drive=drive, file_ids=[file_id]):
        task = async_tasks.async_task_start(drive=drive, user_id=caller.user_id, operation=operation, params=params)
        return 202, file_job_to_pds(drive=drive, file_id=file_id, async_task_id=task.async_task_id)
    run()
    return 204, None


@pds_endpoint("/v2/file/delete", scope="FILE.DELETE", batchable=True)
def file_delete(request: HttpRequest, caller: Caller, body: dict):
    # A file still uploading may be deleted by whoever began the upload: that cancels the
    # upload and releases its quota reservation at once. Anything else is gone for good:
    # the owner's call (Can.MANAGE), not every editor's, who may trash it.
    grant, item = caller_file(caller, body, Can.LIST, allow_uploading=True)
    drive = grant.drive
    if item.status == File.Status.UPLOADING:
        if item.creator != caller.user_id and not caller.is_admin:
            raise errors.NotFound("File")
        grant.require(item, Can.UPLOAD)
    else:
        grant.require(item, Can.MANAGE)
    ids = [item.file_id]
    return maybe_async(
        caller, drive, "delete", item.file_id, {"file_ids": ids}, lambda: trash.file_delete(drive=drive, file_ids=ids)
    )


@pds_endpoint("/v2/recyclebin/trash", scope="FILE.DELETE", batchable=True)
def recyclebin_trash(request: HttpRequest, caller: Caller, body: dict):
    grant, item = caller_file(caller, body, Can.DELETE)
    drive = grant.drive
    if item.trashed:
        return 204, None
    ids = [item.file_id]
    return maybe_async(
        caller, drive, "trash", item.file_id, {"file_ids": ids}, lambda: trash.file_trash(drive=drive, file_ids=ids)
    )


@pds_endpoint("/v2/recyclebin/restore", scope="FILE.RESTORE", batchable=True)
def recyclebin_restore(request: HttpRequest, caller: Caller, body: dict):
    grant, item = caller_file(caller, body, Can.DELETE)
    drive = grant.drive
    params = {"file_id": item.file_id}
    return maybe_async(
        caller, drive, "restore", item.file_id, params, lambda: trash.file_restore(drive=drive, item=item)
    )


@pds_endpoint("/v2/recyclebin/list", scope="FILE.LIST", batchable=True)
def recyclebin_list(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    grant.require(None, Can.LIST)  # the whole drive's bin: a role on its root
    drive = grant.drive
    items, next_marker = recyclebin_page(
        drive=drive, limit=parse_limit(body, default=50, maximum=200), marker=parse_str(body, "marker")
    )
    return page_to_pds([serialize(caller, item, body) for item in items], next_marker)


@pds_endpoint("/v2/recyclebin/clear", scope="FILE.DELETE", batchable=True)
def recyclebin_clear(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    grant.require(None, Can.MANAGE)
    drive = grant.drive
    roots = recyclebin_root_ids(drive=drive)
    if async_tasks.is_big(drive=drive, file_ids=roots) or len(roots) > BIG_RECYCLEBIN:
        task = async_tasks.async_task_start(drive=drive, user_id=caller.user_id, operation="clear", params={})
    else:
        count = trash.recyclebin_clear(drive=drive)
        task = async_tasks.async_task_finished(
            drive=drive, user_id=caller.user_id, operation="clear", result={"deleted": count}
        )
    return 202, recyclebin_cleared_to_pds(drive, task)


@pds_endpoint("/v2/async_task/get", scope="FILE.GET", batchable=True)
def async_task_get(request: HttpRequest, caller: Caller, body: dict):
    task = async_task_read(actor=caller.actor, async_task_id=parse_str(body, "async_task_id", required=True))
    return async_task_to_pds(task)


@pds_endpoint("/v2/batch", scope=None)
def batch(request: HttpRequest, caller: Caller, body: dict):
    """Up to 100 sub-requests, each dispatched to the same handler as its own endpoint."""
    requests = body.get("requests")
    if not isinstance(requests, list) or not 1 <= len(requests) <= 100:
        raise errors.InvalidParameter("requests must hold 1-100 items", code="InvalidParameter.Requests")
    return {"responses": batch_dispatch(request, caller, requests)}
