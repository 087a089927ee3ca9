"""People in photos (PDS face groups): what the People pages read and change, over the PDS API
as the signed-in user, in the drive the page is in (accounts.user_pds). Not to be confused
with files/people.py, the people one shares with."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils.translation import gettext as _

from accounts.user_pds import UserPds
from files.albums import file_ids_clean
from files.errors import DriveError, InvalidInput, NotFound
from files.photos import Day, days_of, photo_of, remember_thumbnails
from pds_client import errors as pds_errors
from pds_client.albums_api import StoryFile
from pds_client.faces_api import FaceGroup, FacesAPI

NAME_MAX = 128  # FaceGroup.name
MAX_PEOPLE_PAGES = 20  # 2,000 people in one list
PERSON_PAGE = 100
STRIP_SIZE = 12  # the faces the Photos home shows
# How much of the photo around the face a round cover shows: the face's box, this many
# times as wide (a face alone, cut at the chin, reads badly in a circle).
COVER_MARGIN = 1.8


class PeopleChangeRefused(DriveError):
    """A role in a drive that does not let one name, merge or correct its people."""

    status = 403
    code = "ForbiddenNoPermission.FaceGroup"


def faces_api(pds: UserPds) -> FacesAPI:
    return FacesAPI(pds.client, pds)


@dataclass(frozen=True)
class Crop:
    """The square of the cover photo a round cover shows, in the cover's pixels (the
    viewBox of templates/files/_face_cover.html), and the cover's own size."""

    x: int
    y: int
    side: int
    width: int
    height: int


@dataclass
class Person:
    group_id: str
    name: str
    count: int
    cover_file_id: str
    crop: Crop | None


def face_crop(group: FaceGroup) -> Crop | None:
    """A square around the cover face, COVER_MARGIN times its size, kept inside the photo;
    None without a face box (the cover then shows whole, cut to a circle)."""
    box = group.get("group_cover_face_boundary")
    width, height = int(group.get("group_cover_width") or 0), int(group.get("group_cover_height") or 0)
    if not box or width <= 0 or height <= 0:
        return None
    side = min(round(max(box["width"], box["height"]) * COVER_MARGIN), width, height)
    side = max(side, 1)
    centre_x, centre_y = box["left"] + box["width"] / 2, box["top"] + box["height"] / 2
    x = min(max(round(centre_x - side / 2), 0), width - side)
    y = min(max(round(centre_y - side / 2), 0), height - side)
    return Crop(x, y, side, width, height)


def _person(group: FaceGroup) -> Person:
    return Person(
        group_id=str(group.get("group_id") or ""),
        name=str(group.get("group_name") or ""),
        count=int(group.get("image_count") or 0),
        cover_file_id=str(group.get("group_cover_file_id") or ""),
        crop=face_crop(group),
    )


def person_name_clean(name: object) -> str:
    """A person's name from a form: trimmed, at most NAME_MAX characters; "" takes the name
    away."""
    if name is not None and not isinstance(name, str):  # a list or a number is not a name
        raise InvalidInput(_("Type a name."))
    text = " ".join((name or "").split())
    if len(text) > NAME_MAX:
        raise InvalidInput(_("Use at most %(count)d characters.") % {"count": NAME_MAX})
    return text


def group_ids_clean(value: object) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise InvalidInput(_("Choose a person to merge with."))
    return list(dict.fromkeys(item[:64] for item in value))[:50]


# --- reads ----------------------------------------------------------------------------------


