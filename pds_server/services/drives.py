"""Drives: created by admins or at a user's first logon. A team drive is owned by a group
(`owner_type: group`): its members reach it through the role the group has on its root,
SystemFileEditor when created (an administrator changes it with file/add_permission)."""

from __future__ import annotations

from django.db import transaction

from pds_server import errors
from pds_server.models import Domain, Drive, FilePermission, Group, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services.access import ROOT

TEAM_DRIVE_ROLE = "SystemFileEditor"


def _validate_total_size(total_size: int | None) -> int | None:
    if total_size is None or total_size < 0:
        return None  # PDS: omitted (or -1) means unlimited
    return total_size


def drive_create(
    *,
    domain: Domain,
    drive_name: str,
    owner: str,
    owner_type: str,
    total_size: int | None,
    make_default: bool,
    description: str = "",
    status: str = Drive.Status.ENABLED,
    creator: str = "",
) -> Drive:
    if owner_type not in Drive.OwnerType.values:
        raise errors.InvalidParameter("owner_type must be user or group", code="InvalidParameter.OwnerType")
    if status not in Drive.Status.values:
        raise errors.InvalidParameter("status must be enabled or disabled", code="InvalidParameter.Status")
    with transaction.atomic(using=PDS_DB):
        owner_user = None
        if owner_type == Drive.OwnerType.USER:
            owner_user = PdsUser.objects.select_for_update().filter(domain=domain, user_id=owner).first()
            if owner_user is None:
                raise errors.NotFound("User", f"The owner {owner} does not exist.")
        elif Group.objects.select_for_update().filter(domain=domain, group_id=owner).first() is None:
            raise errors.NotFound("Group", f"The owner group {owner} does not exist.")
        drive = Drive.objects.create(
            domain=domain,
            drive_name=drive_name,
            owner=owner,
            owner_type=owner_type,
            total_size=_validate_total_size(total_size),
            description=description,
            status=status,
            creator=creator,
        )
        if owner_type == Drive.OwnerType.GROUP:
            FilePermission.objects.create(
                drive=drive,
                file_id=ROOT,
                identity_type=FilePermission.IdentityType.GROUP,
                identity_id=owner,
                role_id=TEAM_DRIVE_ROLE,
                granted_by=creator,
            )
        if owner_user is not None and (make_default or not owner_user.default_drive_id):
            owner_user.default_drive_id = drive.drive_id
            owner_user.save(update_fields=["default_drive_id", "updated_at"])
    return drive


def drive_update(*, drive: Drive, fields: dict) -> Drive:
    if "drive_name" in fields and fields["drive_name"]:
        drive.drive_name = fields["drive_name"]
    if "description" in fields and fields["description"] is not None:
        drive.description = fields["description"]
    if "total_size" in fields and fields["total_size"] is not None:
        drive.total_size = _validate_total_size(fields["total_size"])
    if fields.get("status"):
        if fields["status"] not in Drive.Status.values:
            raise errors.InvalidParameter("status must be enabled or disabled", code="InvalidParameter.Status")
        drive.status = fields["status"]
    drive.save()
    return drive


def drive_delete(*, drive: Drive) -> None:
    with transaction.atomic(using=PDS_DB):
        PdsUser.objects.filter(domain=drive.domain, default_drive_id=drive.drive_id).update(default_drive_id="")
        drive.delete()
