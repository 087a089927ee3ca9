"""Drives and files other people give a user a role on: the team (group) drives they reach,
and the files and folders shared with them. Calls made with one caller's token."""

from __future__ import annotations

from typing import TypedDict, cast

from pds_client.client import JSON, CallerAPI

PAGE_LIMIT = 100  # the most a PDS page of these holds


class Drive(TypedDict, total=False):
    """A drive as `drive/get` and `drive/list_my_group_drive` answer it."""

    drive_id: str
    drive_name: str
    description: str
    owner: str
    owner_type: str  # "user" or "group"
    used_size: int
    total_size: int | None


class SharedBy(TypedDict, total=False):
    user_id: str
    name: str


class ReceivedFile(TypedDict, total=False):
    """A file or folder shared with the caller (the file's own fields, and who shared it
    with which role)."""

    drive_id: str
    file_id: str
    parent_file_id: str
    name: str
    type: str  # "file" or "folder"
    size: int
    file_extension: str
    category: str
    updated_at: str
    created_at: str
    shared_at: str
    shared_by: SharedBy
    role_id: str  # a PDS system role, e.g. "SystemFileViewer"


class DrivePage(TypedDict):
    items: list[Drive]
    next_marker: str


class ReceivedPage(TypedDict):
    items: list[ReceivedFile]
    next_marker: str


def _page(answer: JSON) -> JSON:
    return {"items": list(answer.get("items") or []), "next_marker": str(answer.get("next_marker") or "")}


class PeopleAPI(CallerAPI):
    """Reads only: each retries on transient faults."""

    def my_group_drives(self, *, limit: int = PAGE_LIMIT, marker: str = "") -> DrivePage:
        """A page of the team drives the caller reaches through their groups."""
        answer = self._read("drive/list_my_group_drive", {"limit": limit, "marker": marker})
        return cast(DrivePage, _page(answer))

    def received_files(self, *, limit: int = PAGE_LIMIT, marker: str = "") -> ReceivedPage:
        """A page of what was shared with the caller, directly or through a group."""
        answer = self._read("file/list_received_file", {"limit": limit, "marker": marker})
        return cast(ReceivedPage, _page(answer))
