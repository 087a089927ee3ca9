"""`/v2/file/*`, `/v2/recyclebin/*`, `/v2/async_task/get` and `/v2/batch`.

Every handler is registered by path, so `batch` dispatches sub-requests to the very same
handlers. Handlers parse the wire format and call services; they hold no policy.
"""

from __future__ import annotations

import functools
from datetime import datetime, timezone
from typing import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.views.decorators.csrf import csrf_exempt

from pds_server import errors, signing
from pds_server.api import (
    Caller,
    bearer_token_from,
    error_response,
    has_scope,
    iso_ms,
    json_response,
    method_not_allowed,
    parse_bool,
    parse_int,
    parse_json_body,
    parse_limit,
    parse_str,
)
from pds_server.models import AsyncTask, File
from pds_server.serializers import file_to_pds
from pds_server.services import async_tasks, downloads, files, search, shares, uploads
from pds_server.services.tokens import access_token_authenticate

HANDLERS: dict[str, tuple[str, bool, Callable]] = {}
ROUTES: list[tuple[str, Callable]] = []
CHECK_NAME_MODES = ("ignore", "auto_rename", "refuse", "overwrite")


def authenticate(request: HttpRequest, body: dict, *, scope: str, share_ok: bool) -> Caller:
    caller = Caller(domain=request.pds_domain)
    share_token = request.headers.get("x-share-token")
    if share_ok and share_token and body.get("share_id"):
        caller.share = shares.share_for_token(share_id=body["share_id"], token=share_token)
        if caller.share.drive.domain_id != caller.domain.pk:
            raise errors.NotFound("ShareLink")
        raw = bearer_token_from(request)
        if raw:  # a visitor saving a copy also brings their own token
            caller.raw_token = raw
            caller.token = access_token_authenticate(domain=caller.domain, raw_token=raw)
        return caller
    caller.raw_token = bearer_token_from(request) or ""
    caller.token = access_token_authenticate(domain=caller.domain, raw_token=caller.raw_token)
    if not has_scope(caller.token.scopes, scope):
        raise errors.Forbidden(f"The access token lacks the scope {scope}.", code="ForbiddenNoPermission")
    return caller


def respond(result) -> HttpResponse:
    if isinstance(result, HttpResponse):
        return result
    status, payload = result if isinstance(result, tuple) else (200, result)
    return json_response(payload, status)


def file_endpoint(path: str, scope: str, *, share_ok: bool = False):
    def decorate(handler: Callable) -> Callable:
        HANDLERS[path] = (scope, share_ok, handler)

        @csrf_exempt
        @functools.wraps(handler)
        def view(request: HttpRequest) -> HttpResponse:
            if request.method != "POST":
                return method_not_allowed("POST")
            try:
                body = parse_json_body(request)
                caller = authenticate(request, body, scope=scope, share_ok=share_ok)
                return respond(handler(request, caller, body))
            except errors.PdsError as error:
                return error_response(error)

        ROUTES.append((path, view))
        return view

    return decorate


def caller_drive(caller: Caller, body: dict, field: str = "drive_id"):
    return files.drive_for(user=caller.user, is_admin=caller.is_admin, domain=caller.domain, drive_id=body.get(field))


def check_name_mode(body: dict, default: str = "ignore") -> str:
    mode = parse_str(body, "check_name_mode", default=default)
    if mode not in CHECK_NAME_MODES:
        raise errors.InvalidParameter(f"check_name_mode must be one of {', '.join(CHECK_NAME_MODES)}", code="InvalidParameter.CheckNameMode")
    return mode


def file_ids_of(body: dict) -> list[str]:
    file_id = parse_str(body, "file_id", required=True, max_length=50)
    return [file_id]


def thumbnail_processes(body: dict) -> dict | None:
    processes = body.get("thumbnail_processes")
    if processes is None and body.get("image_thumbnail_process"):
        processes = {"thumbnail": {"image_thumbnail_process": body["image_thumbnail_process"]}}
    return processes if isinstance(processes, dict) else None


