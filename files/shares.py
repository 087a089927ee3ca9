"""Sharing: links with an optional password, expiry and download limit; the public share
pages. A visitor's share token stays in their Drive session on the server, never in the page."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Generator, Iterator, MutableMapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import requests
import zipstream
from django.utils import timezone
from django.utils.translation import gettext

from accounts.pds_connection import pds_client
from accounts.user_pds import UserPds
from files import selectors
from files.errors import (
    HANDLED,
    DriveError,
    NotFound,
    ShareDownloadDisabled,
    ShareFieldInvalid,
    ShareLimitReached,
    ZipTooLarge,
    message_of,
    problem_for,
)
from files.http import OPAQUE, closing_stream
from pds_client import SharesAPI

log = logging.getLogger(__name__)

JSON = dict[str, Any]
SESSION_KEY = "share_tokens"
MAX_SHARE_PAGES = 10  # the links of one file are looked for among the owner's newest 1,000
# Thumbnails through a share are previews, not downloads: they do not count against its limit.
# The large one is as good as the picture, though: only while the link allows downloads.
SHARE_THUMBNAILS = {
    "grid": {"image_thumbnail_process": "image/resize,m_fill,w_256,h_256,limit_0"},
    "large": {"image_thumbnail_process": "image/resize,m_lfit,w_1600,h_1600"},
    # An album's link: the sizes the PDS renders once per photo at ingest (its Photos grid, its viewer).
    "photo": {"image_thumbnail_process": "image/resize,m_lfit,w_480,h_480"},
    "full": {"image_thumbnail_process": "image/resize,m_lfit,w_1920,h_1920"},
}
LARGE_THUMBNAILS = ("large", "full")


# What may end a zip's stream once it has begun: the file left out is named in a note inside.
ZIP_STREAM_ERRORS: tuple[type[Exception], ...] = (*HANDLED, requests.RequestException)
LEFT_OUT_NAME = "NOT INCLUDED.txt"


def _pds_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expiration_on(day: date | None) -> str:
    """The PDS expiration of a link that works until the end of `day` (the site's time zone);
    "" for none."""
    if day is None:
        return ""
    if day < timezone.localdate():
        raise ShareFieldInvalid("expires_on", "Choose today or a later day.")
    if day > timezone.localdate() + timedelta(days=3650):
        raise ShareFieldInvalid("expires_on", "Choose a day within ten years.")
    end = datetime.combine(day, datetime.max.time().replace(microsecond=0))
    return _pds_time(timezone.make_aware(end))


def share_create(
    *,
    pds: UserPds,
    file_ids: list[str],
    password: str,
    download_limit: int,
    expires_in_days: int = 0,
    expires_on: date | None = None,
) -> JSON:
    expiration = expiration_on(expires_on)
    if expires_in_days > 0:
        expiration = _pds_time(timezone.now() + timedelta(days=expires_in_days))
    return pds.shares.create(
        pds.drive_id, file_ids, password=password, expiration=expiration, download_limit=download_limit
    )


def share_update(
    *,
    pds: UserPds,
    share_id: str,
    change_expiry: bool = False,
    expires_on: date | None = None,
    download_limit: int | None = None,
    password: str = "",
    remove_password: bool = False,
) -> JSON:
    """New settings for one of the user's links. The expiry changes only with `change_expiry`
    (to `expires_on`, None for none), the limit only when given; a blank password keeps the
    one the link has."""
    pds.shares.get(share_id)  # theirs, and still there: else NotFound before anything changes
    return pds.shares.update(
        share_id,
        password="" if remove_password else (password or None),
        expiration=expiration_on(expires_on) if change_expiry else None,
        download_limit=download_limit,
    )


def live_shares(*, pds: UserPds, keep: Callable[[JSON], bool]) -> list[JSON]:
    """The user's live links that `keep` keeps, newest first (at most MAX_SHARE_PAGES pages)."""
    found: list[JSON] = []
    marker = ""
    for _ in range(MAX_SHARE_PAGES):
        page = pds.shares.list_mine(marker=marker)
        found += [share for share in page.get("items") or [] if share.get("status") != "disabled" and keep(share)]
        marker = page.get("next_marker", "")
        if not marker:
            break
    return sorted(found, key=lambda share: share.get("created_at", ""), reverse=True)


def shares_of_file(*, pds: UserPds, file_id: str) -> list[JSON]:
    """The user's live links that hold `file_id`, newest first."""
    return live_shares(pds=pds, keep=lambda share: file_id in share.get("file_id_list", []))


def shares_find(*, pds: UserPds, name: str = "", marker: str = "") -> tuple[list[JSON], str]:
    """A page of the user's live links, newest first, those whose name holds `name` when given;
    and the marker of the next page ("" at the end)."""
    page = pds.shares.search(name=name.strip()[:200], limit=50, marker=marker)
    return page["items"], page.get("next_marker", "")


def share_cancel(*, pds: UserPds, share_id: str) -> None:
    pds.shares.cancel(share_id)


def _anonymous() -> SharesAPI:
    return SharesAPI(pds_client())


def share_about(*, share_id: str) -> JSON:
    return _anonymous().about(share_id)


def downloads_refused(about: JSON) -> DriveError | None:
    """Why the link (its `share_about`) allows no more downloads, or None when it does."""
    if about.get("disable_download"):
        return ShareDownloadDisabled(gettext("The owner turned off downloads for this link."))
    limit = int(about.get("download_limit") or 0)
    if limit and int(about.get("download_count") or 0) >= limit:
        return ShareLimitReached(gettext("This link has no downloads left."))
    return None


def check_downloads(about: JSON) -> None:
    """Refuse (a 403 error) when the link allows no more downloads."""
    refusal = downloads_refused(about)
    if refusal is not None:
        raise refusal


def share_unlock(*, session: MutableMapping[str, Any], share_id: str, password: str = "") -> str:
    """Get a share token (checking the password) and keep it in the session."""
    answer = _anonymous().share_token(share_id, password)
    tokens = dict(session.get(SESSION_KEY, {}))
    tokens[share_id] = {
        "token": answer["share_token"],
        "expires": time.time() + int(answer.get("expires_in") or 0) - 30,
    }
    session[SESSION_KEY] = tokens
    share_token: str = answer["share_token"]
    return share_token


def share_token_in(*, session: MutableMapping[str, Any], share_id: str) -> str | None:
    entry = session.get(SESSION_KEY, {}).get(share_id)
    return entry["token"] if entry and entry["expires"] > time.time() else None


def shared_listing(
    *, share_id: str, share_token: str, folder_id: str, marker: str = "", size: str = "grid"
) -> tuple[JSON | None, JSON]:
    """A page of the folder (or of an album's link's photos), each picture's `size` thumbnail
    under thumbnail_urls["grid"]."""
    api = _anonymous()
    folder = api.get_file(share_id, share_token, folder_id) if folder_id != "root" else None
    grid = {"grid": SHARE_THUMBNAILS[size]}
    return folder, api.list_files(share_id, share_token, folder_id, marker=marker, thumbnail_processes=grid)


def shared_download(*, share_id: str, share_token: str, file_id: str) -> tuple[JSON, str]:
    api = _anonymous()
    item = api.get_file(share_id, share_token, file_id)
    return item, api.download_url(share_id, share_token, file_id, response_content_type=OPAQUE)["url"]


def shared_save(*, pds: UserPds, share_id: str, share_token: str, file_id: str) -> JSON:
    """Copy a shared item into the signed-in user's drive."""
    return pds.shares.save_copy(share_id, share_token, file_id)


def shared_thumbnail_open(
    *, share_id: str, share_token: str, file_id: str, size: str
) -> tuple[requests.Response, Iterator[bytes]]:
    """An image's thumbnail through a share ("grid" or "large"), as a stream. The large one
    only while the link allows downloads (it is not counted as one)."""
    if size in LARGE_THUMBNAILS:
        check_downloads(share_about(share_id=share_id))
    process = {size: SHARE_THUMBNAILS[size]}
    item = _anonymous().get_file(share_id, share_token, file_id, thumbnail_processes=process)
    url = (item.get("thumbnail_urls") or {}).get(size)
    if item.get("category") != "image" or not url:
        raise NotFound("This file has no preview.")
    return pds_client().download(url)


def shared_zip_entries(*, share_id: str, share_token: str, about: JSON) -> list[tuple[str, str | None]]:
    """(path in the zip, file_id or None for a folder) for everything the share holds; refused
    when its download limit (`about`, the link as share_about read it) cannot cover every
    file (each file's bytes count as one download)."""
    api = _anonymous()
    entries: list[tuple[str, str | None]] = []

    def walk(parent_id: str, prefix: str) -> None:
        marker = ""
        while True:
            page = api.list_files(share_id, share_token, parent_id, marker=marker, limit=200)
            for child in page["items"]:
                path = f"{prefix}{child['name']}"
                if child["type"] == "file":
                    entries.append((path, child["file_id"]))
                else:
                    entries.append((path + "/", None))
                    walk(child["file_id"], path + "/")
                if len(entries) > selectors.MAX_ZIP_ENTRIES:
                    raise ZipTooLarge(f"A zip holds at most {selectors.MAX_ZIP_ENTRIES} items.")
            marker = page["next_marker"]
            if not marker:
                return

    walk("root", "")
    files = sum(1 for _, file_id in entries if file_id)
    limit = int(about.get("download_limit") or 0)
    if limit and int(about.get("download_count") or 0) + files > limit:
        raise ShareLimitReached("This link does not allow that many more downloads.")
    return entries


def shared_file_open(*, share_id: str, share_token: str, file_id: str) -> Iterator[bytes]:
    """A shared file's bytes as a stream, its download claimed (and counted) now."""
    _, url = shared_download(share_id=share_id, share_token=share_token, file_id=file_id)
    upstream, chunks = pds_client().download(url)
    return closing_stream(upstream, chunks)


def shared_zip(*, share_id: str, share_token: str, about: JSON) -> Iterator[bytes]:
    """Everything the share holds as one zip, each file one download of the link. Everything
    that can be checked is, before this returns (errors, so no byte is sent): the link allows
    downloads, enough of them for every file, and the first file's download is claimed. Later
    files are claimed as the stream reaches them; one that can no longer be had (the token ran
    out, another download used up the limit) ends the files, logged: the zip stays whole, with
    a note naming what it left out."""
    check_downloads(about)
    entries = shared_zip_entries(share_id=share_id, share_token=share_token, about=about)
    first = next((file_id for _, file_id in entries if file_id), None)
    opened = {first: shared_file_open(share_id=share_id, share_token=share_token, file_id=first)} if first else {}
    return _zip_stream(share_id, share_token, entries, opened)


def _zip_stream(
    share_id: str, share_token: str, entries: list[tuple[str, str | None]], opened: dict[str, Iterator[bytes]]
) -> Iterator[bytes]:
    archive = zipstream.ZipStream(compress_type=zipstream.ZIP_STORED, sized=False)
    for at, (path, file_id) in enumerate(entries):
        try:
            if file_id is None:
                archive.mkdir(path)
            else:
                chunks = opened.pop(file_id, None)
                if chunks is None:
                    chunks = shared_file_open(share_id=share_id, share_token=share_token, file_id=file_id)
                archive.add(chunks, path)
            yield from archive.all_files()
        except ZIP_STREAM_ERRORS as error:
            # Headers are sent: end the files here and the archive well (a part of this file
            # already sent is outside the zip's directory, so no reader lists it).
            # (A broken connection's own text may hold a signed URL: never shown.)
            reason = message_of(error) if problem_for(error) else gettext("the drive service stopped answering")
            log.warning("Share %s: zip stopped at %s: %s (%s)", share_id, path, reason, type(error).__name__)
            left = [name for name, left_id in entries[at:] if left_id]
            note = gettext("These files could not be downloaded through the link ({reason}):").format(reason=reason)
            archive.add("\n".join([note, *left, ""]).encode(), LEFT_OUT_NAME)
            break
    for unused in opened.values():  # claimed but not reached: its connection goes back now
        if isinstance(unused, Generator):
            unused.close()
    yield from archive.finalize()
