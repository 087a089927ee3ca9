"""HTTP details of serving files to browsers."""

from urllib.parse import quote, urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse

from accounts.services import pds_client

PASSTHROUGH_REQUEST = ("Range", "If-Range", "If-None-Match", "If-Modified-Since")
PASSTHROUGH_RESPONSE = ("Content-Length", "Content-Range", "Accept-Ranges", "ETag", "Last-Modified")


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """RFC 6266: an ASCII fallback and the real name as RFC 5987 `filename*`."""
    fallback = "".join(char if 32 <= ord(char) < 127 and char not in '"\\;' else "_" for char in name) or "download"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def closing_stream(upstream, chunks):
    try:
        yield from chunks
    finally:
        upstream.close()


def proxy_download(request, url: str, item: dict, disposition: str = "attachment") -> HttpResponse:
    """Stream a PDS signed URL to the browser, passing Range and If-Range through so
    downloads resume and videos seek; or, where configured, redirect to it."""
    if settings.DRIVE_DOWNLOAD_MODE == "redirect":
        return HttpResponseRedirect(url)
    if settings.DRIVE_DOWNLOAD_MODE == "xaccel":
        # Behind nginx: Drive authorized the request, nginx fetches the signed URL through its
        # internal proxy location (passing Range on) and moves the bytes.
        parts = urlsplit(url)
        response = HttpResponse(content_type=item.get("content_type") or "application/octet-stream")
        response["X-Accel-Buffering"] = "no"
        local_pds = settings.DRIVE_XACCEL_PDS_LOCATION and settings.PDS_PUBLIC_URL and f"{parts.scheme}://{parts.netloc}" == settings.PDS_PUBLIC_URL
        if local_pds and disposition == "attachment":
            # The embedded PDS answers nginx with a redirect of its own, whose
            # Content-Disposition (attachment, the same name) nginx keeps: Drive sends none,
            # or the browser would get two.
            response["X-Accel-Redirect"] = f"{settings.DRIVE_XACCEL_PDS_LOCATION.rstrip('/')}/{parts.netloc}{parts.path}?{parts.query}"
            return response
        response["X-Accel-Redirect"] = f"{settings.DRIVE_XACCEL_PROXY_LOCATION.rstrip('/')}/{parts.scheme}/{parts.netloc}{parts.path}?{parts.query}"
        response["Content-Disposition"] = content_disposition(item["name"], disposition)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response
    upstream, chunks = pds_client().download(url, headers={key: request.headers[key] for key in PASSTHROUGH_REQUEST if key in request.headers})
    if upstream.status_code in (304, 416):
        upstream.close()
        response = HttpResponse(status=upstream.status_code)
    else:
        response = StreamingHttpResponse(closing_stream(upstream, chunks), status=upstream.status_code, content_type=item.get("content_type") or "application/octet-stream")
    for key in PASSTHROUGH_RESPONSE:
        if key in upstream.headers:
            response[key] = upstream.headers[key]
    response["Content-Disposition"] = content_disposition(item["name"], disposition)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
