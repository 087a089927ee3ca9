"""Serving bytes: the signed content and thumbnail URLs, with Range, conditional requests
and a safe Content-Disposition, or handed to nginx (X-Accel-Redirect) when deployed
behind it; and `GET /v2/file/download`, which redirects to a signed URL."""

from __future__ import annotations

import re
from urllib.parse import quote

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date, parse_http_date_safe

from pds_server import signing
from pds_server.api import Caller, pds_endpoint
from pds_server.models import Blob
from pds_server.services import downloads, shares
from pds_server.services.access import Can
from pds_server.services.thumbnails import thumbnail_get_or_create
from pds_server.storage import blob_store
from pds_server.views.common import readable_file

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
GET_METHODS = ("GET", "HEAD")


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback `filename` (Django's quoting) and the real name as
    RFC 5987 `filename*`, which every current browser prefers."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\;' else "_" for char in name) or "download"
    header = content_disposition_header(disposition == "attachment", fallback) or disposition
    return f"{header}; filename*=UTF-8''{quote(name, safe='')}"


def not_modified(request: HttpRequest, etag: str, last_modified: int) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified <= since


def range_applies(request: HttpRequest, etag: str, last_modified: int) -> bool:
    """If-Range (RFC 9110 section 13.1.5): serve the range only if the validator still matches."""
    if_range = request.headers.get("If-Range")
    if not if_range:
        return True
    if if_range.startswith('"') or if_range.startswith("W/"):
        return if_range == etag
    date = parse_http_date_safe(if_range)
    return date is not None and last_modified <= date


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(start, end inclusive), None for 'serve everything', or 'unsatisfiable'."""
    match = RANGE.match(header.strip()) if header else None
    if not match:
        return None  # absent, malformed or several ranges: a full 200 is allowed (RFC 9110 section 14.2)
    first, last = match.groups()
    if first == "" and last == "":
        return None
    if first == "":
        length = int(last)
        if length == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return "unsatisfiable"
    return start, end


def blob_response(request: HttpRequest, *, blob: Blob, name: str, content_type: str) -> HttpResponse:
    etag = f'"{blob.sha1}"'
    last_modified = int(blob.created_at.timestamp())
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(name),
        "X-Content-Type-Options": "nosniff",
        # Whatever the bytes are, they never run as a page of this origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=0",
    }
    content_type = content_type or "application/octet-stream"
    if not_modified(request, etag, last_modified):
        response = HttpResponse(status=304)
        for key in ("ETag", "Last-Modified"):
            response[key] = headers[key]
        return response

    store = blob_store()
    path = store.local_path(blob.storage_name)
    if settings.PDS_XACCEL_BLOB_LOCATION and path:
        # nginx moves the bytes (and answers Range itself) from its internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PDS_XACCEL_BLOB_LOCATION.rstrip("/") + "/" + quote(blob.storage_name)
        response["X-Accel-Buffering"] = "no"
        for key, value in headers.items():
            response[key] = value
        return response

    size = blob.size
    wanted = (
        parse_range(request.headers.get("Range", ""), size) if range_applies(request, etag, last_modified) else None
    )
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted if isinstance(wanted, tuple) else (0, size - 1)
    length = max(0, end - start + 1)
    body = [] if request.method == "HEAD" or length == 0 else store.iter_range(blob.storage_name, start, length)
    streaming = StreamingHttpResponse(body, status=206 if wanted else 200, content_type=content_type)
    streaming["Content-Length"] = str(length)
    if wanted:
        streaming["Content-Range"] = f"bytes {start}-{end}/{size}"
    for key, value in headers.items():
        streaming[key] = value
    return streaming


@pds_endpoint("/v2/file/content", scope=None, auth="none", methods=GET_METHODS, body="none")
def file_content(request: HttpRequest, caller: Caller, body: dict) -> HttpResponse:
    params = signing.verify(query=request.GET, method="GET", path=request.path, names=downloads.CONTENT_PARAMS)
    item = downloads.signed_file(params)
    assert item.blob is not None
    return blob_response(
        request,
        blob=item.blob,
        name=params.get("name") or item.name,
        content_type=params.get("ctype") or item.content_type,
    )


@pds_endpoint("/v2/file/thumbnail", scope=None, auth="none", methods=GET_METHODS, body="none")
def file_thumbnail(request: HttpRequest, caller: Caller, body: dict) -> HttpResponse:
    params = signing.verify(query=request.GET, method="GET", path=request.path, names=downloads.THUMBNAIL_PARAMS)
    thumbnail = thumbnail_get_or_create(
        sha1=params.get("sha1", ""), process=params.get("process", downloads.DEFAULT_THUMBNAIL)
    )
    response = StreamingHttpResponse(
        blob_store().iter_range(thumbnail.storage_name, 0, thumbnail.size), content_type="image/jpeg"
    )
    response["Content-Length"] = str(thumbnail.size)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{thumbnail.blob.sha1}-{thumbnail.spec}"'
    return response


@pds_endpoint("/v2/file/download", scope="FILE.GET", auth="share", methods=GET_METHODS, body="query")
def file_download(request: HttpRequest, caller: Caller, query: dict) -> HttpResponse:
    """GET /v2/file/download?drive_id&file_id: redirect to a signed URL (or its thumbnail)."""
    item = readable_file(caller, query, Can.DOWNLOAD)
    if query.get("image_thumbnail_process") and item.category == "image":
        return HttpResponseRedirect(
            downloads.thumbnail_url(base_url=caller.base_url, item=item, process=query["image_thumbnail_process"])
        )
    if caller.share is not None:
        shares.count_download(caller.share)
    url, _ = downloads.download_url(base_url=caller.base_url, item=item, expire_sec=downloads.DEFAULT_EXPIRE_SEC)
    return HttpResponseRedirect(url)
