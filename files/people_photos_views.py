"""People in photos: the People page, the strip of faces on the Photos home, a person's page,
and the JSON endpoints their modules (static/js/people.js, person.js) call. Logic in
files/people_photos.py."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.user_pds import UserPds
from files import people_photos
from files.albums_views import thumbnail_url
from files.decorators import json_api, pds_page
from files.errors import HANDLED
from files.photos import Photo

JSON = dict[str, Any]


def person_json(person: people_photos.Person) -> JSON:
    return {
        "group_id": person.group_id,
        "name": person.name,
        "count": person.count,
        "cover_url": thumbnail_url(person.cover_file_id),
        "crop": person.crop,
        "url": reverse("files:person", args=[person.group_id]),
    }


def _tile(photo: Photo) -> JSON:
    return {
        "photo": photo,
        "thumb_url": thumbnail_url(photo.file_id),
        "open_url": reverse("files:preview", args=[photo.file_id]),
    }


@login_required
@pds_page
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    people = [person_json(person) for person in people_photos.people_list(pds=UserPds.of(request))]
    return render(request, "files/people.html", {"people": people, "photos_nav": "people"})


@login_required
@require_GET
def people_strip(request: HttpRequest) -> HttpResponse:
    """The Photos home's row of faces (empty when there is nobody, or the PDS cannot say:
    the strip is a help, the timeline shows without it)."""
    try:
        people, more = people_photos.people_top(pds=UserPds.of(request))
    except HANDLED:
        people, more = [], False
    if not people:
        return HttpResponse("")
    shown = [person_json(person) for person in people]
    return render(request, "files/_people_strip.html", {"people": shown, "more": more})


@login_required
@pds_page
@require_GET
def person_page(request: HttpRequest, group_id: str) -> HttpResponse:
    pds = UserPds.of(request)
    people = people_photos.people_list(pds=pds)
    person = people_photos.person_get(pds=pds, group_id=group_id, people=people)
    marker = request.GET.get("marker", "")[:512]
    found = people_photos.person_photos(pds=pds, group_id=group_id, marker=marker)
    days = [{"day": day.day, "tiles": [_tile(photo) for photo in day.photos]} for day in found.days]
    next_page = f"?{urlencode({'marker': found.next_marker})}" if found.next_marker else ""
    others = [person_json(other) for other in people if other.group_id != group_id]
    context = {
        "person": person_json(person),
        "days": days,
        "next_page": next_page,
        "later_page": bool(marker),
        "others": others,
        "photos_nav": "person",
    }
    return render(request, "files/person.html", context)


# --- JSON -----------------------------------------------------------------------------------


@require_POST
@json_api
def person_rename(request: HttpRequest, body: JSON, group_id: str) -> JSON:
    name = people_photos.person_rename(pds=UserPds.of(request), group_id=group_id, name=body.get("name", ""))
    return {"name": name}


@require_POST
@json_api
def person_merge(request: HttpRequest, body: JSON, group_id: str) -> JSON:
    """{other_id}: the two people become one; the page of the one that stays."""
    other_id = people_photos.group_ids_clean([body.get("other_id")])[0]
    kept = people_photos.people_merge(pds=UserPds.of(request), group_id=group_id, other_id=other_id)
    return {"group_id": kept, "url": reverse("files:person", args=[kept])}


@require_POST
@json_api
def person_remove(request: HttpRequest, body: JSON, group_id: str) -> JSON:
    """{file_ids}: the photos are not of this person."""
    pds = UserPds.of(request)
    removed = people_photos.person_photos_remove(pds=pds, group_id=group_id, file_ids=body.get("file_ids"))
    if not people_photos.person_gone(pds=pds, group_id=group_id):
        return {"removed": removed}
    # Their last photo: the person is no more; the page goes to People, which says so.
    messages.success(request, _("That person is not in your photos any more."))
    return {"removed": removed, "gone": True, "url": reverse("files:people_photos")}
