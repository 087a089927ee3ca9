"""Giving and taking roles on a file, a folder or a whole drive ("root") — sharing with
people and groups. Who may do it is decided by the caller's grant (Can.MANAGE) in the view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from pds_server import errors
from pds_server.models import Drive, File, FilePermission, Group, PdsUser
from pds_server.services.access import ROLE_CAPABILITIES, ROOT

NEVER_MS = 4775500800000  # the PDS's "no expiry" (2121-05-01)
MAX_MEMBERS = 100


@dataclass(frozen=True)
class Member:
    identity_type: str
    identity_id: str
    role_id: str = ""
    expire_time: datetime | None = None
    disinherit_sub_group: bool = False


def parse_members(raw: object, *, need_role: bool) -> list[Member]:
    """`member_list` of add/remove_permission, checked field by field."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_MEMBERS:
        raise errors.InvalidParameter(
            f"member_list must hold 1-{MAX_MEMBERS} members", code="InvalidParameter.MemberList"
        )
    members = []
    for entry in raw:
        identity = entry.get("identity") if isinstance(entry, dict) else None
        if not isinstance(identity, dict):
            raise errors.InvalidParameter("Each member needs an identity.", code="InvalidParameter.Identity")
        identity_type, identity_id = identity.get("identity_type"), identity.get("identity_id")
        if (
            identity_type not in FilePermission.IdentityType.values
            or not isinstance(identity_id, str)
            or not identity_id
        ):
            raise errors.InvalidParameter(
                "identity needs identity_type IT_User or IT_Group and an identity_id.", code="InvalidParameter.Identity"
            )
        role_id = entry.get("role_id") or ""
        if not isinstance(role_id, str) or ((need_role or role_id) and role_id not in ROLE_CAPABILITIES):
            raise errors.InvalidParameter(
                f"role_id must be one of {', '.join(ROLE_CAPABILITIES)}", code="InvalidParameter.RoleId"
            )
        expire_ms = entry.get("expire_time")
        if expire_ms is not None and (not isinstance(expire_ms, int) or isinstance(expire_ms, bool) or expire_ms < 0):
            raise errors.InvalidParameter("expire_time is milliseconds since 1970.", code="InvalidParameter.ExpireTime")
        expire_time = datetime.fromtimestamp(expire_ms / 1000, tz=UTC) if expire_ms and expire_ms < NEVER_MS else None
        members.append(
            Member(
                identity_type=identity_type,
                identity_id=identity_id[:64],
                role_id=role_id,
                expire_time=expire_time,
                disinherit_sub_group=entry.get("disinherit_sub_group") is True,
            )
        )
    return members


def identity_check(drive: Drive, member: Member) -> None:
    """The user or group must exist in the drive's domain: else NotFound, as for any id
    the caller cannot see. A drive's owner needs no role on it."""
    if member.identity_type == FilePermission.IdentityType.USER:
        if not PdsUser.objects.filter(domain=drive.domain, user_id=member.identity_id).exists():
            raise errors.NotFound("User")
        if drive.owner_type == Drive.OwnerType.USER and drive.owner == member.identity_id:
            raise errors.InvalidParameter(
                "The drive's owner already has every right.", code="InvalidParameter.Identity"
            )
    elif not Group.objects.filter(domain=drive.domain, group_id=member.identity_id).exists():
        raise errors.NotFound("Group")


def permission_add(*, drive: Drive, item: File | None, members: list[Member], granted_by: str) -> None:
    """Give each member their role on `item` (None: the whole drive); a member who already
    has a role there gets the new one."""
    for member in members:
        identity_check(drive, member)
    file_id = item.file_id if item is not None else ROOT
    with transaction.atomic():
        for member in members:
            FilePermission.objects.update_or_create(
                drive=drive,
                file_id=file_id,
                identity_type=member.identity_type,
                identity_id=member.identity_id,
                defaults={
                    "role_id": member.role_id,
                    "expire_time": member.expire_time,
                    "disinherit_sub_group": member.disinherit_sub_group,
                    "granted_by": granted_by,
                },
            )


def permission_remove(*, drive: Drive, item: File | None, members: list[Member]) -> None:
    """Take the members' roles on `item` away; it takes effect on their next request."""
    file_id = item.file_id if item is not None else ROOT
    for member in members:
        rows = FilePermission.objects.filter(
            drive=drive, file_id=file_id, identity_type=member.identity_type, identity_id=member.identity_id
        )
        if member.role_id:
            rows = rows.filter(role_id=member.role_id)
        rows.delete()
