"""JSON endpoints the upload module calls. Same-origin, session-authenticated, CSRF-checked
(the module sends X-CSRFToken), errors as {"error": message} with a 4xx/5xx status
(files.decorators.json_api)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.views.decorators.http import require_http_methods

from accounts.user_pds import UserPds
from files import uploads
from files.decorators import json_api
from files.errors import PartLengthRequired
from files.forms import FolderEnsureForm, UploadStartForm, parsed

MAX_PART = 64 * 1024 * 1024
JSON = dict[str, Any]


def _content_length(request: HttpRequest) -> int:
    try:
        return int(request.headers.get("Content-Length") or "")
    except ValueError:
        return -1


@require_http_methods(["POST"])
@json_api
def upload_start(request: HttpRequest, body: JSON) -> JSON:
    return uploads.upload_start(pds=UserPds.of(request), **parsed(UploadStartForm(body)))


@require_http_methods(["GET"])
@json_api
def upload_parts(request: HttpRequest, body: JSON, file_id: str, upload_id: str) -> JSON:
    return {"parts": uploads.uploaded_parts(pds=UserPds.of(request), file_id=file_id, upload_id=upload_id)}


@require_http_methods(["PUT"])
@json_api
def upload_part(request: HttpRequest, body: JSON, file_id: str, upload_id: str, part_number: int) -> JSON:
    length = _content_length(request)
    if not 0 <= length <= MAX_PART:
        raise PartLengthRequired("Each part needs a Content-Length of at most 64 MiB.")
    etag = uploads.part_forward(
        pds=UserPds.of(request),
        file_id=file_id,
        upload_id=upload_id,
        part_number=part_number,
        body=request,
        length=length,
    )
    return {"etag": etag}


@require_http_methods(["POST"])
@json_api
def upload_complete(request: HttpRequest, body: JSON, file_id: str, upload_id: str) -> JSON:
    item = uploads.upload_finish(pds=UserPds.of(request), file_id=file_id, upload_id=upload_id)
    return {"file_id": item["file_id"], "name": item["name"], "size": item["size"]}


@require_http_methods(["POST"])
@json_api
def upload_cancel(request: HttpRequest, body: JSON, file_id: str, upload_id: str) -> JSON:
    uploads.upload_cancel(pds=UserPds.of(request), file_id=file_id, upload_id=upload_id)
    return {"cancelled": True}


@require_http_methods(["POST"])
@json_api
def folder_ensure(request: HttpRequest, body: JSON) -> JSON:
    fields = parsed(FolderEnsureForm(body))
    return {"file_id": uploads.folder_ensure(pds=UserPds.of(request), **fields)}