def serialize(request, item: File, body: dict, share=None) -> dict:
    if share is not None:
        # Through a share: no signed URLs in listings (downloads go through get_download_url,
        # which counts them), and no thumbnails when previews are disabled.
        processes = None if share.disable_preview else thumbnail_processes(body)
        return file_to_pds(item, request=request, fields="", thumbnail_processes=processes)
    return file_to_pds(item, request=request, fields=parse_str(body, "fields"), thumbnail_processes=thumbnail_processes(body), url_expire_sec=parse_int(body, "url_expire_sec", default=900) or 900)


# --- Reading ----------------------------------------------------------------------------------------


@file_endpoint("/v2/file/list", "FILE.LIST", share_ok=True)
def file_list(request, caller: Caller, body: dict):
    ordering = files.ordering_for(parse_str(body, "order_by"), parse_str(body, "order_direction"))
    limit = parse_limit(body, default=100, maximum=200)
    marker = parse_str(body, "marker")
    kind, category, status = parse_str(body, "type"), parse_str(body, "category"), parse_str(body, "status")
    if caller.share is not None:
        drive = caller.share.drive
        parent_id, only_ids = shares.shared_folder_ids(share=caller.share, parent_file_id=parse_str(body, "parent_file_id", default="root"))
        rows = File.objects.filter(drive=drive, parent_file_id=parent_id, trashed=False, status=File.Status.AVAILABLE)
        if only_ids is not None:
            rows = rows.filter(file_id__in=only_ids)
        if kind:
            rows = rows.filter(type=kind)
        items, next_marker = files.page(rows, ordering=ordering, limit=limit, marker=marker)
    else:
        drive = caller_drive(caller, body)
        items, next_marker = files.file_list(
            drive=drive, parent_file_id=parse_str(body, "parent_file_id", required=True), ordering=ordering,
            limit=limit, marker=marker, type_=kind, category=category, status=status,
        )
    return {"items": [serialize(request, item, body, caller.share) for item in items], "next_marker": next_marker}


def _readable_file(caller: Caller, body: dict) -> File:
    if caller.share is not None:
        return shares.shared_file(share=caller.share, file_id=parse_str(body, "file_id", required=True))
    return files.file_get(drive=caller_drive(caller, body), file_id=parse_str(body, "file_id", required=True, max_length=50))


@file_endpoint("/v2/file/get", "FILE.GET", share_ok=True)
def file_get(request, caller: Caller, body: dict):
    return serialize(request, _readable_file(caller, body), body, caller.share)


@file_endpoint("/v2/file/get_by_path", "FILE.GET")
def file_get_by_path(request, caller: Caller, body: dict):
    item = files.file_get_by_path(drive=caller_drive(caller, body), file_path=parse_str(body, "file_path", required=True))
    return serialize(request, item, body)


