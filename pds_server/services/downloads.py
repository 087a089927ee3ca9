"""Downloads and thumbnails: signed GET URLs, and the response that serves them with
Range, conditional requests and a safe Content-Disposition, or hands the bytes to nginx."""

from __future__ import annotations

import io
import re
from urllib.parse import quote

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils.http import http_date, parse_http_date_safe

from pds_server import errors, signing
from pds_server.models import Blob, File, Thumbnail
from pds_server.routers import PDS_DB
from pds_server.services import blobstore

CONTENT_PATH = "/v2/file/content"
THUMBNAIL_PATH = "/v2/file/thumbnail"
MAX_EXPIRE_SEC = 115200
DEFAULT_EXPIRE_SEC = 900
DEFAULT_THUMBNAIL = "image/resize,m_fill,h_128,w_128,limit_0"
THUMBNAIL_MAX_SOURCE = 64 * 1024 * 1024
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def download_url(request, *, item: File, expire_sec: int, file_name: str = "", response_content_type: str = "") -> tuple[str, int]:
    params = {"file_id": item.file_id, "sha1": item.content_hash, "name": file_name or item.name, "ctype": response_content_type}
    return signing.signed_url(request, "GET", CONTENT_PATH, params, expire_sec)


def thumbnail_url(request, *, item: File, process: str, expire_sec: int = DEFAULT_EXPIRE_SEC) -> str:
    url, _ = signing.signed_url(request, "GET", THUMBNAIL_PATH, {"sha1": item.content_hash, "process": process or DEFAULT_THUMBNAIL}, expire_sec)
    return url


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266 with an ASCII fallback and RFC 5987 `filename*` for the real name."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\;' else "_" for char in name) or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _not_modified(request: HttpRequest, etag: str, last_modified: int) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and last_modified <= since


def _range_applies(request: HttpRequest, etag: str, last_modified: int) -> bool:
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
    match = _RANGE.match(header.strip()) if header else None
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


