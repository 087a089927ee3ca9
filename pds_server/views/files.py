"""`/v2/file/*` reads and changes of the tree. Every handler is batchable: `/v2/batch`
dispatches sub-requests to these very handlers."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import analysis as analysis_selectors
from pds_server.selectors import files as file_selectors
from pds_server.serializers import download_url_to_pds, file_job_to_pds, file_moved_to_pds, page_to_pds
from pds_server.serializers.analysis import analysis_to_pds
from pds_server.services import async_tasks, downloads, search, shares, tree
from pds_server.services.access import Actor, Can, action_list, drive_grant
from pds_server.services.pagination import ordering_for
from pds_server.views.common import caller_file, caller_grant, check_name_mode, readable_file, serialize


@pds_endpoint("/v2/file/list", scope="FILE.LIST", auth="share", batchable=True)
def file_list(request: HttpRequest, caller: Caller, body: dict):
    ordering = ordering_for(parse_str(body, "order_by"), parse_str(body, "order_direction"))
    limit = parse_limit(body, default=100, maximum=200)
    marker = parse_str(body, "marker")
    kind, category, status = parse_str(body, "type"), parse_str(body, "category"), parse_str(body, "status")
    if caller.share is not None:
        items, next_marker = file_selectors.shared_file_list(
            share=caller.share,
            parent_file_id=parse_str(body, "parent_file_id", default="root"),
            type_=kind,
            ordering=ordering,
            limit=limit,
            marker=marker,
        )
    else:
        grant = caller_grant(caller, body)
        parent_file_id = parse_str(body, "parent_file_id", required=True)
        can = grant.require_folder(parent_file_id, Can.LIST)
        items, next_marker = file_selectors.file_list(
            drive=grant.drive,
            parent_file_id=parent_file_id,
            ordering=ordering,
            limit=limit,
            marker=marker,
            type_=kind,
            category=category,
            status=status,
        )
        return page_to_pds([serialize(caller, item, body, can=can) for item in items], next_marker)
    return page_to_pds([serialize(caller, item, body, caller.share) for item in items], next_marker)


@pds_endpoint("/v2/file/get", scope="FILE.GET", auth="share", batchable=True)
def file_get(request: HttpRequest, caller: Caller, body: dict):
    if caller.share is not None:
        return serialize(caller, readable_file(caller, body), body, caller.share)
    grant, item = caller_file(caller, body, Can.LIST)
    can = grant.capabilities(item)
    answer = {**serialize(caller, item, body, can=can), "action_list": action_list(can)}
    # What local models found (tags, text): on file/get only — a list would pay a query per row;
    # and to those who may see the picture (an upload-only role must not read its text).
    analysis = analysis_selectors.analysis_of_file(item) if Can.PREVIEW in can else None
    if analysis is not None and "image_media_metadata" in answer:
        answer["image_media_metadata"].update(analysis_to_pds(analysis))
    return answer


@pds_endpoint("/v2/file/get_by_path", scope="FILE.GET", batchable=True)
def file_get_by_path(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    item = file_selectors.file_get_by_path(drive=grant.drive, file_path=parse_str(body, "file_path", required=True))
    return serialize(caller, item, body, can=grant.require(item, Can.LIST))


@pds_endpoint("/v2/file/search", scope="FILE.LIST", batchable=True)
def file_search(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    items, next_marker, total = file_selectors.file_search(
        drive=grant.drive,
        condition=search.parse_query(parse_str(body, "query", default=""), drive_pk=grant.drive.pk),
        ordering=search.parse_order_by(parse_str(body, "order_by")),
        limit=parse_limit(body, default=50, maximum=100),
        marker=parse_str(body, "marker"),
        with_total=parse_bool(body.get("return_total_count"), "return_total_count"),
    )
    found = [(item, grant.capabilities(item)) for item in items]
    if not grant.everything:  # someone else's drive: only what their roles reach
        # Matching by what the models read in a photo tells its content: only to those who may see it.
        needed = Can.PREVIEW if search.uses_analysis(parse_str(body, "query", default="")) else Can.LIST
        found, total = [(item, can) for item, can in found if Can.LIST in can and needed in can], None
    answer = page_to_pds([serialize(caller, item, body, can=can) for item, can in found], next_marker)
    if total is not None:
        answer["total_count"] = total
    return answer


@pds_endpoint("/v2/file/get_download_url", scope="FILE.GET", auth="share", batchable=True)
def file_get_download_url(request: HttpRequest, caller: Caller, body: dict):
    item = readable_file(caller, body, Can.DOWNLOAD)
    if item.is_folder:
        raise errors.InvalidParameter("A folder has no download URL.", code="InvalidParameter.FileId")
    if caller.share is not None:
        shares.count_download(caller.share)
    expire_sec = parse_int(body, "expire_sec", default=downloads.DEFAULT_EXPIRE_SEC) or 0
    if not 1 <= expire_sec <= downloads.MAX_EXPIRE_SEC:
        raise errors.InvalidParameter("expire_sec must be 1-115200", code="InvalidParameter.ExpireSec")
    url, expires = downloads.download_url(
        base_url=caller.base_url,
        item=item,
        expire_sec=expire_sec,
        file_name=parse_str(body, "file_name", max_length=1024),
        response_content_type=parse_str(body, "response_content_type", max_length=255),
    )
    answer = download_url_to_pds(item, url=url, expires=expires)
    if caller.share is None and caller.token is not None:
        # An extension for the drive app behind the same nginx (PDS_XACCEL_TRUSTED_APP_IDS).
        location = downloads.blob_location(item=item, app_id=caller.token.app.app_id)
        if location:
            answer["x_accel_uri"] = location
    return answer


@pds_endpoint("/v2/file/update", scope="FILE.UPDATE", batchable=True)
def file_update(request: HttpRequest, caller: Caller, body: dict):
    grant, item = caller_file(caller, body, Can.EDIT, allow_trashed=False)
    drive = grant.drive
    fields = {
        "name": body.get("name"),
        "description": parse_str(body, "description", max_length=1024) if "description" in body else None,
        "starred": parse_bool(body.get("starred"), "starred") if body.get("starred") is not None else None,
        "hidden": parse_bool(body.get("hidden"), "hidden") if body.get("hidden") is not None else None,
        "local_modified_at": parse_str(body, "local_modified_at", max_length=32) or None,
        "user_tags": body.get("user_tags"),
    }
    updated = tree.file_update(drive=drive, item=item, fields=fields, check_name_mode=check_name_mode(body, "refuse"))
    return serialize(caller, updated, body)


@pds_endpoint("/v2/file/move", scope="FILE.MOVE", batchable=True)
def file_move(request: HttpRequest, caller: Caller, body: dict):
    grant, item = caller_file(caller, body, Can.EDIT, allow_trashed=False)
    drive = grant.drive
    to_parent_file_id = parse_str(body, "to_parent_file_id", required=True)
    grant.require_folder(to_parent_file_id, Can.UPLOAD)
    if body.get("to_drive_id") and str(body["to_drive_id"]) != drive.drive_id:
        raise errors.InvalidParameter(
            "Moving between drives is not supported; copy instead.", code="InvalidParameter.ToDriveId"
        )
    moved, existed = tree.file_move(
        drive=drive,
        item=item,
        to_parent_file_id=to_parent_file_id,
        check_name_mode=check_name_mode(body, "refuse" if not body.get("auto_rename") else "auto_rename"),
        new_name=body.get("new_name"),
    )
    return file_moved_to_pds(moved, existed=existed)


@pds_endpoint("/v2/file/copy", scope="FILE.COPY", auth="share", batchable=True)
def file_copy(request: HttpRequest, caller: Caller, body: dict):
    if caller.share is not None:
        user = caller.user
        if user is None:
            raise errors.AccessTokenInvalid("Saving from a share needs your own access token too.")
        source_drive = caller.share.drive
        item = file_selectors.shared_file(share=caller.share, file_id=parse_str(body, "file_id", required=True))
        to_grant = (
            caller_grant(caller, body, "to_drive_id")
            if body.get("to_drive_id")
            else drive_grant(
                actor=Actor(domain=caller.domain, user=user, is_admin=False), drive_id=user.default_drive_id
            )
        )
        shares.count_save(caller.share)
    else:
        source_grant, item = caller_file(caller, body, Can.DOWNLOAD, allow_trashed=False)
        source_drive = source_grant.drive
        to_grant = caller_grant(caller, body, "to_drive_id") if body.get("to_drive_id") else source_grant
    to_drive = to_grant.drive
    to_parent = parse_str(body, "to_parent_file_id", required=True)
    to_grant.require_folder(to_parent, Can.UPLOAD)
    auto_rename = parse_bool(body.get("auto_rename"), "auto_rename", default=True)
    if async_tasks.is_big(drive=source_drive, file_ids=[item.file_id]):
        task = async_tasks.async_task_start(
            drive=source_drive,
            user_id=caller.user_id,
            operation="copy",
            params={
                "file_id": item.file_id,
                "to_drive_id": to_drive.pk,
                "to_parent_file_id": to_parent,
                "auto_rename": auto_rename,
            },
        )
        return 202, file_job_to_pds(drive=to_drive, async_task_id=task.async_task_id)
    copy = tree.file_copy(
        drive=source_drive,
        item=item,
        to_drive=to_drive,
        to_parent_file_id=to_parent,
        auto_rename=auto_rename,
        creator=caller.user_id,
    )
    return 201, file_job_to_pds(drive=to_drive, file_id=copy.file_id)
