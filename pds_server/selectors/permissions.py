"""Reads of permissions: who has a role on a file (and from which folder above it), and
what has been shared with a user."""

from __future__ import annotations

from dataclasses import dataclass

from pds_server import errors
from pds_server.models import LISTED, Drive, File, FilePermission, Group, PdsUser
from pds_server.selectors.files import ancestors
from pds_server.services.access import ROOT, permissions_of
from pds_server.services.pagination import marker_decode, marker_encode


@dataclass(frozen=True)
class Received:
    item: File
    permission: FilePermission
    sharer: PdsUser | None


def identity_names(domain_id: int, permissions: list[FilePermission]) -> dict[tuple[str, str], str]:
    """Display names: a user's nick name (else user name, else id), a group's name."""
    user_ids = [row.identity_id for row in permissions if row.identity_type == FilePermission.IdentityType.USER]
    group_ids = [row.identity_id for row in permissions if row.identity_type == FilePermission.IdentityType.GROUP]
    names: dict[tuple[str, str], str] = {}
    for user_id, nick_name, user_name in PdsUser.objects.filter(domain_id=domain_id, user_id__in=user_ids).values_list(
        "user_id", "nick_name", "user_name"
    ):
        names[(FilePermission.IdentityType.USER, user_id)] = nick_name or user_name or user_id
    for group_id, group_name in Group.objects.filter(domain_id=domain_id, group_id__in=group_ids).values_list(
        "group_id", "group_name"
    ):
        names[(FilePermission.IdentityType.GROUP, group_id)] = group_name
    return names


def permissions_on(*, drive: Drive, item: File | None) -> list[tuple[FilePermission, str]]:
    """Every role given on `item` or a folder above it (or the drive's root), each with the
    file id it was given on: the item's own first, then from the nearest folder up."""
    chain = [item.file_id] + [parent.file_id for parent in ancestors(drive=drive, item=item)] if item else []
    chain.append(ROOT)
    rows = list(FilePermission.objects.filter(drive=drive, file_id__in=chain))
    rows.sort(key=lambda row: (chain.index(row.file_id), row.pk))
    return [(row, row.file_id) for row in rows]


def received_files(*, user: PdsUser, limit: int, marker: str) -> tuple[list[Received], str]:
    """Files and folders others gave `user` (or their groups) a role on, newest first; one
    entry per file however many ways it was shared. Whole drives (team drives) are listed
    by drive/list_my_group_drive, not here."""
    rows = (
        permissions_of(user)
        .exclude(file_id=ROOT)
        .exclude(drive__owner_type=Drive.OwnerType.USER, drive__owner=user.user_id)
        .select_related("drive__domain")
        .order_by("-pk")
    )
    if marker:
        (before,) = marker_decode(marker, 1)
        if not isinstance(before, int):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
        rows = rows.filter(pk__lt=before)
    found: list[Received] = []
    seen: set[tuple[int, str]] = set()
    last_pk = 0
    # Read in slices until the page is full: permissions on trashed files are skipped.
    while len(found) < limit:
        batch = list(rows.filter(pk__lt=last_pk)[: limit * 2] if last_pk else rows[: limit * 2])
        if not batch:
            last_pk = 0
            break
        items = {
            (row.drive_id, row.file_id): row
            for row in File.objects.select_related("media")
            .filter(LISTED, drive_id__in={p.drive_id for p in batch})
            .filter(file_id__in={p.file_id for p in batch})
        }
        for permission in batch:
            last_pk = permission.pk
            key = (permission.drive_id, permission.file_id)
            item = items.get(key)
            if item is None or key in seen:
                continue
            seen.add(key)
            item.drive = permission.drive
            found.append(Received(item=item, permission=permission, sharer=None))
            if len(found) == limit:
                break
    sharers = {
        row.user_id: row
        for row in PdsUser.objects.filter(domain=user.domain, user_id__in={r.permission.granted_by for r in found})
    }
    found = [Received(r.item, r.permission, sharers.get(r.permission.granted_by)) for r in found]
    more = bool(last_pk) and len(found) == limit and rows.filter(pk__lt=last_pk).exists()
    return found, (marker_encode([last_pk]) if more else "")