def blob_response(request: HttpRequest, *, blob: Blob, name: str, content_type: str, disposition: str = "attachment") -> HttpResponse:
    etag = f'"{blob.sha1}"'
    last_modified = int(blob.created_at.timestamp())
    headers = {
        "ETag": etag,
        "Last-Modified": http_date(last_modified),
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(name, disposition),
        "X-Content-Type-Options": "nosniff",
        # Whatever the bytes are, they never run as a page of this origin.
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, max-age=0",
    }
    content_type = content_type or "application/octet-stream"
    if _not_modified(request, etag, last_modified):
        response = HttpResponse(status=304)
        for key in ("ETag", "Last-Modified"):
            response[key] = headers[key]
        return response

    path = blobstore.local_path(blob.storage_name)
    if settings.PDS_XACCEL_BLOB_LOCATION and path:
        # nginx moves the bytes (and answers Range itself) from its internal location.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = settings.PDS_XACCEL_BLOB_LOCATION.rstrip("/") + "/" + quote(blob.storage_name)
        response["X-Accel-Buffering"] = "no"
        for key, value in headers.items():
            response[key] = value
        return response

    size = blob.size
    wanted = parse_range(request.headers.get("Range", ""), size) if _range_applies(request, etag, last_modified) else None
    if wanted == "unsatisfiable":
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = max(0, end - start + 1)
    body = [] if request.method == "HEAD" or length == 0 else blobstore.iter_range(blob.storage_name, start, length)
    response = StreamingHttpResponse(body, status=206 if wanted else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    for key, value in headers.items():
        response[key] = value
    return response


def serve_signed_content(request: HttpRequest) -> HttpResponse:
    params = signing.verify(request, "GET", ("file_id", "sha1", "name", "ctype"))
    item = File.objects.select_related("blob").filter(file_id=params.get("file_id", ""), status=File.Status.AVAILABLE).first()
    if item is None or item.blob is None or item.blob.sha1 != params.get("sha1"):
        raise errors.NotFound("File")
    return blob_response(request, blob=item.blob, name=params.get("name") or item.name, content_type=params.get("ctype") or item.content_type)


# --- Thumbnails --------------------------------------------------------------------------


def parse_image_process(process: str) -> dict:
    """OSS syntax: image/resize,m_fill,h_128,w_128,limit_0 (m: lfit, mfit, fill, pad, fixed)."""
    if not process.startswith("image/resize"):
        raise errors.InvalidParameter("Only image/resize is supported.", code="InvalidParameter.ImageThumbnailProcess")
    options = {"m": "lfit", "w": 0, "h": 0, "limit": 1}
    for item in process.split("/", 1)[1].split(",")[1:]:
        key, _, value = item.partition("_")
        if key in ("w", "h", "limit") and value.isdigit():
            options[key] = int(value)
        elif key == "m" and value in ("lfit", "mfit", "fill", "pad", "fixed"):
            options["m"] = value
    options["w"], options["h"] = min(options["w"], 4096), min(options["h"], 4096)
    if not options["w"] and not options["h"]:
        raise errors.InvalidParameter("image/resize needs w or h.", code="InvalidParameter.ImageThumbnailProcess")
    return options


def _render_thumbnail(blob: Blob, options: dict) -> bytes:
    from PIL import Image, ImageOps

    with blobstore.blob_storage().open(blob.storage_name, "rb") as handle:  # at most THUMBNAIL_MAX_SOURCE bytes
        image = Image.open(handle)
        image = ImageOps.exif_transpose(image)
        image.thumbnail((8192, 8192))
        width, height = image.size
        w = options["w"] or round(width * options["h"] / height)
        h = options["h"] or round(height * options["w"] / width)
        if options["limit"] and (w > width or h > height):
            w, h = min(w, width), min(h, height)
        if options["m"] == "fill":
            image = ImageOps.fit(image, (w, h))
        elif options["m"] == "fixed":
            image = image.resize((w, h))
        else:
            image.thumbnail((w, h))
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=85)
        return out.getvalue()


def serve_thumbnail(request: HttpRequest) -> HttpResponse:
    params = signing.verify(request, "GET", ("sha1", "process"))
    blob = Blob.objects.filter(sha1=params.get("sha1", "")).first()
    if blob is None:
        raise errors.NotFound("File")
    options = parse_image_process(params.get("process", DEFAULT_THUMBNAIL))
    spec = f"{options['m']}-{options['w']}x{options['h']}-{options['limit']}"
    cached = Thumbnail.objects.filter(blob=blob, spec=spec).first()
    if cached is None:
        if blob.size > THUMBNAIL_MAX_SOURCE:
            raise errors.InvalidParameter("The image is too large for a thumbnail.", code="InvalidParameter.ImageThumbnailProcess")
        try:
            data = _render_thumbnail(blob, options)
        except Exception:  # not an image Pillow can read, or a decompression bomb
            raise errors.InvalidParameter("This file has no thumbnail.", code="InvalidParameter.ImageThumbnailProcess") from None
        name = blobstore.blob_storage().save(f"thumbnails/{blob.sha1}/{spec}.jpg", io.BytesIO(data))
        try:
            with transaction.atomic(using=PDS_DB):
                cached = Thumbnail.objects.create(blob=blob, spec=spec, storage_name=name, size=len(data))
        except IntegrityError:
            blobstore.delete(name)
            cached = Thumbnail.objects.get(blob=blob, spec=spec)
    response = StreamingHttpResponse(blobstore.iter_range(cached.storage_name, 0, cached.size), content_type="image/jpeg")
    response["Content-Length"] = str(cached.size)
    response["Cache-Control"] = "private, max-age=86400"
    response["X-Content-Type-Options"] = "nosniff"
    response["ETag"] = f'"{blob.sha1}-{spec}"'
    return response
