"""A file's activity in plain words, from the PDS's audit log (`audit_log/list`): "Alice renamed
it from a.txt", "Bob restored version 2", each with how long ago."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.user_pds import UserPds
from files.templatetags.drive import pds_time
from files.versions import ago
from pds_client import errors as pds_errors

JSON = dict[str, Any]
MAX_READS = 12  # audit_log/list calls for one page at most (about half the rows may be left out)
ACTIVITY_PAGE = 20  # rows per page of the details panel's Activity ("Show more" brings the next)

# What each action type says; %(actor)s is who did it ("You" for the person reading), the rest
# come from the row's detail (pds_server's audit rows). When the detail lacks what a form
# needs, the next form is used. file.complete is left out: its upload's file.create says it.
PHRASES: dict[str, tuple[str, ...]] = {
    "file.create": (gettext_noop("%(actor)s created it"),),
    "file.upload": (gettext_noop("%(actor)s uploaded it"),),
    "file.upload_again": (gettext_noop("%(actor)s uploaded a new version"),),
    "file.update": (gettext_noop("%(actor)s changed it"),),
    "file.rename": (gettext_noop("%(actor)s renamed it from %(old_name)s"), gettext_noop("%(actor)s renamed it")),
    "file.move": (gettext_noop("%(actor)s moved it to %(to_path)s"), gettext_noop("%(actor)s moved it")),
    "file.copy": (gettext_noop("%(actor)s made a copy of it"),),
    "file.trash": (gettext_noop("%(actor)s moved it to the trash"),),
    "file.restore": (gettext_noop("%(actor)s restored it from the trash"),),
    "file.delete": (gettext_noop("%(actor)s deleted it forever"),),
    "revision.restore": (
        gettext_noop("%(actor)s restored version %(version)s"),
        gettext_noop("%(actor)s restored an earlier version"),
    ),
    "revision.delete": (
        gettext_noop("%(actor)s deleted version %(version)s"),
        gettext_noop("%(actor)s deleted a version"),
    ),
    "revision.keep": (
        gettext_noop("%(actor)s kept version %(version)s forever"),
        gettext_noop("%(actor)s kept a version forever"),
    ),
    "revision.unkeep": (
        gettext_noop("%(actor)s stopped keeping version %(version)s forever"),
        gettext_noop("%(actor)s stopped keeping a version forever"),
    ),
    "revision.update": (
        gettext_noop("%(actor)s changed how long version %(version)s is kept"),
        gettext_noop("%(actor)s changed how long a version is kept"),
    ),
    "permission.add": (gettext_noop("%(actor)s shared it with %(people)s"), gettext_noop("%(actor)s shared it")),
    "permission.remove": (
        gettext_noop("%(actor)s stopped sharing it with %(people)s"),
        gettext_noop("%(actor)s stopped sharing it"),
    ),
    "share_link.create": (gettext_noop("%(actor)s created a share link"),),
    "share_link.update": (gettext_noop("%(actor)s changed a share link"),),
    "share_link.cancel": (gettext_noop("%(actor)s cancelled a share link"),),
}
SKIPPED = ("file.complete",)


@dataclass
class Activity:
    """One row of the file's activity."""

    text: str
    moment: datetime | None
    ago: str
    acted_at: str


def _detail(row: JSON) -> JSON:
    """The row's detail, with the SDK's nested parts (AuditLogDetail.file_log_detail) flattened."""
    detail = row.get("detail")
    if not isinstance(detail, dict):
        return {}
    flat = {key: value for key, value in detail.items() if not isinstance(value, dict)}
    for part in ("file_log_detail", "drive_log_detail", "user_log_detail"):
        if isinstance(detail.get(part), dict):
            flat.update(detail[part])
    return flat


def _where(path: str) -> str:
    """A folder path of the log ("/Photos/2024", "/" for the top) as the sentence says it."""
    path = path.strip("/")
    return path if path else _("the top of the drive")


def _people(detail: JSON) -> str:
    members = detail.get("member_list")
    names = (
        [
            str(m.get("identity_name") or m.get("identity_id"))
            for m in members
            if isinstance(m, dict) and m.get("identity_id")
        ]
        if isinstance(members, list)
        else []
    )
    return ", ".join(names)


def _values(row: JSON, versions: dict[str, str]) -> dict[str, str]:
    """What the phrases may name, from the row's detail; "" where it does not say."""
    detail = _detail(row)
    version = str(detail.get("revision_version") or versions.get(str(detail.get("revision_id") or ""), ""))
    to_path = detail.get("to_parent_path")
    return {
        "old_name": str(detail.get("old_name") or ""),
        "to_path": _where(str(to_path)) if isinstance(to_path, str) and to_path else "",
        "version": version,
        "people": _people(detail),
    }


