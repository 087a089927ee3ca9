"""The drive app on another drive than the user's own: /d/<drive_id>/<any drive page>.

The middleware takes the prefix off the path before the URL is resolved, records the drive
on `request.drive_id` (accounts.user_pds.UserPds.of then acts on it) and makes the prefix
the request's script prefix, so that every `{% url %}` and reverse() of the page stays in
that drive: its links, forms and the data-* URLs its modules call. The PDS decides whether
the user may reach the drive (NotFound: the drive app's not-found page).

Links meant to leave the drive (the main navigation) use `{% outside_drive_url %}`
(files.templatetags.drive_scope).
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, reverse, set_script_prefix
from django.utils.functional import SimpleLazyObject

from accounts.user_pds import UserPds
from files.people import drive_scope

PREFIX = re.compile(r"^/d/(?P<drive_id>[^/]*)(?P<rest>/.*)?$")
DRIVE_ID = re.compile(r"^[0-9]{1,20}$")
# Parts of the site that are no drive's: under the prefix they do not exist.
NOT_IN_A_DRIVE = (
    "/admin/",
    "/accounts/",
    "/i18n/",
    "/v2/",
    "/d/",
    "/static/",
    # The user's own lists across drives, and public share pages: no drive's either.
    "/s/",
    "/shares/",
    "/shared/",
    "/team/",
)


def scoped_path(path_info: str) -> tuple[str, str] | None:
    """(drive_id, the path inside it) of a /d/<drive_id>/... path; None for any other path;
    ("", "") for a /d/ path that names no drive this way (not found)."""
    match = PREFIX.match(path_info)
    if match is None:
        return None
    drive_id, rest = match["drive_id"], match["rest"]
    if not DRIVE_ID.match(drive_id) or not rest or rest.startswith(NOT_IN_A_DRIVE):
        return "", ""
    return drive_id, rest


class DriveScopeMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.drive_id = None  # type: ignore[attr-defined]
        scoped = scoped_path(request.path_info)
        if scoped is None or settings.DRIVE_ROLE == "pds":  # the PDS alone has no drive pages
            return self.get_response(request)
        drive_id, rest = scoped
        if not drive_id:
            return render(request, "files/not_found.html", status=404)
        outside = get_script_prefix()
        request.drive_id = drive_id  # type: ignore[attr-defined]
        request.drive_outside_prefix = outside  # type: ignore[attr-defined]
        request.path_info = rest
        set_script_prefix(f"{outside}d/{drive_id}/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(outside)


def outside_drive(request: HttpRequest | None, url: str) -> str:
    """`url`, reversed in this request, as it is outside the request's drive (the user's own)."""
    outside = getattr(request, "drive_outside_prefix", None)
    if outside is None:
        return url
    inside = get_script_prefix()
    return outside + url[len(inside) :] if url.startswith(inside) else url


def context(request: HttpRequest) -> dict[str, Any]:
    """`drive_scope`: None on the user's own drive; else which drive the page is in (its
    name, kind and top), asked of the PDS only when a template looks at it."""
    user = getattr(request, "user", None)
    if not getattr(request, "drive_id", None) or user is None or not user.is_authenticated:
        return {"drive_scope": None}

    def scope() -> Any:
        shared_url = outside_drive(request, reverse("files:shared_with_me"))
        return drive_scope(pds=UserPds.of(request), drive_id=request.drive_id, shared_url=shared_url)  # type: ignore[attr-defined]

    return {"drive_scope": SimpleLazyObject(scope)}


def drive_url(request: HttpRequest, drive_id: str, viewname: str, *args: Any) -> str:
    """The URL of a drive page (`viewname`, `args`) in the drive `drive_id`."""
    outside = getattr(request, "drive_outside_prefix", None) or get_script_prefix()
    url = outside_drive(request, reverse(viewname, args=args))
    return f"{outside}d/{drive_id}/{url[len(outside) :]}"
