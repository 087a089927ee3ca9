"""Groups of a domain: created, renamed and deleted by administrators; their members are
users and subgroups. A group has at most one parent (the PDS: "a group can be a member of
only one group"), never sits under itself, and groups nest at most ten levels deep (a
group with no parent is level 1), so that `access.user_groups` walks a bounded chain.

Changes to the tree take a lock on the domain's row, so two concurrent moves cannot
together build a cycle or an eleventh level that neither would build alone.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from pds_server import errors
from pds_server.models import Domain, Drive, FilePermission, Group, GroupMember, PdsUser
from pds_server.routers import PDS_DB
from pds_server.services.access import MAX_GROUP_DEPTH

MAX_GROUP_NAME = 128
MAX_DESCRIPTION = 1024


def group_name_validate(group_name: str) -> str:
    name = group_name.strip()
    if not name or len(name) > MAX_GROUP_NAME or any(ord(ch) < 32 for ch in name):
        raise errors.InvalidParameter(
            f"group_name must be 1-{MAX_GROUP_NAME} characters without control characters",
            code="InvalidParameter.GroupName",
        )
    return name


def description_validate(description: str) -> str:
    if len(description) > MAX_DESCRIPTION:
        raise errors.InvalidParameter(
            f"description is longer than {MAX_DESCRIPTION} characters", code="InvalidParameter.Description"
        )
    return description


def domain_lock(domain: Domain) -> None:
    """Serializes changes to the domain's group tree (PostgreSQL row lock; SQLite has one writer)."""
    Domain.objects.select_for_update().filter(pk=domain.pk).first()


def tree_lock(group: Group) -> Group:
    """Locks the domain's group tree and reads `group` again under the lock (where it sits
    now, or NotFound if it was deleted meanwhile)."""
    domain_lock(group.domain)
    fresh = Group.objects.select_related("domain").filter(pk=group.pk).first()
    if fresh is None:
        raise errors.NotFound("Group")
    return fresh


def level_of(group: Group) -> int:
    """How deep `group` sits: 1 without a parent, its parent's level plus one otherwise."""
    level, parent_id = 1, group.parent_id
    while parent_id is not None and level <= MAX_GROUP_DEPTH * 2:
        level += 1
        parent_id = Group.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return level


def height_of(group: Group) -> int:
    """How many levels `group` and its subgroups span (1 for a group without subgroups)."""
    height, level = 0, [group.pk]
    while level and height <= MAX_GROUP_DEPTH * 2:
        height += 1
        level = list(Group.objects.filter(parent_id__in=level).values_list("pk", flat=True))
    return height


def is_within(group: Group, ancestor: Group) -> bool:
    """Whether `group` is `ancestor` or sits somewhere below it."""
    pk: int | None = group.pk
    for _ in range(MAX_GROUP_DEPTH * 2):
        if pk is None:
            return False
        if pk == ancestor.pk:
            return True
        pk = Group.objects.filter(pk=pk).values_list("parent_id", flat=True).first()
    return False


def too_deep(levels: int) -> errors.PdsError:
    return errors.InvalidParameter(
        f"Groups nest at most {MAX_GROUP_DEPTH} levels deep; this would make {levels}.",
        code="InvalidParameterOutOfRange.GroupDepth",
    )


def group_create(
    *,
    domain: Domain,
    group_name: str,
    description: str = "",
    parent: Group | None = None,
    is_root: bool = False,
    creator: str = "",
) -> Group:
    name = group_name_validate(group_name)
    description = description_validate(description)
    if is_root and parent is not None:
        raise errors.InvalidParameter(
            "A root group has no parent: send is_root or parent_group_id, not both.", code="InvalidParameter.IsRoot"
        )
    with transaction.atomic(using=PDS_DB):
        domain_lock(domain)
        if parent is not None:
            parent = tree_lock(parent)
            levels = level_of(parent) + 1
            if levels > MAX_GROUP_DEPTH:
                raise too_deep(levels)
        return Group.objects.create(
            domain=domain,
            group_id=uuid.uuid4().hex,
            group_name=name,
            description=description,
            parent=parent,
            is_root=is_root,
            creator=creator,
        )


