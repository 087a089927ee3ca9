"""Pages of what other people give the user: "Shared with me" and "Team drives". Each item
opens in its own drive, at /d/<drive_id>/ (files.drive_scope)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from accounts.user_pds import UserPds
from files import people
from files.decorators import pds_page
from files.drive_scope import drive_url


def _next_page(marker: str) -> str:
    return f"?{urlencode({'marker': marker})}" if marker else ""


@login_required
@pds_page
@require_GET
def shared_with_me(request: HttpRequest) -> HttpResponse:
    page = people.shared_with_me(pds=UserPds.of(request), marker=request.GET.get("marker", ""))
    for item in page.items:
        drive_id, file_id = str(item.get("drive_id", "")), str(item.get("file_id", ""))
        if item.get("type") == "folder":
            item["open_url"] = drive_url(request, drive_id, "files:folder", file_id)
        else:
            item["open_url"] = drive_url(request, drive_id, "files:preview", file_id)
            item["download_url"] = drive_url(request, drive_id, "files:download", file_id)
    context = {"items": page.items, "next_page": _next_page(page.next_marker)}
    return render(request, "files/shared_with_me.html", context)


@login_required
@pds_page
@require_GET
def team_drives(request: HttpRequest) -> HttpResponse:
    page = people.team_drives(pds=UserPds.of(request), marker=request.GET.get("marker", ""))
    for drive in page.items:
        drive["url"] = drive_url(request, str(drive.get("drive_id", "")), "files:home")
    context = {"drives": page.items, "next_page": _next_page(page.next_marker)}
    return render(request, "files/team_drives.html", context)
