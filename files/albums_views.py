"""Albums: the Albums page, an album's page, and the JSON endpoints their modules and the album
picker (static/js/albums*.js, album-picker.js) call. Logic in files/albums.py."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.user_pds import UserPds
from files import albums
from files.decorators import json_api, pds_page
from files.errors import ShareFieldInvalid
from files.panel_views import ShareSettingsForm, share_json
from files.photos import photo_of
from files.templatetags.drive import pds_time

JSON = dict[str, Any]


def thumbnail_url(file_id: str) -> str:
    """The Photos grid's thumbnail of a photo or video (files/photos_views.py), "" for none."""
    return reverse("files:photos_thumbnail", args=[file_id, "480"]) if file_id else ""


def _card_json(card: albums.AlbumCard) -> JSON:
    return {
        "story_id": card.story_id,
        "name": card.name,
        "count": card.count,
        "cover_url": thumbnail_url(card.cover_file_id),
        "url": reverse("files:album", args=[card.story_id]),
    }


def photo_json(item: albums.StoryFile) -> JSON:
    file_id = str(item.get("file_id") or "")
    return {
        "file_id": file_id,
        "name": str(item.get("name") or ""),
        "image_time": str(item.get("image_time") or ""),
        "video": item.get("category") == "video",
        "thumb_url": thumbnail_url(file_id),
        "open_url": reverse("files:preview", args=[file_id]),
    }


def tile_json(item: albums.StoryFile) -> JSON:
    """A photo of an album's or a place's grid, with what the Photos viewer
    (static/js/photos-viewer.js) reads from its tile: kind, media type, version and the
    wall-clock time it was taken at."""
    photo = photo_json(item)
    found = photo_of(dict(item))
    photo["moment"] = pds_time(photo["image_time"])
    photo["kind"] = "video" if photo["video"] else "image"
    photo["content_type"] = str(item.get("content_type") or "")
    photo["content_hash"] = str(dict(item).get("content_hash") or "")
    photo["local"] = found.local if found else None
    return photo


def _picker_labels() -> JSON:
    """The album picker's words (static/js/album-picker.js builds its dialog from them)."""
    return {
        "title": _("Add to album"),
        "new_album": _("New album"),
        "name": _("Album name"),
        "create": _("Create and add"),
        "cancel": _("Cancel"),
        "albums": _("Albums"),
        "empty": _("No albums yet: make one with a name."),
        "added": _("Added to “%(name)s”."),
        "count": _("%(count)s items"),
        "count_one": _("1 item"),
        "selected": _("%(count)s selected"),
        "open": _("Open album"),
    }


# --- pages ----------------------------------------------------------------------------------


@login_required
@pds_page
@require_GET
def albums_page(request: HttpRequest) -> HttpResponse:
    cards = [_card_json(card) for card in albums.albums_list(pds=UserPds.of(request))]
    return render(request, "files/albums.html", {"albums": cards, "photos_nav": "albums"})


@login_required
@pds_page
@require_GET
def album_page(request: HttpRequest, story_id: str) -> HttpResponse:
    album = albums.album_get(pds=UserPds.of(request), story_id=story_id)
    photos = [tile_json(item) for item in album.files]
    for photo in photos:
        photo["is_cover"] = photo["file_id"] == album.cover_file_id
    context = {"album": album, "photos": photos, "photos_nav": "album"}
    return render(request, "files/album.html", context)


# --- JSON -----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@json_api
def albums_api(request: HttpRequest, body: JSON) -> JSON:
    """GET: the drive's albums (and the picker's words). POST {name, file_ids?}: a new album."""
    pds = UserPds.of(request)
    if request.method == "GET":
        cards = [_card_json(card) for card in albums.albums_list(pds=pds)]
        return {"items": cards, "labels": _picker_labels()}
    file_ids = albums.file_ids_clean(body["file_ids"]) if body.get("file_ids") else None
    story_id, added = albums.album_create(pds=pds, name=body.get("name", ""), file_ids=file_ids)
    return {"story_id": story_id, "url": reverse("files:album", args=[story_id]), "added": added}


@require_POST
@json_api
def album_rename(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    name = albums.album_rename(pds=UserPds.of(request), story_id=story_id, name=body.get("name", ""))
    return {"name": name}


@require_POST
@json_api
def album_cover(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    file_id = albums.file_ids_clean([body.get("file_id")])[0]
    albums.album_cover_set(pds=UserPds.of(request), story_id=story_id, file_id=file_id)
    return {"cover_file_id": file_id}


@require_POST
@json_api
def album_add(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    file_ids = albums.file_ids_clean(body.get("file_ids"))
    added = albums.album_files_add(pds=UserPds.of(request), story_id=story_id, file_ids=file_ids)
    return {"added": added}


@require_POST
@json_api
def album_remove(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    file_ids = albums.file_ids_clean(body.get("file_ids"))
    albums.album_files_remove(pds=UserPds.of(request), story_id=story_id, file_ids=file_ids)
    return {"removed": len(file_ids)}


@require_POST
@json_api
def album_delete(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    albums.album_delete(pds=UserPds.of(request), story_id=story_id)
    return {"url": reverse("files:albums")}


@require_http_methods(["GET", "POST"])
@json_api
def album_share(request: HttpRequest, body: JSON, story_id: str) -> JSON:
    """GET: the album's live links. POST {expires_on, password, download_limit}: a new link
    (the fields of the share dialog, static/js/share-settings.js)."""
    pds = UserPds.of(request)
    if request.method == "GET":
        return {"shares": [share_json(request, share) for share in albums.album_links(pds=pds, story_id=story_id)]}
    values = {key: value for key, value in body.items() if isinstance(value, str | bool | int) and value != ""}
    form = ShareSettingsForm(values)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        raise ShareFieldInvalid(field, str(errors[0]))
    fields = form.cleaned_data
    share = albums.album_share(
        pds=pds,
        story_id=story_id,
        password=fields["password"] or "",
        expires_on=fields["expires_on"],
        download_limit=fields["download_limit"] or 0,
    )
    return {"share": share_json(request, share)}


@require_GET
@json_api
def photos_api(request: HttpRequest, body: JSON) -> JSON:
    """A page of the drive's photos, newest first: the "Add photos" picker's."""
    items, next_marker = albums.photos_page(pds=UserPds.of(request), marker=request.GET.get("marker", "")[:512])
    return {"items": [photo_json(item) for item in items], "next_marker": next_marker}