def group_update(*, group: Group, group_name: str | None = None, description: str | None = None) -> Group:
    if group_name is not None:
        group.group_name = group_name_validate(group_name)
    if description is not None:
        group.description = description_validate(description)
    group.save()
    return group


def group_delete(*, group: Group) -> None:
    """Deletes the group with its user memberships and the roles given to it. A group with
    subgroups, or one that owns a team drive, is refused: deleting it would orphan them."""
    with transaction.atomic(using=PDS_DB):
        group = tree_lock(group)
        # drive_create locks the owner group's row: a team drive is created before or after.
        Group.objects.select_for_update().filter(pk=group.pk).first()
        if Group.objects.filter(parent=group).exists():
            raise errors.InvalidParameter(
                "The group has subgroups: remove them from it or delete them first.",
                code="InvalidParameter.GroupHasSubgroups",
            )
        if Drive.objects.filter(domain=group.domain, owner_type=Drive.OwnerType.GROUP, owner=group.group_id).exists():
            raise errors.InvalidParameter(
                "The group owns a team drive: delete the drive first.", code="InvalidParameter.GroupOwnsDrive"
            )
        FilePermission.objects.filter(
            drive__domain=group.domain, identity_type=FilePermission.IdentityType.GROUP, identity_id=group.group_id
        ).delete()
        group.delete()  # its GroupMember rows go with it (cascade)


def member_type_validate(member_type: str) -> str:
    if member_type not in ("user", "group"):
        raise errors.InvalidParameter("member_type must be user or group", code="InvalidParameter.MemberType")
    return member_type


def group_member_add(*, group: Group, member_type: str, member_id: str) -> None:
    """A user joins `group` (again: nothing changes), or a group becomes its subgroup. A user
    or group of another domain is NotFound, as if it did not exist."""
    member_type_validate(member_type)
    with transaction.atomic(using=PDS_DB):
        group = tree_lock(group)
        if member_type == "user":
            user = PdsUser.objects.filter(domain=group.domain, user_id=member_id).first()
            if user is None:
                raise errors.NotFound("User")
            GroupMember.objects.get_or_create(group=group, user=user)
            return
        child = Group.objects.filter(domain=group.domain, group_id=member_id).first()
        if child is None:
            raise errors.NotFound("Group")
        subgroup_attach(group=group, child=child)


def subgroup_attach(*, group: Group, child: Group) -> None:
    if child.parent_id == group.pk:
        return
    if child.parent_id is not None:
        raise errors.AlreadyExist(
            "GroupMember", "The group is already a member of another group: remove it from there first."
        )
    if child.is_root:
        raise errors.InvalidParameter("A root group cannot join another group.", code="InvalidParameter.IsRoot")
    if is_within(group, child):
        raise errors.InvalidParameter(
            "A group cannot become a member of itself or of one of its own subgroups.",
            code="InvalidParameter.GroupCycle",
        )
    levels = level_of(group) + height_of(child)
    if levels > MAX_GROUP_DEPTH:
        raise too_deep(levels)
    child.parent = group
    child.save(update_fields=["parent", "updated_at"])


def group_member_remove(*, group: Group, member_type: str, member_id: str) -> None:
    """The user leaves the group, or the subgroup becomes a top-level group: from the next
    request they no longer reach what the group was given."""
    member_type_validate(member_type)
    with transaction.atomic(using=PDS_DB):
        group = tree_lock(group)
        if member_type == "user":
            removed, _ = GroupMember.objects.filter(group=group, user__user_id=member_id).delete()
            if not removed:
                raise errors.NotFound("GroupMember")
            return
        if not Group.objects.filter(parent=group, group_id=member_id).update(parent=None, updated_at=timezone.now()):
            raise errors.NotFound("GroupMember")