def phrase(row: JSON, *, me: str = "", action_type: str = "", versions: dict[str, str] | None = None) -> str:
    """The row in plain words (`action_type` in place of the row's own, when given)."""
    actor = _("You") if me and row.get("actor_id") == me else str(row.get("actor_name") or row.get("actor_id") or "")
    actor = actor or _("Someone")
    kind = action_type or str(row.get("action_type") or "")
    forms = PHRASES.get(kind)
    if not forms:
        return _("%(actor)s: %(action)s") % {"actor": actor, "action": kind or _("a change")}
    values = _values(row, versions or {})
    for form in forms:
        needed = [key for key in values if f"%({key})s" in form]
        if all(values[key] for key in needed) or form == forms[-1]:
            return _(form) % {"actor": actor, **{key: values[key] for key in needed}}
    raise AssertionError("unreachable")


def _kinds(rows: list[JSON], *, complete: bool) -> list[str]:
    """Each row's action type as the list says it: a file's file.create is its upload, the
    first one "uploaded it", a later one (an upload over it) "uploaded a new version".
    `complete`: these rows reach back to the file's beginning (no older page)."""
    kinds = [str(row.get("action_type") or "") for row in rows]
    for index, row in enumerate(rows):  # keep_forever, where the log says which way it went
        keep = _detail(row).get("keep_forever")
        if kinds[index] == "revision.update" and isinstance(keep, bool):
            kinds[index] = "revision.keep" if keep else "revision.unkeep"
    first_upload = True
    for index in range(len(rows) - 1, -1, -1):  # oldest first
        if kinds[index] == "file.create" and _detail(rows[index]).get("type") == "file":
            kinds[index] = "file.upload" if first_upload and complete else "file.upload_again"
            first_upload = False
    return kinds


def _version_numbers(*, pds: UserPds, file_id: str, rows: list[JSON]) -> dict[str, str]:
    """revision_id → version number, for the revision rows whose detail does not say it
    (read from the file's revisions, only when there are such rows)."""
    wanted = {
        str(_detail(row).get("revision_id"))
        for row in rows
        if str(row.get("action_type", "")).startswith("revision.") and not _detail(row).get("revision_version")
    }
    if not wanted:
        return {}
    found: dict[str, str] = {}
    marker = ""
    for _page in range(10):  # the newest 1,000 versions at most
        page = pds.revisions.list(pds.drive_id, file_id, limit=100, marker=marker)
        for revision in page.get("items", []):
            found[str(revision.get("revision_id"))] = str(revision.get("revision_version") or "")
        marker = page.get("next_marker") or ""
        if not marker or wanted <= found.keys():
            break
    return found


def file_activity(*, pds: UserPds, file_id: str, marker: str = "", me: str = "") -> tuple[list[Activity], str]:
    """A page of the file's activity, newest first (ACTIVITY_PAGE rows, fewer at the end), and
    the marker of the next page. Rows the list leaves out (SKIPPED, and attempts the PDS
    refused: activity is what happened to the file) do not count, so more than one page of the
    log may be read; each is read whole, so the marker goes on from the last row read."""
    rows: list[JSON] = []
    for _read in range(MAX_READS):
        wanted = ACTIVITY_PAGE - len(rows)
        page = pds.revisions.activity(pds.drive_id, file_id, limit=wanted, marker=marker)
        rows += [
            row
            for row in page.get("items", [])
            if row.get("result") in (None, "", "success") and row.get("action_type") not in SKIPPED
        ]
        marker = page.get("next_marker") or ""
        if not marker or len(rows) >= ACTIVITY_PAGE:
            break
    kinds = _kinds(rows, complete=not marker)
    versions = _version_numbers(pds=pds, file_id=file_id, rows=rows)
    now = timezone.now()
    found = []
    for row, kind in zip(rows, kinds, strict=True):
        moment = pds_time(str(row.get("acted_at") or ""))
        text = phrase(row, me=me, action_type=kind, versions=versions)
        found.append(Activity(text, moment, ago(moment, now), str(row.get("acted_at") or "")))
    return found, marker


def file_activity_or_none(*, pds: UserPds, file_id: str, me: str = "") -> tuple[list[Activity], str] | None:
    """The first page of the activity for the details panel, or None when the PDS will not
    show it to this person (the audit log may be for owners and administrators only): the rest
    of the details still shows."""
    try:
        return file_activity(pds=pds, file_id=file_id, me=me)
    except (pds_errors.Forbidden, pds_errors.NotFound, pds_errors.InvalidParameter):
        return None