def people_list(*, pds: UserPds) -> list[Person]:
    """The drive's people with photos: those with most photos first, the named before the
    unnamed of as many."""
    api, marker, people = faces_api(pds), "", []
    for _page in range(MAX_PEOPLE_PAGES):
        page = api.list_facegroups(pds.drive_id, marker=marker)
        people += [_person(group) for group in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    people = [person for person in people if person.group_id and person.count > 0]
    people.sort(key=lambda person: (-person.count, not person.name, person.name.casefold()))
    return people


def people_top(*, pds: UserPds, count: int = STRIP_SIZE) -> tuple[list[Person], bool]:
    """The `count` people with most photos (the PDS lists them so: one page, not the whole
    list), and whether there are more."""
    page = faces_api(pds).list_facegroups(pds.drive_id, limit=count + 1)
    people = [person for person in map(_person, page["items"]) if person.group_id and person.count > 0]
    people.sort(key=lambda person: (-person.count, not person.name, person.name.casefold()))
    return people[:count], len(people) > count or bool(page["next_marker"])


def person_get(*, pds: UserPds, group_id: str, people: list[Person] | None = None) -> Person:
    """One person of the drive (NotFound when there is none of that id)."""
    for person in people if people is not None else people_list(pds=pds):
        if person.group_id == group_id:
            return person
    raise NotFound(_("That person is not in your photos any more."))


@dataclass
class PersonPhotos:
    days: list[Day]
    count: int
    next_marker: str


def person_photos(*, pds: UserPds, group_id: str, marker: str = "", limit: int = PERSON_PAGE) -> PersonPhotos:
    """A page of the person's photos and videos, newest capture first, by the date they were
    taken, and the marker of the next page ("" at the end)."""
    page = faces_api(pds).search_face_photos(pds.drive_id, group_id, marker=marker, limit=limit)
    items: list[StoryFile] = page["items"]
    remember_thumbnails(pds, list(items))
    photos = [photo for photo in (photo_of(dict(item)) for item in items) if photo]
    return PersonPhotos(days=days_of(photos), count=len(photos), next_marker=page["next_marker"])


# --- changes --------------------------------------------------------------------------------


@contextmanager
def _refused_as_people_change() -> Iterator[None]:
    """A refused change in the person's words, in their language: a role that does not allow
    it, or a person gone meanwhile (merged away in another tab, or left with no photo)."""
    try:
        yield
    except pds_errors.Forbidden as error:
        if not error.code.startswith("ForbiddenNoPermission"):
            raise
        raise PeopleChangeRefused(_("Your role in this drive doesn't let you change its people.")) from None
    except pds_errors.NotFound as error:
        if error.code != "NotFound.FaceGroup":
            raise
        raise NotFound(_("That person is not in your photos any more.")) from None


def person_rename(*, pds: UserPds, group_id: str, name: object) -> str:
    """Name the person ("" to take the name away); the name as kept."""
    clean = person_name_clean(name)
    with _refused_as_people_change():
        faces_api(pds).update_facegroup(pds.drive_id, group_id, name=clean)
    return clean


def people_merge(*, pds: UserPds, group_id: str, other_id: str) -> str:
    """Make two people one; the group_id of the one that stays: the one with a name (this one
    when both have, or neither)."""
    if other_id == group_id:
        raise InvalidInput(_("Choose another person to merge with."))
    people = people_list(pds=pds)
    this, other = (
        person_get(pds=pds, group_id=group_id, people=people),
        person_get(pds=pds, group_id=other_id, people=people),
    )
    kept, gone = (other, this) if other.name and not this.name else (this, other)
    with _refused_as_people_change():
        faces_api(pds).merge_facegroups(pds.drive_id, kept.group_id, [gone.group_id])
    return kept.group_id


def person_photos_remove(*, pds: UserPds, group_id: str, file_ids: object) -> int:
    """Take the photos out of the person (the files stay; they do not come back to this
    person); how many were taken out."""
    ids = file_ids_clean(file_ids)
    api = faces_api(pds)
    with _refused_as_people_change():
        for file_id in ids:
            api.remove_face_group_file(pds.drive_id, group_id, file_id)
    return len(ids)


def person_gone(*, pds: UserPds, group_id: str) -> bool:
    """Whether the person has no photo left (the PDS then lets the person go)."""
    try:
        return not faces_api(pds).search_face_photos(pds.drive_id, group_id, limit=1)["items"]
    except pds_errors.NotFound:
        return True
