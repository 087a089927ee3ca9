"""The Photos pages (templates/files/photos.html, static/js/photos.js, photos-viewer.js): the
timeline and its pages, "On this day", thumbnails of the fixed sizes, the viewer's info panel
and a video's playable bytes. Thin: parse, call a selector of files.photos or
files.photos_info as the signed-in user, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from accounts.user_pds import UserPds
from files import photos, photos_info
from files.decorators import json_api, pds_page
from files.errors import InvalidInput, NotFound
from files.http import closing_stream, proxy_download
from pds_client import errors as pds_errors

JSON = dict[str, Any]
# The key of the timeline's first page (a key is never empty: "" says there is no page).
FIRST_PAGE = "top=1"


def _time(request: HttpRequest, key: str) -> str:
    value = request.GET.get(key, "")
    if value and photos.parse_time(value) is None:
        raise InvalidInput(f"{key}: not a date and time.")
    return value


def _page(request: HttpRequest) -> photos.TimelinePage:
    return photos.timeline_page(
        pds=UserPds.of(request),
        before=_time(request, "before"),
        after=_time(request, "after"),
        marker=request.GET.get("marker", ""),
    )


@login_required
@pds_page
@require_GET
def timeline(request: HttpRequest) -> HttpResponse:
    pds = UserPds.of(request)
    before = _time(request, "before")  # a month of the scrubber, without scripts
    page = photos.timeline_page(pds=pds, before=before)
    try:
        years = photos.time_buckets(pds=pds)
    except pds_errors.PDSError:
        years = []  # the scrubber is a help; the timeline shows without it
    key = photos.page_key(before=before) or FIRST_PAGE
    context = {"page": page, "years": years, "page_key": key, "before": before}
    return render(request, "files/photos.html", context)


@login_required
@pds_page
@require_GET
def timeline_page(request: HttpRequest) -> HttpResponse:
    """One page of the timeline, for the page to put in place as the person scrolls."""
    try:
        page = _page(request)
    except InvalidInput as error:
        return HttpResponse(error.message, status=400, content_type="text/plain")
    key = request.GET.urlencode()
    return render(request, "files/_photos_page.html", {"page": page, "page_key": key})


@login_required
@pds_page
@require_GET
def on_this_day(request: HttpRequest) -> HttpResponse:
    """Photos taken on this day (`?date=`, the person's own today) in earlier years."""
    try:
        today = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        today = None
    if today is None or not 1900 <= today.year <= 2200:  # the years a capture time can have
        return HttpResponse("date: give a day as YYYY-MM-DD.", status=400, content_type="text/plain")
    pds = UserPds.of(request)
    try:
        years = [entry.year for entry in photos.time_buckets(pds=pds)] or None
    except pds_errors.PDSError:
        years = None
    memories = photos.on_this_day(pds=pds, today=today, years=years)
    return render(request, "files/_photos_on_this_day.html", {"memories": memories})


@login_required
@pds_page
@require_GET
def thumbnail(request: HttpRequest, file_id: str, size: str) -> HttpResponseBase:
    if size not in photos.THUMBNAIL_SIZES:
        return HttpResponse(status=404)
    upstream, chunks = photos_info.thumbnail_open(pds=UserPds.of(request), file_id=file_id, size=size)
    response = StreamingHttpResponse(closing_stream(upstream, chunks), status=upstream.status_code)
    response["Content-Type"] = "image/jpeg"
    # The address names the content (?v=<content hash>): a new version is a new address.
    response["Cache-Control"] = "private, max-age=86400" if request.GET.get("v") else "private, max-age=600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@pds_page
@require_GET
def info(request: HttpRequest, file_id: str) -> HttpResponse:
    """The viewer's info panel of one photo or video."""
    details = photos_info.photo_info(pds=UserPds.of(request), file_id=file_id)
    return render(request, "files/_photos_info.html", {"info": details})


@require_GET
@json_api
def play(request: HttpRequest, body: JSON, file_id: str) -> JSON:
    """Whether the video plays now ({"state": "finished", "src"}), is being made playable
    ("running": ask again), or cannot play here ("failed", "none": download it)."""
    playback = photos_info.video_playback(pds=UserPds.of(request), file_id=file_id)
    src = reverse("files:photos_video", args=[file_id]) if playback.state == "finished" else ""
    return {"state": playback.state, "src": src}


@login_required
@pds_page
@require_GET
def video(request: HttpRequest, file_id: str) -> HttpResponseBase:
    """The video's playable bytes (the original, or its rendition), with Range for seeking."""
    try:
        item, url = photos_info.video_stream_item(pds=UserPds.of(request), file_id=file_id)
    except NotFound:
        return HttpResponse(status=404)
    return proxy_download(request, url, item, as_attachment=False)
