"""What other people give the signed-in user: the team drives they reach and the files and
folders shared with them (pages "Team drives" and "Shared with me"), and which drive a
/d/<drive_id>/ page is in (files.drive_scope)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.errors import CredentialDead, PdsUnavailable
from accounts.user_pds import UserPds
from pds_client import errors as pds_errors

JSON = dict[str, Any]
MAX_GROUP_DRIVE_PAGES = 10  # 1,000 team drives: more than anyone reaches
ROLE_NAMES = {
    "SystemFileOwner": _("Owner"),
    "SystemFileEditor": _("Editor"),
    "SystemFileUploader": _("Uploader"),
    "SystemFileDownloader": _("Downloader"),
    "SystemFileViewer": _("Viewer"),
    "SystemFilePreviewer": _("Previewer"),
    "SystemFileUploaderAndViewer": _("Uploader and viewer"),
    "SystemFileUploaderAndDownloader": _("Uploader and downloader"),
    "SystemFileMetaViewer": _("Can see the list"),
}


def role_name(role_id: str) -> str:
    """A PDS role in words (a role of no known name: its id without "SystemFile")."""
    name = ROLE_NAMES.get(role_id)
    return str(name) if name else role_id.removeprefix("SystemFile") or "—"


@dataclass(frozen=True)
class DriveScope:
    """The drive a /d/<drive_id>/ page is in: a team drive (its top is its root) or another
    person's drive, of which the user reaches only what was shared with them (its top is
    "Shared with me")."""

    drive_id: str
    kind: str  # "team" or "shared"
    name: str
    url: str  # the top: the team drive's root, or the Shared with me page

    @property
    def is_team(self) -> bool:
        return self.kind == "team"


def team_drive(*, pds: UserPds, drive_id: str) -> JSON | None:
    """The team drive `drive_id` among those the user reaches, or None."""
    marker = ""
    for _page in range(MAX_GROUP_DRIVE_PAGES):
        page = pds.people.my_group_drives(marker=marker)
        for drive in page["items"]:
            if str(drive.get("drive_id")) == drive_id:
                return dict(drive)
        marker = page["next_marker"]
        if not marker:
            break
    return None


def drive_scope(*, pds: UserPds, drive_id: str, shared_url: str) -> DriveScope | None:
    """Which drive a page in /d/<drive_id>/ is in; None when it is the user's own default
    drive. A PDS that cannot say (unreachable, or without team drives) makes it a drive
    shared with them: the page still works, its top reads "Shared with me" (`shared_url`)."""
    shared = DriveScope(drive_id, "shared", str(_("Shared with me")), shared_url)
    try:
        if drive_id == pds.default_drive_id:
            return None
        drive = team_drive(pds=pds, drive_id=drive_id)
    except (pds_errors.PDSError, PdsUnavailable, CredentialDead):
        return shared
    if drive is None:
        return shared
    return DriveScope(drive_id, "team", drive.get("drive_name") or str(_("Team drive")), reverse("files:home"))


@dataclass
class Page:
    items: list[JSON]
    next_marker: str


def team_drives(*, pds: UserPds, marker: str = "") -> Page:
    """A page of the team drives the user reaches, in the PDS's order. Not sorted here: a page
    sorted by name would restart the order at each "More"; and drive/list_my_group_drive has
    no order to ask for (only drive_name, limit, marker), so the PDS's own order (the order the
    drives were made) is the one that stays whole across pages."""
    page = pds.people.my_group_drives(marker=marker)
    return Page(items=[dict(drive) for drive in page["items"]], next_marker=page["next_marker"])


def shared_with_me(*, pds: UserPds, marker: str = "") -> Page:
    """A page of the files and folders shared with the user, each with who shared it and
    the role in words (`role_name`)."""
    page = pds.people.received_files(marker=marker)
    items = []
    for received in page["items"]:
        item: JSON = dict(received)
        shared_by = item.get("shared_by") or {}
        item["shared_by_name"] = shared_by.get("name") or shared_by.get("user_id") or ""
        item["role_name"] = role_name(str(item.get("role_id") or ""))
        items.append(item)
    return Page(items=items, next_marker=page["next_marker"])
