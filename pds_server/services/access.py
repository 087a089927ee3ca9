"""Who may act on which drive: the one rule, used by every endpoint that names a drive.

A user acts on the drives they own; a domain administrator (or a service token) on every
drive of the domain; anyone else only on the files where a permission gives them (or a
group they are in) a role, and on what is under them (`drive_grant`, `DriveGrant.require`:
every file endpoint goes through these). A drive or file the caller may not reach is a 404
`NotFound`, the same answer as for one that does not exist; a role that does not allow the
action is a 403. A disabled drive is locked for its files and, except to administrators
managing it, for everything else too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from django.db.models import Q, QuerySet
from django.utils import timezone

from pds_server import errors
from pds_server.models import Domain, Drive, File, FilePermission, Group, PdsUser

ROOT = "root"


@dataclass(frozen=True)
class Actor:
    """The caller as policy sees it: the domain, the user (None for a service token) and
    whether they administer the domain."""

    domain: Domain
    user: PdsUser | None
    is_admin: bool

    @property
    def user_id(self) -> str:
        return self.user.user_id if self.user else ""


def row_id(value: object) -> int | None:
    """A database id written in ASCII digits that a 64-bit column can hold, else None
    (`str.isdigit` also admits other scripts' digits, which `int` then reads)."""
    text = str(value)
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 18 else None


def owner_filter(user_id: str, *, prefix: str = "") -> Q:
    """The drives `user_id` owns, as a filter (on Drive, or on a relation through `prefix`)."""
    return Q(**{f"{prefix}owner_type": Drive.OwnerType.USER, f"{prefix}owner": user_id})


def owns(user: PdsUser | None, drive: Drive) -> bool:
    return user is not None and drive.owner_type == Drive.OwnerType.USER and drive.owner == user.user_id


def drive_of_domain(*, actor: Actor, drive_id: object) -> Drive:
    """The drive `drive_id` of the caller's domain, whoever may reach it; else NotFound.Drive."""
    raw_id = str(drive_id or "")
    if not raw_id:
        raise errors.MissingParameter("drive_id")
    pk = row_id(raw_id)
    # By primary key: a slice, without the ORDER BY that .first() adds (every file request).
    drive = next(iter(Drive.objects.filter(domain=actor.domain, pk=pk)[:1]), None) if pk is not None else None
    if drive is None:
        raise errors.NotFound("Drive")
    return drive


def drive_resolve(*, actor: Actor, drive_id: object, managing: bool = False, reading: bool = False) -> Drive:
    """The drive `drive_id` if `actor` may act on it, else NotFound.Drive (or
    ForbiddenDriveLocked when it is disabled). `managing`: an administrator reading or
    changing the drive record itself, which a disabled drive allows. `reading`: reading the
    drive record, which a role anywhere in it also allows (a team drive's members, those a
    folder of it was shared with: the share dialog names the owner to them)."""
    drive = drive_of_domain(actor=actor, drive_id=drive_id)
    allowed = owns(actor.user, drive) or actor.is_admin
    if not allowed and reading and actor.user is not None:
        allowed = any(roles_in(actor.user, drive).values())
    if not allowed:
        raise errors.NotFound("Drive")
    if drive.status != Drive.Status.ENABLED and not (managing and actor.is_admin):
        raise errors.Forbidden("The drive is disabled.", code="ForbiddenDriveLocked")
    return drive


# --- Files: roles on a file, a folder or a whole drive -----------------------------------------


class Can(StrEnum):
    """What a role allows on a file (and, on a folder, on everything under it)."""

    LIST = "list"  # see it in listings, get, search
    PREVIEW = "preview"  # thumbnails
    DOWNLOAD = "download"  # download URLs (the viewer too: it shows the bytes)
    UPLOAD = "upload"  # create files and folders inside
    EDIT = "edit"  # rename, move, new revisions, restore a revision
    DELETE = "delete"  # trash, delete, restore from the recycle bin
    SHARE = "share"  # public share links
    MANAGE = "manage"  # give and take others' roles (add/remove_permission)


EVERYTHING = frozenset(Can)
_READ = frozenset({Can.LIST, Can.PREVIEW, Can.DOWNLOAD})
_EDIT = _READ | {Can.UPLOAD, Can.EDIT, Can.DELETE, Can.SHARE}
# The PDS's system roles (FilePermissionMember.role_id). SystemFileViewer may download:
# Drive's viewer shows a file's own bytes, so "preview but not download" would be theatre.
ROLE_CAPABILITIES: dict[str, frozenset[Can]] = {
    "SystemFileOwner": EVERYTHING,
    "SystemFileEditor": _EDIT,
    "SystemFileEditorWithoutDelete": _EDIT - {Can.DELETE},
    "SystemFileEditorWithoutShareLink": _EDIT - {Can.SHARE},
    "SystemFileUploaderAndDownloaderWithShareLink": _READ | {Can.UPLOAD, Can.SHARE},
    "SystemFileUploaderAndDownloader": _READ | {Can.UPLOAD},
    "SystemFileDownloaderWithShareLink": _READ | {Can.SHARE},
    "SystemFileDownloader": _READ,
    "SystemFileViewer": _READ,
    "SystemFileUploaderAndViewer": _READ | {Can.UPLOAD},
    "SystemFileUploaderWithShareLink": frozenset({Can.LIST, Can.UPLOAD, Can.SHARE}),
    "SystemFileUploader": frozenset({Can.LIST, Can.UPLOAD}),
    "SystemFileMetaViewer": frozenset({Can.LIST}),
}
MAX_GROUP_DEPTH = 10
# A file's `action_list` (the SDK's File.action_list, the PDS's custom-permission actions):
# what the caller may do to it, so clients show only the actions that will work.
# FILE.PERMISSION (giving others roles) is ours: the PDS names no action for it.
ACTIONS: dict[Can, tuple[str, ...]] = {
    Can.LIST: ("FILE.VISIBLE", "FILE.LIST"),
    Can.PREVIEW: ("FILE.PREVIEW",),
    Can.DOWNLOAD: ("FILE.DOWNLOAD", "FILE.COPY"),
    Can.UPLOAD: ("FILE.CREATE",),
    Can.EDIT: ("FILE.UPDATE", "FILE.MOVE"),
    Can.DELETE: ("FILE.DELETE",),
    Can.SHARE: ("FILE.SHARELINK",),
    Can.MANAGE: ("FILE.PERMISSION",),
}


def action_list(capabilities: frozenset[Can]) -> list[str]:
    return [action for can in Can if can in capabilities for action in ACTIONS[can]]


def user_groups(user: PdsUser) -> dict[str, bool]:
    """The group ids `user` belongs to: True for a group they were added to, False for a
    group above one of those (reached through subgroups)."""
    found: dict[str, bool] = {}
    level = list(Group.objects.filter(user_members__user=user).values_list("pk", "group_id", "parent_id"))
    for _, group_id, _ in level:
        found[group_id] = True
    for _ in range(MAX_GROUP_DEPTH):
        parent_pks = {parent for _, _, parent in level if parent is not None}
        if not parent_pks:
            break
        level = list(Group.objects.filter(pk__in=parent_pks).values_list("pk", "group_id", "parent_id"))
        for _, group_id, _ in level:
            found.setdefault(group_id, False)
    return found


def permissions_of(user: PdsUser) -> QuerySet[FilePermission]:
    """Every unexpired permission that reaches `user`: theirs, their groups', and their
    groups' parents' unless given with disinherit_sub_group."""
    groups = user_groups(user)
    direct = [group_id for group_id, is_direct in groups.items() if is_direct]
    inherited = [group_id for group_id, is_direct in groups.items() if not is_direct]
    reaches = (
        Q(identity_type=FilePermission.IdentityType.USER, identity_id=user.user_id)
        | Q(identity_type=FilePermission.IdentityType.GROUP, identity_id__in=direct)
        | Q(identity_type=FilePermission.IdentityType.GROUP, identity_id__in=inherited, disinherit_sub_group=False)
    )
    unexpired = Q(expire_time__isnull=True) | Q(expire_time__gt=timezone.now())
    return FilePermission.objects.filter(reaches, unexpired, drive__domain=user.domain)


@dataclass(frozen=True)
class DriveGrant:
    """What the caller may do in one drive: everything (its owner, an administrator), or
    what their roles on some of its files allow (`roles`: file id, or "root", to the
    capabilities given there)."""

    drive: Drive
    everything: bool
    roles: dict[str, frozenset[Can]] = field(default_factory=dict)
    # Parent ids read while walking up, kept for the request (a page of search results
    # shares most of its ancestors).
    parents: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def capabilities(self, item: File | None) -> frozenset[Can]:
        """On `item` (None: the drive's root): the union of the roles on it and above it.
        Something in the recycle bin is reached only through a role on the whole drive:
        trashing a shared folder takes it from those it was shared with."""
        if self.everything:
            return EVERYTHING
        found = set(self.roles.get(ROOT, frozenset()))
        if item is not None and not item.trashed:
            self.parents[item.file_id] = item.parent_file_id
            chain = [item.file_id]
            parent_id = item.parent_file_id
            while parent_id != ROOT and parent_id not in chain and len(chain) < 10_000:
                chain.append(parent_id)
                if parent_id not in self.parents:
                    self.parents[parent_id] = (
                        File.objects.filter(drive=self.drive, file_id=parent_id)
                        .values_list("parent_file_id", flat=True)
                        .first()
                        or ROOT
                    )
                parent_id = self.parents[parent_id]
            for file_id in chain:
                found |= self.roles.get(file_id, frozenset())
        return frozenset(found)

    def require(self, item: File | None, need: Can) -> frozenset[Can]:
        """NotFound when the caller has no role on `item` (exactly as if it did not exist);
        Forbidden when their role does not allow `need`. Else what they may do to it."""
        capabilities = self.capabilities(item)
        if not capabilities:
            raise errors.NotFound("File" if item is not None else "Drive")
        if need not in capabilities:
            raise errors.Forbidden("Your role on this file does not allow that.", code="ForbiddenNoPermission.File")
        return capabilities

    def require_folder(self, parent_file_id: str, need: Can) -> frozenset[Can]:
        """`need` inside the folder `parent_file_id` ("root" for the top); what the caller
        may do there (and so, at least, to everything in it)."""
        if self.everything:
            return EVERYTHING
        if parent_file_id == ROOT:
            return self.require(None, need)
        parent = File.objects.filter(drive=self.drive, file_id=parent_file_id).first()
        if parent is None:
            raise errors.NotFound("File")
        return self.require(parent, need)


def roles_in(user: PdsUser, drive: Drive) -> dict[str, frozenset[Can]]:
    """What the roles reaching `user` allow in `drive`, by the file id ("root") given on."""
    roles: dict[str, set[Can]] = {}
    for file_id, role_id in permissions_of(user).filter(drive=drive).values_list("file_id", "role_id"):
        roles.setdefault(file_id, set()).update(ROLE_CAPABILITIES.get(role_id, frozenset()))
    return {file_id: frozenset(capabilities) for file_id, capabilities in roles.items() if capabilities}


def drive_grant(*, actor: Actor, drive_id: object) -> DriveGrant:
    """The caller's grant on the drive `drive_id` for file operations: NotFound.Drive when
    they own it not, administer it not and have no role on any of its files."""
    return grant_on(actor=actor, drive=drive_of_domain(actor=actor, drive_id=drive_id))


def grant_on(*, actor: Actor, drive: Drive) -> DriveGrant:
    """drive_grant, for a drive of the caller's domain already read (with a file of it)."""
    if owns(actor.user, drive) or actor.is_admin:
        grant = DriveGrant(drive=drive, everything=True)
    else:
        roles = roles_in(actor.user, drive) if actor.user is not None else {}
        if not roles:
            raise errors.NotFound("Drive")
        grant = DriveGrant(drive=drive, everything=False, roles=roles)
    if drive.status != Drive.Status.ENABLED:
        raise errors.Forbidden("The drive is disabled.", code="ForbiddenDriveLocked")
    return grant
