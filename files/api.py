"""JSON endpoints the upload module calls. Same-origin, session-authenticated, CSRF-checked
(the module sends X-CSRFToken), errors as {"error": message} with a 4xx/5xx status."""

from __future__ import annotations

import functools
import json

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.views.decorators.http import require_http_methods

from accounts.services import CredentialDead, PdsUnavailable
from files import uploads
from pds_client import errors as pds_errors

MAX_PART = 64 * 1024 * 1024


def json_api(view):
    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            body = json.loads(request.body or b"{}") if request.method == "POST" else {}
            if not isinstance(body, dict):
                raise ValueError
        except ValueError:
            return JsonResponse({"error": "The request is not valid JSON."}, status=400)
        try:
            return JsonResponse(view(request, body, *args, **kwargs))
        except CredentialDead as error:
            return JsonResponse({"error": str(error), "signed_out": True}, status=401)
        except (PdsUnavailable, pds_errors.ServiceUnavailable):
            return JsonResponse({"error": "The drive service is unavailable. Retrying…", "retry": True}, status=503)
        except pds_errors.PDSError as error:
            status = error.status if error.status and 400 <= error.status < 500 else 502
            return JsonResponse({"error": error.message, "code": error.code}, status=status)

    return wrapped


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


@require_http_methods(["POST"])
@json_api
def upload_start(request, body: dict):
    return uploads.upload_start(
        request.user, parent_id=str(body.get("parent_id") or "root"), name=str(body.get("name", "")), size=_int(body.get("size")),
        part_count=_int(body.get("part_count"), 1), check_name_mode=str(body.get("check_name_mode", "refuse")),
        pre_hash=str(body.get("pre_hash", "")), content_hash=str(body.get("content_hash", "")),
        proof_code=body.get("proof_code") if isinstance(body.get("proof_code"), str) else None,
    )


@require_http_methods(["GET"])
@json_api
def upload_parts(request, body: dict, file_id: str, upload_id: str):
    return {"parts": uploads.uploaded_parts(request.user, file_id=file_id, upload_id=upload_id)}


@require_http_methods(["PUT"])
@json_api
def upload_part(request, body: dict, file_id: str, upload_id: str, part_number: int):
    length = _int(request.headers.get("Content-Length"), -1)
    if not 0 <= length <= MAX_PART:
        raise pds_errors.InvalidParameter("InvalidParameter.ContentLength", "Each part needs a Content-Length of at most 64 MiB.", 411)
    etag = uploads.part_forward(request.user, file_id=file_id, upload_id=upload_id, part_number=part_number, body=request, length=length)
    return {"etag": etag}


@require_http_methods(["POST"])
@json_api
def upload_complete(request, body: dict, file_id: str, upload_id: str):
    item = uploads.upload_finish(request.user, file_id=file_id, upload_id=upload_id)
    return {"file_id": item["file_id"], "name": item["name"], "size": item["size"]}


@require_http_methods(["POST"])
@json_api
def folder_ensure(request, body: dict):
    return {"file_id": uploads.folder_ensure(request.user, parent_id=str(body.get("parent_id") or "root"), name=str(body.get("name", "")))}
