"""Where nginx sends a part's body (DRIVE_PART_ROUTE=nginx, deploy/nginx.conf).

Before it reads a part PUT to /api/uploads/<file>/<upload>/parts/<n>, nginx asks this view
(auth_request: a PUT without a body, with the browser's cookie, X-CSRFToken and Referer, the
part's URI in X-Drive-Part-Uri and its Content-Length in X-Drive-Part-Length). Django's
middleware has checked the session and CSRF by then; the PDS checked that the upload is the
user's and open when it signed the part's URL (at file/create for a kept one, else now),
and checks again that it is open when the part arrives. The answer tells nginx where the body
goes: X-Pds-Part-Uri (path and signed query) and X-Pds-Part-Host; the URL is the one
file/create signed for this user's upload when Drive kept it (files.uploads.part_urls_keep),
else a fresh one. nginx writes the body to a file and hands it to the PDS's gunicorn: no
Python copies the bytes and there is no second TLS hop. Only nginx sees the URL: the
browser gets the PDS's answer, never these headers.

Anything else is a bare 403 (or an error), and nginx then streams the part through
files.api.upload_part as without nginx, which gives the browser the readable answer.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_http_methods

from accounts.user_pds import UserPds
from files import uploads
from files.api import MAX_PART
from files.drive_scope import scoped_path
from files.errors import HANDLED

log = logging.getLogger(__name__)
PATH = "/_drive_part_route"


def _refused() -> HttpResponse:
    return HttpResponse(status=403)


def _part_of(uri: str) -> tuple[str | None, dict] | None:
    """(the drive of a /d/<drive_id>/ prefix or None, the part view's arguments) of a part
    URI, or None when the URI is not a part's."""
    path = unquote(urlsplit(uri).path)
    drive_id = None
    scoped = scoped_path(path)
    if scoped is not None:
        drive_id, path = scoped
        if not drive_id:
            return None
    try:
        match = resolve(path)
    except Resolver404:
        return None
    if match.view_name != "files:upload_part":
        return None
    return drive_id, match.kwargs


def _embedded_pds_origins() -> set[str]:
    """Where the embedded PDS's signed URLs point: PDS_PUBLIC_URL, or, with none, the address
    Drive calls it at (compose: http://pds:8001). nginx's pds_app is that PDS."""
    endpoint = urlsplit(settings.PDS_ENDPOINT)
    origins = {settings.PDS_PUBLIC_URL.rstrip("/"), f"{endpoint.scheme}://{endpoint.netloc}"}
    return origins - {"", "://"}


@require_http_methods(["PUT"])
def part_route(request: HttpRequest) -> HttpResponse:
    if settings.DRIVE_PART_ROUTE != "nginx" or request.path != PATH or getattr(request, "drive_id", None):
        return _refused()
    if not request.user.is_authenticated:
        return _refused()
    length = request.headers.get("X-Drive-Part-Length", "")
    if not length.isdigit() or int(length) > MAX_PART:
        return _refused()  # the streaming view says why
    part = _part_of(request.headers.get("X-Drive-Part-Uri", ""))
    if part is None:
        return _refused()
    request.drive_id, kwargs = part  # type: ignore[attr-defined]
    try:
        url = uploads.part_url(pds=UserPds.of(request), kept=True, **kwargs)
    except HANDLED as error:
        log.info("Part routed through Drive instead: %s", type(error).__name__)
        return _refused()
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" not in _embedded_pds_origins():
        return _refused()  # not the embedded PDS behind this nginx
    response = HttpResponse(status=200)
    response["X-Pds-Part-Uri"] = f"{parts.path}?{parts.query}"
    response["X-Pds-Part-Host"] = parts.netloc
    return response