@file_endpoint("/v2/file/search", "FILE.LIST")
def file_search(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    condition = search.parse_query(parse_str(body, "query", default=""))
    ordering = search.parse_order_by(parse_str(body, "order_by"))
    rows = File.objects.filter(drive=drive, trashed=False, status=File.Status.AVAILABLE).filter(condition)
    items, next_marker = files.page(rows, ordering=ordering, limit=parse_limit(body, default=50, maximum=100), marker=parse_str(body, "marker"))
    answer = {"items": [serialize(request, item, body) for item in items], "next_marker": next_marker}
    if parse_bool(body.get("return_total_count"), "return_total_count"):
        answer["total_count"] = rows.count()
    return answer


@file_endpoint("/v2/file/get_download_url", "FILE.GET", share_ok=True)
def file_get_download_url(request, caller: Caller, body: dict):
    item = _readable_file(caller, body)
    if item.is_folder:
        raise errors.InvalidParameter("A folder has no download URL.", code="InvalidParameter.FileId")
    if caller.share is not None:
        shares.count_download(caller.share)
    expire_sec = parse_int(body, "expire_sec", default=downloads.DEFAULT_EXPIRE_SEC)
    if not 1 <= expire_sec <= downloads.MAX_EXPIRE_SEC:
        raise errors.InvalidParameter("expire_sec must be 1-115200", code="InvalidParameter.ExpireSec")
    url, expires = downloads.download_url(
        request, item=item, expire_sec=expire_sec, file_name=parse_str(body, "file_name", max_length=1024),
        response_content_type=parse_str(body, "response_content_type", max_length=255),
    )
    return {
        "url": url, "internal_url": url, "cdn_url": "", "method": "GET",
        "expiration": iso_ms(datetime.fromtimestamp(expires, tz=timezone.utc)),
        "size": item.size, "content_hash": item.content_hash, "content_hash_name": item.content_hash_name, "crc64_hash": item.crc64_hash,
    }


def file_download(request: HttpRequest) -> HttpResponse:
    """GET /v2/file/download?drive_id&file_id: redirect to a signed URL (or its thumbnail)."""
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed("GET")
    try:
        query = request.GET.dict()
        caller = authenticate(request, query, scope="FILE.GET", share_ok=True)
        item = _readable_file(caller, query)
        if query.get("image_thumbnail_process") and item.category == "image":
            return HttpResponseRedirect(downloads.thumbnail_url(request, item=item, process=query["image_thumbnail_process"]))
        if caller.share is not None:
            shares.count_download(caller.share)
        url, _ = downloads.download_url(request, item=item, expire_sec=downloads.DEFAULT_EXPIRE_SEC)
        return HttpResponseRedirect(url)
    except errors.PdsError as error:
        return error_response(error)


# --- Creating and uploading --------------------------------------------------------------------


@file_endpoint("/v2/file/create", "FILE.CREATE")
def file_create(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    kind = parse_str(body, "type", required=True)
    name = body.get("name")
    parent_file_id = parse_str(body, "parent_file_id", required=True)
    mode = check_name_mode(body)
    if parse_bool(body.get("auto_rename"), "auto_rename"):  # legacy spelling
        mode = "auto_rename"
    creator = caller.user.user_id if caller.user else ""
    if kind == File.Type.FOLDER:
        folder, existed = files.folder_create(
            drive=drive, parent_file_id=parent_file_id, name=name, check_name_mode=mode, creator=creator,
            description=parse_str(body, "description"), hidden=parse_bool(body.get("hidden"), "hidden"),
        )
        return 201, {
            "domain_id": drive.domain.domain_id, "drive_id": drive.drive_id, "file_id": folder.file_id, "file_name": folder.name,
            "parent_file_id": folder.parent_file_id, "type": "folder", "status": folder.status, "exist": existed, "upload_id": "", "rapid_upload": False,
        }
    if kind != File.Type.FILE:
        raise errors.InvalidParameter("type must be file or folder", code="InvalidParameter.Type")
    part_info_list = body.get("part_info_list") or []
    if not isinstance(part_info_list, list) or not all(isinstance(part, dict) for part in part_info_list):
        raise errors.InvalidParameter("part_info_list must be a list of objects", code="InvalidParameter.PartInfoList")
    part_numbers = [parse_int(part, "part_number", minimum=1) for part in part_info_list] or [1]  # empty means one part
    proof_code = body.get("proof_code") if isinstance(body.get("proof_code"), str) else None
    request_data = uploads.FileCreateRequest(
        drive=drive, user=caller.user, parent_file_id=parent_file_id, name=name, size=parse_int(body, "size", minimum=0),
        part_numbers=part_numbers, check_name_mode=mode, content_hash=parse_str(body, "content_hash", max_length=40),
        content_hash_name=parse_str(body, "content_hash_name"), pre_hash=parse_str(body, "pre_hash", max_length=40),
        proof_code=proof_code, proof_version=parse_str(body, "proof_version"), raw_access_token=caller.raw_token,
        description=parse_str(body, "description"), hidden=parse_bool(body.get("hidden"), "hidden"),
        local_created_at=parse_str(body, "local_created_at", max_length=32), local_modified_at=parse_str(body, "local_modified_at", max_length=32),
    )
    return uploads.file_create(request, request_data)


def _upload(caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    return uploads.upload_for(drive=drive, file_id=parse_str(body, "file_id", required=True), upload_id=parse_str(body, "upload_id", required=True))


@file_endpoint("/v2/file/get_upload_url", "FILE.CREATE")
def file_get_upload_url(request, caller: Caller, body: dict):
    upload = _upload(caller, body)
    requested = body.get("part_info_list") or [{"part_number": n} for n in range(1, upload.part_count + 1)]
    numbers = [parse_int(part, "part_number", minimum=1) for part in requested if isinstance(part, dict)]
    return {
        "domain_id": caller.domain.domain_id, "drive_id": upload.file.drive.drive_id, "file_id": upload.file.file_id, "upload_id": upload.upload_id,
        "create_at": iso_ms(upload.created_at), "part_info_list": uploads.upload_urls_reissue(request, upload=upload, part_numbers=numbers),
    }


@file_endpoint("/v2/file/list_uploaded_parts", "FILE.CREATE")
def file_list_uploaded_parts(request, caller: Caller, body: dict):
    upload = _upload(caller, body)
    parts, next_marker = uploads.uploaded_parts(upload=upload, limit=parse_limit(body, default=1000, maximum=1000), part_number_marker=parse_int(body, "part_number_marker", default=0) or 0)
    return {
        "file_id": upload.file.file_id, "upload_id": upload.upload_id, "parallel_upload": False,
        "uploaded_parts": [{"part_number": part.part_number, "part_size": part.size, "etag": part.etag} for part in parts],
        "next_part_number_marker": str(next_marker) if next_marker else "",
    }


@file_endpoint("/v2/file/complete", "FILE.CREATE")
def file_complete(request, caller: Caller, body: dict):
    item = uploads.upload_complete(upload=_upload(caller, body), crc64_hash=parse_str(body, "crc64_hash") or None)
    return serialize(request, item, body)


def _cors(response: HttpResponse) -> HttpResponse:
    """Browsers may PUT parts straight to the signed URL from another origin (a drive app
    in direct mode). The signature is the only credential, so any origin may send."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "PUT"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Expose-Headers"] = "ETag"
    response["Access-Control-Max-Age"] = "600"
    return response


@csrf_exempt
def file_upload_part(request: HttpRequest) -> HttpResponse:
    """PUT to a signed upload URL: authenticated by its signature alone; Content-Type is
    ignored; the body streams to storage in constant memory."""
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204))
    if request.method != "PUT":
        return method_not_allowed("PUT")
    return _cors(_upload_part(request))


def _upload_part(request: HttpRequest) -> HttpResponse:
    try:
        params = signing.verify(request, "PUT", ("upload_id", "part_number"))
        length = request.headers.get("Content-Length")
        etag = uploads.part_store(
            upload_id=params["upload_id"], part_number=int(params["part_number"]), body=request,
            content_length=int(length) if length and length.isdigit() else None,
        )
    except errors.PdsError as error:
        return error_response(error)
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response


def file_content(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed("GET")
    try:
        return downloads.serve_signed_content(request)
    except errors.PdsError as error:
        return error_response(error)


def file_thumbnail(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return method_not_allowed("GET")
    try:
        return downloads.serve_thumbnail(request)
    except errors.PdsError as error:
        return error_response(error)


# --- Changing ----------------------------------------------------------------------------------


@file_endpoint("/v2/file/update", "FILE.UPDATE")
def file_update(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    item = files.file_get(drive=drive, file_id=parse_str(body, "file_id", required=True), allow_trashed=False)
    fields = {
        "name": body.get("name"),
        "description": parse_str(body, "description", max_length=1024) if "description" in body else None,
        "starred": parse_bool(body.get("starred"), "starred") if body.get("starred") is not None else None,
        "hidden": parse_bool(body.get("hidden"), "hidden") if body.get("hidden") is not None else None,
        "local_modified_at": parse_str(body, "local_modified_at", max_length=32) or None,
        "user_tags": body.get("user_tags"),
    }
    return serialize(request, files.file_update(drive=drive, item=item, fields=fields, check_name_mode=check_name_mode(body, "refuse")), body)


@file_endpoint("/v2/file/move", "FILE.MOVE")
def file_move(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    item = files.file_get(drive=drive, file_id=parse_str(body, "file_id", required=True), allow_trashed=False)
    if body.get("to_drive_id") and str(body["to_drive_id"]) != drive.drive_id:
        raise errors.InvalidParameter("Moving between drives is not supported; copy instead.", code="InvalidParameter.ToDriveId")
    moved, existed = files.file_move(
        drive=drive, item=item, to_parent_file_id=parse_str(body, "to_parent_file_id", required=True),
        check_name_mode=check_name_mode(body, "refuse" if not body.get("auto_rename") else "auto_rename"), new_name=body.get("new_name"),
    )
    return {"domain_id": caller.domain.domain_id, "drive_id": drive.drive_id, "file_id": moved.file_id, "async_task_id": "", "exist": existed}


@file_endpoint("/v2/file/copy", "FILE.COPY", share_ok=True)
def file_copy(request, caller: Caller, body: dict):
    if caller.share is not None:
        if caller.user is None:
            raise errors.AccessTokenInvalid("Saving from a share needs your own access token too.")
        source_drive = caller.share.drive
        item = shares.shared_file(share=caller.share, file_id=parse_str(body, "file_id", required=True))
        to_drive = caller_drive(caller, body, "to_drive_id") if body.get("to_drive_id") else files.drive_for(
            user=caller.user, is_admin=False, domain=caller.domain, drive_id=caller.user.default_drive_id
        )
        shares.count_save(caller.share)
    else:
        source_drive = caller_drive(caller, body)
        item = files.file_get(drive=source_drive, file_id=parse_str(body, "file_id", required=True), allow_trashed=False)
        to_drive = caller_drive(caller, body, "to_drive_id") if body.get("to_drive_id") else source_drive
    to_parent = parse_str(body, "to_parent_file_id", required=True)
    auto_rename = parse_bool(body.get("auto_rename"), "auto_rename", default=True)
    creator = caller.user.user_id if caller.user else ""
    if async_tasks.is_big(drive=source_drive, file_ids=[item.file_id]):
        task = async_tasks.async_task_start(drive=source_drive, user_id=creator, operation="copy", params={
            "file_id": item.file_id, "to_drive_id": to_drive.pk, "to_parent_file_id": to_parent, "auto_rename": auto_rename,
        })
        return 202, {"domain_id": caller.domain.domain_id, "drive_id": to_drive.drive_id, "file_id": "", "async_task_id": task.async_task_id}
    copy = files.file_copy(drive=source_drive, item=item, to_drive=to_drive, to_parent_file_id=to_parent, auto_rename=auto_rename, creator=creator)
    return 201, {"domain_id": caller.domain.domain_id, "drive_id": to_drive.drive_id, "file_id": copy.file_id, "async_task_id": ""}


def _maybe_async(caller: Caller, drive, operation: str, file_ids: list[str], params: dict, run: Callable[[], object]):
    if async_tasks.is_big(drive=drive, file_ids=file_ids):
        task = async_tasks.async_task_start(drive=drive, user_id=caller.user.user_id if caller.user else "", operation=operation, params=params)
        return 202, {"domain_id": caller.domain.domain_id, "drive_id": drive.drive_id, "file_id": file_ids[0], "async_task_id": task.async_task_id}
    run()
    return 204, None


@file_endpoint("/v2/file/delete", "FILE.DELETE")
def file_delete(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    item = files.file_get(drive=drive, file_id=parse_str(body, "file_id", required=True))
    return _maybe_async(caller, drive, "delete", [item.file_id], {"file_ids": [item.file_id]}, lambda: files.file_delete(drive=drive, file_ids=[item.file_id]))


@file_endpoint("/v2/recyclebin/trash", "FILE.DELETE")
def recyclebin_trash(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    item = files.file_get(drive=drive, file_id=parse_str(body, "file_id", required=True))
    if item.trashed:
        return 204, None
    return _maybe_async(caller, drive, "trash", [item.file_id], {"file_ids": [item.file_id]}, lambda: files.file_trash(drive=drive, file_ids=[item.file_id]))


@file_endpoint("/v2/recyclebin/restore", "FILE.RESTORE")
def recyclebin_restore(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    item = files.file_get(drive=drive, file_id=parse_str(body, "file_id", required=True))
    return _maybe_async(caller, drive, "restore", [item.file_id], {"file_id": item.file_id}, lambda: files.file_restore(drive=drive, item=item))


@file_endpoint("/v2/recyclebin/list", "FILE.LIST")
def recyclebin_list(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    items, next_marker = files.recyclebin_list(drive=drive, limit=parse_limit(body, default=50, maximum=200), marker=parse_str(body, "marker"))
    return {"items": [serialize(request, item, body) for item in items], "next_marker": next_marker}


@file_endpoint("/v2/recyclebin/clear", "FILE.DELETE")
def recyclebin_clear(request, caller: Caller, body: dict):
    drive = caller_drive(caller, body)
    user_id = caller.user.user_id if caller.user else ""
    roots = list(File.objects.filter(drive=drive, trash_root=True).values_list("file_id", flat=True))
    if async_tasks.is_big(drive=drive, file_ids=roots) or len(roots) > 1000:
        task = async_tasks.async_task_start(drive=drive, user_id=user_id, operation="clear", params={})
    else:
        count = files.recyclebin_clear(drive=drive)
        task = async_tasks.async_task_finished(drive=drive, user_id=user_id, operation="clear", result={"deleted": count})
    return 202, {"domain_id": caller.domain.domain_id, "drive_id": drive.drive_id, "async_task_id": task.async_task_id}


@file_endpoint("/v2/async_task/get", "FILE.GET")
def async_task_get(request, caller: Caller, body: dict):
    task = AsyncTask.objects.filter(async_task_id=parse_str(body, "async_task_id", required=True), domain=caller.domain).first()
    if task is None or (not caller.is_admin and task.user_id != (caller.user.user_id if caller.user else "")):
        raise errors.NotFound("AsyncTask")
    return async_tasks.async_task_to_pds(task)


# --- batch --------------------------------------------------------------------------------------


@csrf_exempt
def batch(request: HttpRequest) -> HttpResponse:
    """Up to 100 sub-requests, each dispatched to the same handler as its own endpoint."""
    if request.method != "POST":
        return method_not_allowed("POST")
    try:
        body = parse_json_body(request)
        caller = Caller(domain=request.pds_domain, raw_token=bearer_token_from(request) or "")
        caller.token = access_token_authenticate(domain=caller.domain, raw_token=caller.raw_token)
        requests = body.get("requests")
        if not isinstance(requests, list) or not 1 <= len(requests) <= 100:
            raise errors.InvalidParameter("requests must hold 1-100 items", code="InvalidParameter.Requests")
    except errors.PdsError as error:
        return error_response(error)
    responses = []
    for sub in requests:
        sub = sub if isinstance(sub, dict) else {}
        sub_id = sub.get("id", "")
        path = "/v2" + str(sub.get("url", ""))
        entry = HANDLERS.get(path)
        try:
            if entry is None:
                raise errors.PdsError(f"{sub.get('url')} cannot be batched.", code="NotFound", status=404)
            scope, _, handler = entry
            if not has_scope(caller.token.scopes, scope):
                raise errors.Forbidden(f"The access token lacks the scope {scope}.", code="ForbiddenNoPermission")
            sub_body = sub.get("body") if isinstance(sub.get("body"), dict) else {}
            result = handler(request, caller, sub_body)
            status, payload = result if isinstance(result, tuple) else (200, result)
        except errors.PdsError as error:
            status, payload = error.status, error.body()
        responses.append({"id": sub_id, "status": status, "body": payload if payload is not None else {}})
    return json_response({"responses": responses})
