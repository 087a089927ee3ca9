"""What the drive pages read, over the PDS API as the signed-in user (accounts.user_pds).

Everything goes through pds_client, so it works the same against the embedded PDS and
the PDS cloud.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import requests

from accounts.user_pds import UserPds
from files.errors import NotAFile, NotFound, ZipTooLarge
from files.http import OPAQUE
from pds_client import errors as pds_errors

JSON = dict[str, Any]
ROOT = "root"
PAGE_SIZE = 200  # the most a PDS list page holds
MAX_BREADCRUMB_DEPTH = 64
MAX_ZIP_ENTRIES = 10_000
SORTS = {"name": "name", "size": "size", "modified": "updated_at"}
THUMBNAIL_PROCESSES = {"grid": {"image_thumbnail_process": "image/resize,m_fill,w_256,h_256,limit_0"}}
SEARCH_CATEGORIES = ("image", "video", "audio", "doc", "zip", "app", "others")


# What the folder page offers, by the PDS's actions that allow it (any one of them).
RIGHTS: dict[str, tuple[str, ...]] = {
    "upload": ("FILE.CREATE",),
    "rename": ("FILE.UPDATE",),
    "move": ("FILE.MOVE",),
    "trash": ("FILE.DELETE",),
    "share": ("FILE.SHARELINK", "FILE.PERMISSION"),
}


@dataclass
class Listing:
    folder: JSON | None
    items: list[JSON]
    next_marker: str
    breadcrumbs: list[JSON]

    @property
    def can(self) -> dict[str, bool]:
        """What the page offers in this folder and on its items (they have the folder's
        rights): the folder's action_list says. A drive's top (no file/get: the user's own
        drive or a team drive) and a PDS that sends no action_list allow everything."""
        actions = None if self.folder is None else self.folder.get("action_list")
        if actions is None:
            return dict.fromkeys(RIGHTS, True)
        return {right: any(action in actions for action in allowed) for right, allowed in RIGHTS.items()}


def folder_listing(
    *,
    pds: UserPds,
    folder_id: str,
    sort: str,
    direction: str,
    marker: str = "",
    with_breadcrumbs: bool = True,
    only_folders: bool = False,
) -> Listing:
    folder = None
    crumbs: list[JSON] = []
    if folder_id != ROOT:
        folder = pds.files.get(pds.drive_id, folder_id)
        if folder["type"] != "folder":
            raise NotFound("That is not a folder.")
        if with_breadcrumbs:
            crumbs = _ancestors(pds, folder)
    page = pds.files.list_folder(
        pds.drive_id,
        folder_id,
        limit=PAGE_SIZE,
        marker=marker,
        order_by=SORTS.get(sort, "name"),
        order_direction="DESC" if direction == "desc" else "ASC",
        thumbnail_processes=None if only_folders else THUMBNAIL_PROCESSES,
        type_="folder" if only_folders else "",
    )
    return Listing(folder=folder, items=page["items"], next_marker=page["next_marker"], breadcrumbs=crumbs)


def _ancestors(pds: UserPds, folder: JSON) -> list[JSON]:
    chain = [folder]
    parent = folder["parent_file_id"]
    while parent != ROOT and len(chain) < MAX_BREADCRUMB_DEPTH:
        try:
            item = pds.files.get(pds.drive_id, parent)
        except pds_errors.NotFound:
            break  # above a folder shared with the user: theirs to see no more (files.people)
        chain.append(item)
        parent = item["parent_file_id"]
    return list(reversed(chain))


# --- Where items are: the folder paths shown in trash and search -----------------------------


@dataclass
class Located:
    """An item and the folders from the drive's top down to its parent (empty: the top
    itself; None: the parent was deleted for good)."""

    item: JSON
    path: list[JSON] | None


def folder_paths(*, pds: UserPds, folder_ids: list[str]) -> dict[str, list[JSON] | None]:
    """Each folder's chain from just below the drive's top down to the folder itself (None
    when a folder of it is gone). Every distinct folder is read once, a whole level of the
    tree per batch request: a page of 100 items costs as many round trips as its deepest
    path, not one per item per ancestor."""
    known: dict[str, JSON | None] = {}
    wanted = {folder_id for folder_id in folder_ids if folder_id != ROOT}
    for _ in range(MAX_BREADCRUMB_DEPTH):
        missing = sorted(wanted - known.keys())
        if not missing:
            break
        known.update(pds.files.get_many(pds.drive_id, missing))
        wanted = {item["parent_file_id"] for item in known.values() if item and item["parent_file_id"] != ROOT}
    paths: dict[str, list[JSON] | None] = {}
    for folder_id in set(folder_ids):
        chain: list[JSON] | None = []
        current = folder_id
        while current != ROOT and chain is not None and len(chain) < MAX_BREADCRUMB_DEPTH:
            item = known.get(current)
            if item is None:
                chain = None
            else:
                chain.append(item)
                current = item["parent_file_id"]
        paths[folder_id] = None if chain is None else list(reversed(chain))
    return paths


def located(*, pds: UserPds, items: list[JSON]) -> list[Located]:
    """The items, each with the path of the folder it is in (for trash: where it was)."""
    paths = folder_paths(pds=pds, folder_ids=[item["parent_file_id"] for item in items])
    return [Located(item=item, path=paths.get(item["parent_file_id"], [])) for item in items]


def file_get(*, pds: UserPds, file_id: str) -> JSON:
    return pds.files.get(pds.drive_id, file_id)


def listing_items(*, pds: UserPds, file_ids: list[str]) -> list[JSON]:
    """These items as a listing shows them (grid thumbnails included), in the order asked;
    one that is gone, in the trash or still uploading is in no listing and left out."""
    found = pds.files.get_many(pds.drive_id, file_ids, thumbnail_processes=THUMBNAIL_PROCESSES)
    items = (found.get(file_id) for file_id in file_ids)
    return [item for item in items if item and not item.get("trashed") and item.get("status") in (None, "available")]


def file_path(*, pds: UserPds, item: JSON) -> list[JSON]:
    """The folders from the top of the drive down to the one holding `item` ([] at the top)."""
    if item["parent_file_id"] == ROOT:
        return []
    try:
        parent = pds.files.get(pds.drive_id, item["parent_file_id"])
    except pds_errors.NotFound:
        return []  # a file shared with the user on its own: its folder is not theirs to see
    return _ancestors(pds, parent)


def trash_listing(*, pds: UserPds, marker: str = "") -> tuple[list[JSON], str]:
    page = pds.files.recyclebin(pds.drive_id, marker=marker)
    return page["items"], page["next_marker"]


def task_state(*, pds: UserPds, async_task_id: str) -> JSON:
    return pds.files.async_task(async_task_id)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def file_search(
    *, pds: UserPds, text: str, kind: str = "", modified_after: str = "", marker: str = ""
) -> tuple[list[JSON], str]:
    """Names containing `text` (PDS `name match`), optionally of a type and modified since."""
    terms = [f"name match {_quoted(text)}"] if text else []
    if kind in ("file", "folder"):
        terms.append(f"type = {_quoted(kind)}")
    elif kind in SEARCH_CATEGORIES:
        terms.append(f"category = {_quoted(kind)}")
    if modified_after:
        terms.append(f"updated_at >= {_quoted(modified_after + 'T00:00:00')}")
    if not terms:
        return [], ""
    page = pds.files.search(pds.drive_id, " and ".join(terms), marker=marker)
    return page["items"], page["next_marker"]


def file_download_url(*, pds: UserPds, file_id: str, opaque: bool = True) -> tuple[JSON, str]:
    """The file and a signed URL of its bytes; `opaque`: the URL answers with
    application/octet-stream whatever the file's type (see files.http.served_content_type)."""
    item, signed = file_download_target(pds=pds, file_id=file_id, opaque=opaque)
    return item, signed["url"]


