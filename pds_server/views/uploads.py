"""Uploads: `file/create`, part URLs, the signed part PUT and `file/complete`."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from pds_server import errors, signing
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.models import File, Upload
from pds_server.selectors.files import upload_get, uploaded_parts
from pds_server.serializers import file_created_to_pds, folder_created_to_pds, upload_urls_to_pds, uploaded_parts_to_pds
from pds_server.services import tree, upload_part_files, uploads
from pds_server.services.access import Can
from pds_server.services.upload_complete import upload_complete
from pds_server.views.common import caller_file, caller_grant, check_name_mode, serialize


@pds_endpoint("/v2/file/create", scope="FILE.CREATE", batchable=True)
def file_create(request: HttpRequest, caller: Caller, body: dict):
    grant = caller_grant(caller, body)
    drive = grant.drive
    kind = parse_str(body, "type", required=True)
    name = body.get("name")
    parent_file_id = parse_str(body, "parent_file_id", required=True)
    grant.require_folder(parent_file_id, Can.UPLOAD)
    mode = check_name_mode(body)
    if parse_bool(body.get("auto_rename"), "auto_rename"):  # legacy spelling
        mode = "auto_rename"
    if kind == File.Type.FOLDER:
        folder, existed = tree.folder_create(
            drive=drive,
            parent_file_id=parent_file_id,
            name=name,
            check_name_mode=mode,
            creator=caller.user_id,
            description=parse_str(body, "description"),
            hidden=parse_bool(body.get("hidden"), "hidden"),
        )
        return 201, folder_created_to_pds(folder, existed=existed)
    if kind != File.Type.FILE:
        raise errors.InvalidParameter("type must be file or folder", code="InvalidParameter.Type")
    part_info_list = body.get("part_info_list") or []
    if not isinstance(part_info_list, list) or not all(isinstance(part, dict) for part in part_info_list):
        raise errors.InvalidParameter("part_info_list must be a list of objects", code="InvalidParameter.PartInfoList")
    part_numbers = [parse_int(part, "part_number", minimum=1) or 0 for part in part_info_list] or [
        1
    ]  # empty means one part
    proof_code = body.get("proof_code") if isinstance(body.get("proof_code"), str) else None
    # A new revision of an existing file: the caller must be allowed to change that file.
    target = caller_file(caller, body, Can.EDIT, allow_trashed=False)[1] if parse_str(body, "file_id") else None
    created = uploads.file_create(
        uploads.FileCreateRequest(
            drive=drive,
            user=caller.user,
            parent_file_id=parent_file_id,
            name=name,
            size=parse_int(body, "size", minimum=0),
            part_numbers=part_numbers,
            check_name_mode=mode,
            content_hash=parse_str(body, "content_hash", max_length=40),
            content_hash_name=parse_str(body, "content_hash_name"),
            pre_hash=parse_str(body, "pre_hash", max_length=40),
            proof_code=proof_code,
            proof_version=parse_str(body, "proof_version"),
            raw_access_token=caller.raw_token,
            description=parse_str(body, "description"),
            hidden=parse_bool(body.get("hidden"), "hidden"),
            local_created_at=parse_str(body, "local_created_at", max_length=32),
            local_modified_at=parse_str(body, "local_modified_at", max_length=32),
            target=target,
            may_overwrite=lambda existing: grant.require(existing, Can.EDIT),
        )
    )
    urls = None
    if created.upload is not None:
        numbers = list(range(1, created.upload.part_count + 1))
        urls = uploads.part_urls(base_url=caller.base_url, upload=created.upload, part_numbers=numbers)
    return 201, file_created_to_pds(created, part_urls=urls)


def body_upload(caller: Caller, body: dict) -> Upload:
    grant, _ = caller_file(caller, body, Can.UPLOAD, allow_uploading=True)
    return upload_get(
        drive=grant.drive,
        file_id=parse_str(body, "file_id", required=True),
        upload_id=parse_str(body, "upload_id", required=True),
    )


@pds_endpoint("/v2/file/get_upload_url", scope="FILE.CREATE", batchable=True)
def file_get_upload_url(request: HttpRequest, caller: Caller, body: dict):
    upload = body_upload(caller, body)
    requested = body.get("part_info_list") or [{"part_number": n} for n in range(1, upload.part_count + 1)]
    numbers = [parse_int(part, "part_number", minimum=1) or 0 for part in requested if isinstance(part, dict)]
    uploads.upload_check_open(upload, numbers, user_id=caller.user_id)
    urls = uploads.part_urls(base_url=caller.base_url, upload=upload, part_numbers=numbers)
    return upload_urls_to_pds(upload, domain=caller.domain, part_urls=urls)


@pds_endpoint("/v2/file/list_uploaded_parts", scope="FILE.CREATE", batchable=True)
def file_list_uploaded_parts(request: HttpRequest, caller: Caller, body: dict):
    upload = body_upload(caller, body)
    parts, next_marker = uploaded_parts(
        upload=upload,
        limit=parse_limit(body, default=1000, maximum=1000),
        part_number_marker=parse_int(body, "part_number_marker", default=0) or 0,
    )
    return uploaded_parts_to_pds(upload, parts, next_marker)


@pds_endpoint("/v2/file/complete", scope="FILE.CREATE", batchable=True)
def file_complete(request: HttpRequest, caller: Caller, body: dict):
    item = upload_complete(
        upload=body_upload(caller, body), crc64_hash=parse_str(body, "crc64_hash") or None, creator=caller.user_id
    )
    return serialize(caller, item, body)


def part_cors(response: HttpResponse, error: errors.PdsError | None) -> HttpResponse:
    """Browsers may PUT parts straight to the signed URL from another origin (a drive app
    in direct mode). The signature is the only credential, so any origin may send."""
    response["Access-Control-Allow-Origin"] = "*"
    response["Access-Control-Allow-Methods"] = "PUT"
    response["Access-Control-Allow-Headers"] = "Content-Type"
    response["Access-Control-Expose-Headers"] = "ETag"
    response["Access-Control-Max-Age"] = "600"
    return response


@pds_endpoint(
    "/v2/file/upload_part", scope=None, auth="none", methods=("PUT", "OPTIONS"), body="none", finish=part_cors
)
def file_upload_part(request: HttpRequest, caller: Caller, body: dict):
    """PUT to a signed upload URL: authenticated by its signature alone; Content-Type is
    ignored; the body streams to storage in constant memory."""
    if request.method == "OPTIONS":
        return HttpResponse(status=204)
    part_file = request.headers.get("X-Pds-Part-File") if settings.PDS_NGINX_PART_DIR else None
    if settings.PDS_NGINX_PART_DIR and request.headers.get("X-Pds-Part-Check") and not part_file:
        return part_check(request)
    params = signing.verify(query=request.GET, method="PUT", path=request.path, names=("upload_id", "part_number"))
    if part_file:  # behind nginx, which wrote the body to this file (upload_part_files)
        etag = upload_part_files.part_store_file(
            upload_id=params["upload_id"],
            part_number=int(params["part_number"]),
            path=part_file,
            length=request.headers.get("X-Pds-Part-Length"),
        )
        return part_answer(etag)
    length = request.headers.get("Content-Length")
    if length and length.isdigit():  # a part longer than it may be is refused before its body
        upload_part_files.part_check(
            upload_id=params["upload_id"], part_number=int(params["part_number"]), length=length
        )
    etag = uploads.part_store(
        upload_id=params["upload_id"],
        part_number=int(params["part_number"]),
        body=request,  # type: ignore[arg-type]
        content_length=int(length) if length and length.isdigit() else None,
    )
    return part_answer(etag)


def part_check(request: HttpRequest) -> HttpResponse:
    """nginx's check (auth_request, no body) before it writes a part's body to a file: 204
    when the signed URL, the upload and the announced length would be taken; any refusal is
    a 403 (nginx then streams the part here, which gives the real answer at once)."""
    try:
        params = signing.verify(query=request.GET, method="PUT", path=request.path, names=("upload_id", "part_number"))
        upload_part_files.part_check(
            upload_id=params["upload_id"],
            part_number=int(params["part_number"]),
            length=request.headers.get("X-Pds-Part-Length"),
        )
    except errors.PdsError as error:
        raise errors.PdsError(error.message, code=error.code, status=403, extra=error.extra) from None
    return HttpResponse(status=204)


def part_answer(etag: str) -> HttpResponse:
    response = HttpResponse(status=200)
    response["ETag"] = etag
    return response
