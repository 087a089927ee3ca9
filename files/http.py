"""HTTP details of serving files to browsers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urlsplit

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect, StreamingHttpResponse
from django.utils.http import content_disposition_header

from accounts.pds_connection import pds_client

PASSTHROUGH_REQUEST = ("Range", "If-Range", "If-None-Match", "If-Modified-Since")
PASSTHROUGH_RESPONSE = ("Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified")
# Bytes from a drive never run as a page of Drive's origin.
SANDBOX = "default-src 'none'; sandbox"
OPAQUE = "application/octet-stream"
# A drive's bytes answer for who is signed in: no shared cache keeps them, and the browser
# asks again each time (as the PDS's signed URL answers).
PRIVATE_UNCACHED = "private, max-age=0"
# A blob's name under DRIVE_XACCEL_BLOB_LOCATION: path segments of these characters, none of them "." or "..".
BLOB_NAME = re.compile(r"^(?!.*(^|/)\.{1,2}(/|$))[0-9A-Za-z_.-]+(/[0-9A-Za-z_.-]+)*$")
# Types shown inside the page (<img>, <video>, <audio>, the PDF frame). Anything else,
# HTML, SVG, scripts and styles included, is served as opaque bytes: with nosniff, a
# `<script src>` or stylesheet link on Drive's origin pointing at it cannot run it.
INLINE_TYPES = (
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "image/bmp",
    "video/",
    "audio/",
    "application/pdf",
)


def served_content_type(content_type: str) -> str:
    """The type Drive serves a file's bytes with: its own when safe to show, else opaque."""
    return content_type if content_type.startswith(INLINE_TYPES) else OPAQUE


def content_disposition(name: str, *, as_attachment: bool = True) -> str:
    """RFC 6266: an ASCII fallback `filename` quoted by Django's helper, and the real name as
    RFC 8187 `filename*`, which every current browser prefers."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\;' else "_" for char in name) or "download"
    header = content_disposition_header(as_attachment, fallback) or ""
    return f"{header}; filename*=UTF-8''{quote(name, safe='')}"


def closing_stream(upstream: requests.Response, chunks: Iterator[bytes]) -> Iterator[bytes]:
    try:
        yield from chunks
    finally:
        upstream.close()


def blob_accel(blob_uri: str) -> str:
    """The X-Accel-Redirect to the embedded PDS's blob file (its `x_accel_uri`), if Drive is
    set up for it (DRIVE_XACCEL_BLOB_LOCATION) and the URI is a plain path under that
    location; else "" (the signed URL is used)."""
    location = settings.DRIVE_XACCEL_BLOB_LOCATION.rstrip("/") + "/"
    if not settings.DRIVE_XACCEL_BLOB_LOCATION or not blob_uri.startswith(location):
        return ""
    return blob_uri if BLOB_NAME.fullmatch(blob_uri[len(location) :]) else ""


def proxy_download(
    request: HttpRequest, url: str, item: dict[str, Any], *, as_attachment: bool = True, blob_uri: str = ""
) -> HttpResponseBase:
    """Stream a PDS signed URL to the browser, passing Range and If-Range through so
    downloads resume and videos seek; or, where configured, redirect to it. `blob_uri`: the
    blob's location the embedded PDS gave (see blob_accel)."""
    if settings.DRIVE_DOWNLOAD_MODE == "redirect":
        redirect = HttpResponseRedirect(url)
        redirect["Cache-Control"] = PRIVATE_UNCACHED
        return redirect
    content_type = served_content_type(item.get("content_type") or "") if not as_attachment else OPAQUE
    response: HttpResponseBase
    accel = blob_accel(blob_uri) if settings.DRIVE_DOWNLOAD_MODE == "xaccel" and as_attachment else ""
    if accel:
        # The PDS checked the grant (get_download_url) and named its blob file: nginx sends it
        # (Range and conditional requests included) with the headers set below.
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = accel
        response["X-Accel-Buffering"] = "no"
    elif settings.DRIVE_DOWNLOAD_MODE == "xaccel":
        # Behind nginx: Drive authorized the request, nginx fetches the signed URL through its
        # internal proxy location (passing Range on) and moves the bytes.
        parts = urlsplit(url)
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Buffering"] = "no"
        origin = f"{parts.scheme}://{parts.netloc}"
        local_pds = settings.DRIVE_XACCEL_PDS_LOCATION and settings.PDS_PUBLIC_URL and origin == settings.PDS_PUBLIC_URL
        if local_pds and as_attachment:
            # The embedded PDS answers nginx with a redirect of its own, whose
            # Content-Disposition (attachment, the same name) and Cache-Control nginx keeps:
            # Drive sends neither, or the browser would get two.
            location = settings.DRIVE_XACCEL_PDS_LOCATION.rstrip("/")
            response["X-Accel-Redirect"] = f"{location}/{parts.netloc}{parts.path}?{parts.query}"
            return response
        location = settings.DRIVE_XACCEL_PROXY_LOCATION.rstrip("/")
        response["X-Accel-Redirect"] = f"{location}/{parts.scheme}/{parts.netloc}{parts.path}?{parts.query}"
    else:
        passed = {key: request.headers[key] for key in PASSTHROUGH_REQUEST if key in request.headers}
        upstream, chunks = pds_client().download(url, headers=passed)
        if upstream.status_code in (304, 416):
            upstream.close()
            response = HttpResponse(status=upstream.status_code)
        else:
            stream = closing_stream(upstream, chunks)
            response = StreamingHttpResponse(stream, status=upstream.status_code, content_type=content_type)
        for key in PASSTHROUGH_RESPONSE:
            if key in upstream.headers:
                response[key] = upstream.headers[key]
    response["Content-Disposition"] = content_disposition(item["name"], as_attachment=as_attachment)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX
    response["Cache-Control"] = PRIVATE_UNCACHED
    return response