def file_download_target(*, pds: UserPds, file_id: str, opaque: bool = True) -> tuple[JSON, JSON]:
    """The file and its get_download_url answer: the signed `url` and, from the embedded PDS
    behind the same nginx that trusts Drive with it, the blob's `x_accel_uri`."""
    try:
        item, signed = pds.files.get_with_download_url(
            pds.drive_id, file_id, response_content_type=OPAQUE if opaque else ""
        )
    except pds_errors.InvalidParameter:
        # A folder has no download URL: say what to do instead.
        if pds.files.get(pds.drive_id, file_id)["type"] != "file":
            raise NotAFile("Folders download as a zip.") from None
        raise
    if item["type"] != "file":
        raise NotAFile("Folders download as a zip.")
    return item, signed


def file_text_head(*, pds: UserPds, url: str, size: int) -> str:
    """The first `size` bytes of a file, as text."""
    upstream, chunks = pds.download(url, headers={"Range": f"bytes=0-{size - 1}"})
    with upstream:
        return b"".join(chunks).decode("utf-8", errors="replace")


def file_thumbnail_open(*, pds: UserPds, file_id: str) -> tuple[requests.Response, Iterator[bytes]]:
    """The grid thumbnail of an image, as a stream."""
    item = pds.files.get(pds.drive_id, file_id, thumbnail_processes=THUMBNAIL_PROCESSES)
    url = (item.get("thumbnail_urls") or {}).get("grid")
    if not url:
        raise NotFound("This file has no thumbnail.")
    return pds.download(url)


