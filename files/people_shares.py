"""Sharing with people: who has access to a file or folder (its owner, and the users and
groups given a role on it or on a folder above it), finding people and groups to add, and
giving, changing and taking away their roles."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, TypedDict

from django.utils.translation import gettext

from accounts.user_pds import UserPds
from files.errors import AccessChangeRefused
from pds_client import errors as pds_errors
from pds_client.permissions_api import EDITOR, GROUP, USER, VIEWER, identity

JSON = dict[str, Any]
Kind = Literal["user", "group"]
ROLES: dict[str, str] = {"viewer": VIEWER, "editor": EDITOR}
ROLE_NAMES = {role_id: name for name, role_id in ROLES.items()}
IDENTITY_TYPES: dict[str, str] = {"user": USER, "group": GROUP}
KINDS = {identity_type: kind for kind, identity_type in IDENTITY_TYPES.items()}
MATCHES = 8  # people, and groups, offered as one types


class Candidate(TypedDict):
    """A user or group that "Add people" offers."""

    type: str
    id: str
    name: str
    detail: str


class Member(TypedDict):
    """One line of "People with access"."""

    type: str
    id: str
    name: str
    role: str  # "owner", "viewer", "editor", or a PDS role id the dialog does not offer
    role_id: str
    inherited_from: str  # the folder above it was given on ("" when given on this item)
    inherited_name: str


def role_label(role: str) -> str:
    labels = {"owner": gettext("Owner"), "viewer": gettext("Viewer"), "editor": gettext("Editor")}
    return labels.get(role, role)


def people_find(*, pds: UserPds, text: str, me: str) -> list[Candidate]:
    """Users (all but the caller) and groups whose name holds `text`, users first."""
    text = text.strip()
    if not text:
        return []
    found: list[Candidate] = []
    for user in pds.permissions.search_users(text, limit=MATCHES + 1).get("items", []):
        if user.get("user_id") == me:
            continue
        name = user.get("nick_name") or user.get("user_name") or user["user_id"]
        detail = user.get("user_name") or user["user_id"]
        found.append({"type": "user", "id": user["user_id"], "name": name, "detail": detail if detail != name else ""})
    try:
        groups = pds.permissions.search_groups(text, limit=MATCHES).get("items", [])
    except pds_errors.PDSError as error:
        if not _refusal(error):
            raise
        groups = []  # a PDS (or an app's scopes) that lists groups to administrators only
    for group in groups:
        found.append(
            {
                "type": "group",
                "id": group["group_id"],
                "name": group.get("group_name") or group["group_id"],
                "detail": group.get("description") or "",
            }
        )
    return found[: MATCHES * 2]


def _refusal(error: pds_errors.PDSError) -> bool:
    """A 403 of the PDS (its codes: Forbidden, ForbiddenNoPermission.File, ...)."""
    return isinstance(error, pds_errors.Forbidden) or error.status == 403


def _drive(pds: UserPds) -> JSON | None:
    """The drive, when the caller may read it (its owner, an administrator, a team member)."""
    try:
        return pds.permissions.drive(pds.drive_id)
    except pds_errors.NotFound:
        return None
    except pds_errors.PDSError as error:
        if not _refusal(error):
            raise
        return None


def _folder_names(pds: UserPds, file_ids: set[str]) -> dict[str, str]:
    names = {"root": gettext("the whole drive")}
    wanted = sorted(file_ids - {"root"})
    if wanted:
        for file_id, item in pds.files.get_many(pds.drive_id, wanted).items():
            names[file_id] = (item or {}).get("name") or gettext("a folder above")
    return names


def access_of(*, pds: UserPds, file_id: str, me: str, my_name: str) -> JSON:
    """Who has access to the item: {"manage": may the caller change it, "members": the owner
    first (when the caller may know them), then each user's and group's role}."""
    drive = _drive(pds)
    permissions = pds.permissions.list(pds.drive_id, file_id)
    # The PDS says what the caller may do to the file (action_list); a PDS that does not
    # say: the owner of a personal drive manages it.
    actions = pds.files.get(pds.drive_id, file_id).get("action_list")
    if isinstance(actions, list):
        manage = "FILE.PERMISSION" in actions
    else:
        manage = drive is not None and drive.get("owner_type") == "user" and drive.get("owner") == me
    inherited = {entry["inherited_from"] for entry in permissions if entry.get("inherited_from")}
    names = _folder_names(pds, inherited) if inherited else {}
    members: list[Member] = []
    if drive is not None:
        is_group = drive.get("owner_type") == "group"
        owner = str(drive.get("owner") or "")
        if is_group:
            name = drive.get("drive_name") or drive.get("owner_name") or owner
        else:
            name = my_name if owner == me else str(drive.get("owner_name") or owner)
        members.append(
            {
                "type": "group" if is_group else "user",
                "id": owner,
                "name": name,
                "role": "owner",
                "role_id": "",
                "inherited_from": "",
                "inherited_name": "",
            }
        )
    for entry in permissions:
        who = entry.get("identity") or {}
        role_id = str(entry.get("role_id") or "")
        from_id = str(entry.get("inherited_from") or "")
        members.append(
            {
                "type": KINDS.get(who.get("identity_type", ""), "user"),
                "id": str(who.get("identity_id") or ""),
                "name": entry.get("identity_name") or str(who.get("identity_id") or ""),
                "role": ROLE_NAMES.get(role_id, role_id),
                "role_id": role_id,
                "inherited_from": from_id,
                "inherited_name": names.get(from_id, "") if from_id else "",
            }
        )
    # Given here before given above; people before groups; then by name.
    members[1 if drive is not None else 0 :] = sorted(
        members[1 if drive is not None else 0 :],
        key=lambda member: (bool(member["inherited_from"]), member["type"] != "user", member["name"].casefold()),
    )
    return {"manage": manage, "members": members}


def _changing(change: Callable[[], None]) -> None:
    """Make a change of roles; the PDS's refusal (the caller may not manage them) in words."""
    try:
        change()
    except pds_errors.PDSError as error:
        if not _refusal(error):
            raise
        if error.code.startswith("ForbiddenNoPermission"):
            raise AccessChangeRefused(gettext("Only the owner can change who has access to this.")) from error
        raise AccessChangeRefused(error.message) from error


def access_grant(*, pds: UserPds, file_id: str, kind: Kind, identity_id: str, role: str) -> None:
    """Give a user or group `role` ("viewer", "editor") on the item; a role they have here changes."""
    member = identity(IDENTITY_TYPES[kind], identity_id)
    _changing(lambda: pds.permissions.add(pds.drive_id, file_id, member, ROLES[role]))


def access_remove(*, pds: UserPds, file_id: str, kind: Kind, identity_id: str, role_id: str) -> None:
    """Take away the role given on this item (one given on a folder above goes there)."""
    member = identity(IDENTITY_TYPES[kind], identity_id)
    _changing(lambda: pds.permissions.remove(pds.drive_id, file_id, member, role_id))
