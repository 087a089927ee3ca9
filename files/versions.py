"""A file's versions (the PDS's revisions) and its activity (the PDS's audit log), read and
changed over the PDS API as the signed-in user (accounts.user_pds): what the Versions dialog and
the details panel's Activity section show, and the changes they make."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _

from accounts.user_pds import UserPds
from files import selectors
from files.errors import NotAFile, NotFound
from files.templatetags.drive import pds_time
from pds_client import errors as pds_errors

JSON = dict[str, Any]
VERSIONS_PAGE = 20  # versions per page of the dialog ("Show more" brings the next)


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, as people say it: "just now", "5 minutes ago", "2 days ago"."""
    if moment is None:
        return ""
    now = now or timezone.now()
    if now - moment < timedelta(minutes=1):
        return _("just now")
    return _("%(time)s ago") % {"time": timesince(moment, now, depth=1)}


# --- Versions -------------------------------------------------------------------------------


@dataclass
class Version:
    """A revision as the dialog shows it."""

    revision: JSON
    moment: datetime | None
    ago: str
    mine: bool

    @property
    def revision_id(self) -> str:
        return str(self.revision["revision_id"])

    @property
    def number(self) -> str:
        return str(self.revision.get("revision_version") or "")

    @property
    def is_latest(self) -> bool:
        return bool(self.revision.get("is_latest_version"))

    @property
    def keep_forever(self) -> bool:
        return bool(self.revision.get("keep_forever"))

    @property
    def size(self) -> int:
        return int(self.revision.get("size") or 0)

    @property
    def creator(self) -> str:
        return str(self.revision.get("creator_name") or self.revision.get("creator_id") or "")

    @property
    def created_at(self) -> str:
        return str(self.revision.get("created_at") or "")


def version_of(revision: JSON, *, me: str = "", now: datetime | None = None) -> Version:
    moment = pds_time(revision.get("created_at", ""))
    mine = bool(me) and revision.get("creator_id") == me
    return Version(revision=revision, moment=moment, ago=ago(moment, now), mine=mine)


def file_of_versions(*, pds: UserPds, file_id: str) -> JSON:
    """The file whose versions are asked for; a folder has none."""
    item = pds.files.get(pds.drive_id, file_id)
    if item["type"] != "file":
        raise NotAFile(_("Folders have no versions."))
    return item


def versions_page(*, pds: UserPds, file_id: str, marker: str = "", me: str = "") -> tuple[list[Version], str]:
    """A page of the file's versions, newest first, and the marker of the next page."""
    page = pds.revisions.list(pds.drive_id, file_id, limit=VERSIONS_PAGE, marker=marker)
    now = timezone.now()
    return [version_of(revision, me=me, now=now) for revision in page.get("items", [])], page.get("next_marker") or ""


def version_download_url(*, pds: UserPds, file_id: str, revision_id: str) -> tuple[JSON, str]:
    """The version as an item to serve (its name and type) and a signed URL of its bytes."""
    revision = pds.revisions.get(pds.drive_id, file_id, revision_id)
    if revision.get("file_id") and revision["file_id"] != file_id:
        raise pds_errors.NotFound("NotFound.Revision", "The version was not found.", 404)
    name = revision.get("revision_name") or pds.files.get(pds.drive_id, file_id)["name"]
    url = str(revision.get("download_url") or revision.get("url") or "")
    if not url:  # a version whose content is gone
        raise NotFound(_("This version has no content to download."))
    return {"name": name, "content_type": revision.get("content_type") or ""}, url


def version_restore(*, pds: UserPds, file_id: str, revision_id: str) -> tuple[JSON, JSON]:
    """Make a version current again (as a new version); returns it and the file as it now is."""
    restored = pds.revisions.restore(pds.drive_id, file_id, revision_id)
    return restored, pds.files.get(pds.drive_id, file_id, thumbnail_processes=selectors.THUMBNAIL_PROCESSES)


def version_keep(*, pds: UserPds, file_id: str, revision_id: str, keep_forever: bool) -> JSON:
    """Keep a version however old it gets (past the drive's retention), or stop keeping it."""
    return pds.revisions.update(pds.drive_id, file_id, revision_id, keep_forever=keep_forever)


def version_delete(*, pds: UserPds, file_id: str, revision_id: str) -> None:
    pds.revisions.delete(pds.drive_id, file_id, revision_id)