def zip_entries(*, pds: UserPds, file_ids: list[str]) -> list[tuple[str, str | None]]:
    """(path in the zip, file_id or None for a folder) for the selection and everything under it."""
    entries: list[tuple[str, str | None]] = []

    def walk(item: JSON, prefix: str) -> None:
        path = f"{prefix}{item['name']}"
        if item["type"] == "file":
            entries.append((path, item["file_id"]))
            return
        entries.append((path + "/", None))
        marker = ""
        while True:
            page = pds.files.list_folder(pds.drive_id, item["file_id"], limit=PAGE_SIZE, marker=marker)
            for child in page["items"]:
                walk(child, path + "/")
                if len(entries) > MAX_ZIP_ENTRIES:
                    raise ZipTooLarge(f"A zip holds at most {MAX_ZIP_ENTRIES} items.")
            marker = page["next_marker"]
            if not marker:
                break

    # The selection's own items in one batch per 100 ("all in this folder" is up to 10,000).
    found = pds.files.get_many(pds.drive_id, file_ids)
    for file_id in file_ids:
        item = found.get(file_id)
        if item is None:
            raise NotFound("One of the selected items is gone.")
        walk(item, "")
    return entries


def file_bytes(*, pds: UserPds, file_id: str) -> Iterator[bytes]:
    """A lazy iterator of a file's bytes (the download URL is asked for on first use)."""
    _, url = file_download_url(pds=pds, file_id=file_id)
    upstream, chunks = pds.download(url)
    try:
        yield from chunks
    finally:
        upstream.close()


# --- A whole folder's children, for "select all N in this folder" (folder-actions) ---------


def folder_child_count(*, pds: UserPds, folder_id: str) -> int:
    return pds.files.count_children(pds.drive_id, folder_id)


def folder_child_ids(*, pds: UserPds, folder_id: str, limit: int) -> list[str]:
    """The ids of the items in a folder, a PDS page at a time, at most `limit` (ask for one
    more than you take, to know whether the folder holds more)."""
    ids: list[str] = []
    marker = ""
    while len(ids) < limit:
        page = pds.files.list_folder(pds.drive_id, folder_id, limit=PAGE_SIZE, marker=marker)
        ids.extend(item["file_id"] for item in page["items"])
        marker = page["next_marker"]
        if not marker:
            break
    return ids[:limit]


def folder_choices(*, pds: UserPds, folder_id: str, marker: str = "") -> tuple[list[JSON], list[JSON], str]:
    """For choosing where to move or copy: the folder's path from the top (empty for the top
    itself; its last step is the folder, with its action_list), a page of its folders by
    name, and the marker of the next page."""
    crumbs = _ancestors(pds, pds.files.get(pds.drive_id, folder_id)) if folder_id != ROOT and not marker else []
    if crumbs and crumbs[-1]["type"] != "folder":
        raise NotFound("That is not a folder.")
    page = pds.files.list_subfolders(pds.drive_id, folder_id, limit=PAGE_SIZE, marker=marker)
    return crumbs, page["items"], page["next_marker"]
