"""Reads of people and of the drives they share: groups and their members, the user search
of the share dialog, the team drives a user reaches, and the drive search."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from pds_server import errors
from pds_server.models import Domain, Drive, Group, GroupMember, PdsUser
from pds_server.services.access import ROOT, Actor, owner_filter, permissions_of
from pds_server.services.pagination import marker_decode, marker_encode

MEMBER_TYPES = ("user", "group")


def group_get(*, domain: Domain, group_id: str) -> Group:
    """The group `group_id` of `domain`; a group of another domain does not exist here."""
    group = Group.objects.select_related("domain", "parent").filter(domain=domain, group_id=group_id).first()
    if group is None:
        raise errors.NotFound("Group")
    return group


def groups_of_domain(*, domain: Domain, name_contains: str = "") -> QuerySet[Group]:
    groups = Group.objects.filter(domain=domain).select_related("domain", "parent")
    return groups.filter(group_name__icontains=name_contains) if name_contains else groups


@dataclass(frozen=True)
class MemberPage:
    users: list[PdsUser]
    groups: list[Group]
    next_marker: str


def group_members_page(*, group: Group, member_type: str, limit: int, marker: str) -> MemberPage:
    """One page of a group's members: its users (in the order they joined), then its
    subgroups. The marker names the kind the next page resumes in and the last row's id."""
    if member_type and member_type not in MEMBER_TYPES:
        raise errors.InvalidParameter("member_type must be user or group", code="InvalidParameter.MemberType")
    kind, after = "user", 0
    if marker:
        kind, after = marker_decode(marker, 2)
        if kind not in MEMBER_TYPES or not isinstance(after, int) or isinstance(after, bool):
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
    if member_type == "group" and kind == "user":
        kind, after = "group", 0
    users: list[PdsUser] = []
    if kind == "user":
        rows = list(
            GroupMember.objects.filter(group=group, pk__gt=after)
            .select_related("user__domain")
            .order_by("pk")[: limit + 1]
        )
        users = [row.user for row in rows[:limit]]
        if len(rows) > limit:
            return MemberPage(users=users, groups=[], next_marker=marker_encode(["user", rows[limit - 1].pk]))
        kind, after = "group", 0
    if member_type == "user":
        return MemberPage(users=users, groups=[], next_marker="")
    room = limit - len(users)
    subgroups = list(
        Group.objects.filter(parent=group, pk__gt=after).select_related("domain", "parent").order_by("pk")[: room + 1]
    )
    if len(subgroups) > room:
        last = subgroups[room - 1].pk if room else after
        return MemberPage(users=users, groups=subgroups[:room], next_marker=marker_encode(["group", last]))
    return MemberPage(users=users, groups=subgroups, next_marker="")


@dataclass(frozen=True)
class UserQuery:
    """The filters of `user/search` (SearchUserRequest). Every one is an exact match but
    `nick_name_for_fuzzy`, so contact data (email, phone) can be looked up, never browsed."""

    nick_name: str = ""
    nick_name_for_fuzzy: str = ""
    user_name: str = ""
    email: str = ""
    phone: str = ""
    role: str = ""
    status: str = ""


def users_search(*, domain: Domain, query: UserQuery) -> QuerySet[PdsUser]:
    users = PdsUser.objects.filter(domain=domain).select_related("domain")
    if query.nick_name_for_fuzzy:
        # The name a person is known by is their nick name, or their user name without
        # one: the share dialog's "Add people" matches either (the PDS cloud, nick name only).
        users = users.filter(
            Q(nick_name__icontains=query.nick_name_for_fuzzy) | Q(user_name__icontains=query.nick_name_for_fuzzy)
        )
    exact = {
        "nick_name": query.nick_name,
        "user_name": query.user_name,
        "email__iexact": query.email,  # addresses are compared case-insensitively
        "phone": query.phone,
        "role": query.role,
        "status": query.status,
    }
    return users.filter(**{lookup: value for lookup, value in exact.items() if value})


def group_drives_of(*, user: PdsUser, drive_name: str = "") -> QuerySet[Drive]:
    """The team drives (owned by a group) where `user` has a role on the whole drive,
    through any of their groups or their own."""
    reachable = permissions_of(user).filter(file_id=ROOT).values("drive_id")
    drives = Drive.objects.filter(domain=user.domain, owner_type=Drive.OwnerType.GROUP, pk__in=reachable)
    drives = drives.select_related("domain")
    return drives.filter(drive_name__icontains=drive_name) if drive_name else drives


def drives_search(*, actor: Actor, drive_name: str = "", owner: str = "", owner_type: str = "") -> QuerySet[Drive]:
    """Drives by name, owner and owner type: an administrator's search covers the domain;
    a user's covers the drives they own and those with a role on the whole drive for them
    (every drive `drive/get` shows them)."""
    drives = Drive.objects.filter(domain=actor.domain).select_related("domain")
    if not actor.is_admin:
        if actor.user is None:
            return drives.none()
        reachable = permissions_of(actor.user).filter(file_id=ROOT).values("drive_id")
        drives = drives.filter(owner_filter(actor.user.user_id) | Q(pk__in=reachable))
    if drive_name:
        drives = drives.filter(drive_name__icontains=drive_name)
    if owner:
        drives = drives.filter(owner=owner)
    if owner_type:
        drives = drives.filter(owner_type=owner_type)
    return drives


def drive_owner_name(drive: Drive) -> str:
    """A user's nick name (else user name, else id), or a group's name."""
    if drive.owner_type == Drive.OwnerType.GROUP:
        group = Group.objects.filter(domain_id=drive.domain_id, group_id=drive.owner).first()
        return group.group_name if group is not None else drive.owner
    user = PdsUser.objects.filter(domain_id=drive.domain_id, user_id=drive.owner).first()
    return (user.nick_name or user.user_name or user.user_id) if user is not None else drive.owner
