"""Domain users and their personal drives."""

from __future__ import annotations

from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, transaction
from django.utils import timezone

from pds_server import errors
from pds_server.models import Domain, Drive, FilePermission, PdsUser
from pds_server.routers import PDS_DB

EDITABLE_BY_SELF = ("nick_name", "avatar", "description", "email", "phone", "user_data")
EDITABLE_BY_ADMIN = EDITABLE_BY_SELF + ("user_name", "role", "status")


def validate_user_id(user_id: str) -> None:
    if not user_id or len(user_id) > 64 or "#" in user_id or any(ord(ch) < 32 for ch in user_id):
        raise errors.InvalidParameter("user_id must be 1-64 characters without '#'", code="InvalidParameter.UserId")


def validate_role(*, role: str, actor_is_superadmin: bool) -> None:
    if role not in PdsUser.Role.values:
        raise errors.InvalidParameter(
            f"role must be one of {', '.join(PdsUser.Role.values)}", code="InvalidParameter.Role"
        )
    if role == PdsUser.Role.SUPERADMIN and not actor_is_superadmin:
        raise errors.Forbidden("Only a super administrator may grant that role.", code="ForbiddenNoPermission")


def validate_field(name: str, value: object) -> None:
    """An editable field's value: a string no longer than its column (PostgreSQL refuses
    longer ones), or, for user_data, an object."""
    if name == "user_data":
        if not isinstance(value, dict):
            raise errors.InvalidParameter("user_data must be an object", code="InvalidParameter.UserData")
        return
    if not isinstance(value, str):
        raise errors.InvalidParameter(f"{name} must be a string", code=f"InvalidParameter.{name}")
    limit = getattr(PdsUser._meta.get_field(name), "max_length", None)
    if limit is not None and len(value) > limit:
        raise errors.InvalidParameter(f"{name} is longer than {limit} characters", code=f"InvalidParameter.{name}")


def user_create(
    *,
    domain: Domain,
    user_id: str,
    fields: dict,
    password: str | None = None,
    creator: str = "",
    actor_is_superadmin: bool = True,
) -> PdsUser:
    validate_user_id(user_id)
    role = fields.get("role") or PdsUser.Role.USER
    validate_role(role=role, actor_is_superadmin=actor_is_superadmin)
    status = fields.get("status") or PdsUser.Status.ENABLED
    if status not in PdsUser.Status.values:
        raise errors.InvalidParameter("status must be enabled or disabled", code="InvalidParameter.Status")
    user = PdsUser(domain=domain, user_id=user_id, role=role, status=status, creator=creator)
    for name in EDITABLE_BY_SELF + ("user_name",):
        if fields.get(name) is not None:
            validate_field(name, fields[name])
            setattr(user, name, fields[name])
    user.password = make_password(password) if password else ""
    try:
        with transaction.atomic(using=PDS_DB):
            user.save()
    except IntegrityError:
        raise errors.AlreadyExist("User", "A user with that user_id or user_name already exists.") from None
    return user


def user_update(*, user: PdsUser, fields: dict, actor_is_admin: bool, actor_is_superadmin: bool) -> PdsUser:
    allowed = EDITABLE_BY_ADMIN if actor_is_admin else EDITABLE_BY_SELF
    for name, value in fields.items():
        if name not in allowed or value is None:
            continue
        if name == "role":
            validate_role(role=value, actor_is_superadmin=actor_is_superadmin)
        if name == "status" and value not in PdsUser.Status.values:
            raise errors.InvalidParameter("status must be enabled or disabled", code="InvalidParameter.Status")
        validate_field(name, value)
        setattr(user, name, value)
    try:
        with transaction.atomic(using=PDS_DB):
            user.save()
    except IntegrityError:
        raise errors.AlreadyExist("User", "A user with that user_name already exists.") from None
    return user


def user_set_password(*, user: PdsUser, password: str) -> None:
    user.password = make_password(password)
    user.save(update_fields=["password", "updated_at"])


def user_delete(*, user: PdsUser) -> None:
    """Deletes the user, their tokens, grants and group memberships (cascade), the drives
    they own and the roles given to them on others' files."""
    with transaction.atomic(using=PDS_DB):
        Drive.objects.filter(domain=user.domain, owner_type=Drive.OwnerType.USER, owner=user.user_id).delete()
        FilePermission.objects.filter(
            drive__domain=user.domain, identity_type=FilePermission.IdentityType.USER, identity_id=user.user_id
        ).delete()
        user.delete()


def user_check_password(*, user: PdsUser, password: str) -> bool:
    return bool(user.password) and check_password(password, user.password)


def user_logon(*, user: PdsUser) -> PdsUser:
    """A user logs on: record it and, with personal space on, create their drive the first time."""
    with transaction.atomic(using=PDS_DB):
        user = PdsUser.objects.select_for_update(of=("self",)).select_related("domain").get(pk=user.pk)
        domain = user.domain
        if domain.personal_space_enabled and not user.default_drive_id:
            drive = Drive.objects.create(
                domain=domain,
                drive_name=f"{user.nick_name or user.user_name or user.user_id}'s drive",
                owner=user.user_id,
                owner_type=Drive.OwnerType.USER,
                total_size=domain.default_drive_size,
                creator="system",
            )
            user.default_drive_id = drive.drive_id
        user.last_login_time = timezone.now()
        user.save(update_fields=["default_drive_id", "last_login_time", "updated_at"])
    return user
