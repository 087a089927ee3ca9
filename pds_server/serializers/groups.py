"""JSON shapes of groups and of people as the share dialog sees them (the SDK's Group,
ListGroupMemberResponseBody and SearchUserResponseBody)."""

from __future__ import annotations

from pds_server.models import Group, PdsUser
from pds_server.selectors.people import MemberPage
from pds_server.serializers import epoch_ms, user_to_pds

# What any user of the domain may see of another: enough to recognise and pick them in the
# share dialog, no contact data (email, phone) and no role.
PUBLIC_USER_FIELDS = ("user_id", "user_name", "nick_name", "avatar")


def group_to_pds(group: Group) -> dict:
    """The SDK's Group (created_at/updated_at in epoch milliseconds, as its model says).
    parent_group_id and is_root are extensions the SDK ignores."""
    return {
        "domain_id": group.domain.domain_id,
        "group_id": group.group_id,
        "group_name": group.group_name,
        "description": group.description,
        "creator": group.creator,
        "created_at": epoch_ms(group.created_at),
        "updated_at": epoch_ms(group.updated_at),
        "parent_group_id": group.parent.group_id if group.parent else "",
        "is_root": group.is_root,
    }


def person_to_pds(user: PdsUser, *, full: bool) -> dict:
    """The whole User for administrators; the public fields for everyone else."""
    if full:
        return user_to_pds(user)
    return {name: getattr(user, name) for name in PUBLIC_USER_FIELDS}


def group_members_to_pds(page: MemberPage, *, full: bool) -> dict:
    return {
        "user_items": [person_to_pds(user, full=full) for user in page.users],
        "group_items": [group_to_pds(group) for group in page.groups],
        "next_marker": page.next_marker,
    }
