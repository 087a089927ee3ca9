"""Albums (PDS stories): what the Albums pages and the album picker read and change, over the
PDS API as the signed-in user, in the drive the page is in (accounts.user_pds)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _

from accounts.user_pds import UserPds
from files.errors import AlbumChangeRefused, InvalidInput, NotFound
from files.photos import remember_thumbnails
from files.shares import expiration_on, live_shares
from pds_client import errors as pds_errors
from pds_client.albums_api import AlbumsAPI, Story, StoryFile

JSON = dict[str, Any]
NAME_MAX = 128
MAX_ALBUM_PAGES = 10  # 1,000 albums in one list: more than a person keeps
MAX_FILES_PER_CHANGE = 500
PICKER_PAGE = 60


def albums_api(pds: UserPds) -> AlbumsAPI:
    return AlbumsAPI(pds.client, pds)


@dataclass
class AlbumCard:
    story_id: str
    name: str
    count: int
    cover_file_id: str


def album_name_clean(name: object) -> str:
    """An album's name from a form: trimmed, not empty, not too long."""
    text = " ".join(str(name or "").split())
    if not text:
        raise InvalidInput(_("Enter a name for the album."))
    if len(text) > NAME_MAX:
        raise InvalidInput(_("Use at most %(count)d characters.") % {"count": NAME_MAX})
    return text


def file_ids_clean(value: object) -> list[str]:
    """A list of file ids from a JSON body (each a short string), without repeats."""
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise InvalidInput(_("Choose at least one photo."))
    if len(value) > MAX_FILES_PER_CHANGE:
        raise InvalidInput(_("Choose at most %(count)d photos at a time.") % {"count": MAX_FILES_PER_CHANGE})
    return list(dict.fromkeys(item[:64] for item in value))


def _files_of(story: Story) -> list[StoryFile]:
    return list(story.get("story_file_list") or [])


def _card(story: Story) -> AlbumCard:
    files = _files_of(story)
    count = len(files) if "story_file_list" in story else int(story.get("file_count") or 0)
    cover = str(story.get("cover_file_id") or (files[0].get("file_id", "") if files else ""))
    return AlbumCard(str(story["story_id"]), str(story.get("story_name") or ""), count, cover)


# --- reads ----------------------------------------------------------------------------------


def albums_list(*, pds: UserPds) -> list[AlbumCard]:
    """The drive's albums, newest first, each with its photo count and cover."""
    api, marker, cards = albums_api(pds), "", []
    for _page in range(MAX_ALBUM_PAGES):
        page = api.search_stories(pds.drive_id, marker=marker)
        cards += [_card(story) for story in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    return cards


def _capture_order(item: StoryFile) -> tuple[int, str, str]:
    when = str(item.get("image_time") or "")
    return (0 if when else 1, when, str(item.get("name") or ""))


@dataclass
class Album:
    story_id: str
    name: str
    cover_file_id: str
    files: list[StoryFile]


def album_get(*, pds: UserPds, story_id: str) -> Album:
    """An album and its photos in capture-date order (oldest first; those of no known date last)."""
    story = albums_api(pds).get_story(pds.drive_id, story_id)
    if story.get("story_type") not in (None, "", "custom"):
        raise NotFound(_("That album does not exist."))
    files = sorted(_files_of(story), key=_capture_order)
    remember_thumbnails(pds, list(files))
    card = _card(story)
    return Album(card.story_id, card.name, card.cover_file_id, files)


def photos_page(
    *, pds: UserPds, city: str = "", marker: str = "", limit: int = PICKER_PAGE
) -> tuple[list[StoryFile], str]:
    """A page of the drive's photos, newest capture first (in `city` when given), and the
    marker of the next page ("" at the end)."""
    page = albums_api(pds).search_photos(pds.drive_id, city=city, limit=limit, marker=marker)
    remember_thumbnails(pds, list(page["items"]))
    return page["items"], page["next_marker"]


def album_links(*, pds: UserPds, story_id: str) -> list[JSON]:
    """The user's live links to the album, newest first."""
    return live_shares(pds=pds, keep=lambda share: share.get("story_id") == story_id)


# --- changes --------------------------------------------------------------------------------


@contextmanager
def _refused_as_album_change() -> Iterator[None]:
    """A role that lets one see a drive's albums but not change them: said about albums."""
    try:
        yield
    except pds_errors.Forbidden as error:
        if error.code != "ForbiddenNoPermission.File":
            raise
        raise AlbumChangeRefused(_("Your role in this drive doesn't let you change its albums.")) from None


def _added(answer: JSON, *, strict: bool = True) -> int:
    """How many of the files asked for went in; when none did and `strict`, InvalidInput
    with the reason."""
    results = list(answer.get("files") or [])
    refused = [result for result in results if result.get("error_code")]
    if strict and results and len(refused) == len(results):
        raise InvalidInput(str(refused[0].get("error_message") or _("Those files cannot go into an album.")))
    return len(results) - len(refused)


@_refused_as_album_change()
def album_create(*, pds: UserPds, name: str, file_ids: list[str] | None = None) -> tuple[str, int]:
    """A new album named `name` (with these photos, when given): its story_id and how many
    photos went in."""
    api = albums_api(pds)
    story_id = api.create_story(pds.drive_id, album_name_clean(name))
    added = _added(api.add_story_files(pds.drive_id, story_id, file_ids), strict=False) if file_ids else 0
    return story_id, added


@_refused_as_album_change()
def album_rename(*, pds: UserPds, story_id: str, name: str) -> str:
    clean = album_name_clean(name)
    albums_api(pds).update_story(pds.drive_id, story_id, name=clean)
    return clean


@_refused_as_album_change()
def album_cover_set(*, pds: UserPds, story_id: str, file_id: str) -> None:
    albums_api(pds).update_story(pds.drive_id, story_id, cover_file_id=file_id)


@_refused_as_album_change()
def album_files_add(*, pds: UserPds, story_id: str, file_ids: list[str]) -> int:
    """Add the photos to the album (those in it already stay as they are); how many of them
    could go in (InvalidInput with the reason when none could)."""
    return _added(albums_api(pds).add_story_files(pds.drive_id, story_id, file_ids))


@_refused_as_album_change()
def album_files_remove(*, pds: UserPds, story_id: str, file_ids: list[str]) -> None:
    """Take the photos out of the album; the files themselves stay in the drive."""
    albums_api(pds).remove_story_files(pds.drive_id, story_id, file_ids)


@_refused_as_album_change()
def album_delete(*, pds: UserPds, story_id: str) -> None:
    """Delete the album; its photos stay in the drive."""
    albums_api(pds).delete_story(pds.drive_id, story_id)


@_refused_as_album_change()
def album_share(
    *, pds: UserPds, story_id: str, password: str = "", expires_on: date | None = None, download_limit: int = 0
) -> JSON:
    """A new link to the album, which shows its photos as they are when opened."""
    api = albums_api(pds)
    api.get_story(pds.drive_id, story_id)  # theirs and still there: else NotFound
    expiration = expiration_on(expires_on)
    return api.share_story(
        pds.drive_id, story_id, expiration=expiration, password=password, download_limit=download_limit
    )
