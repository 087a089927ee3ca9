"""`/v2/group/*`: groups of users (and of groups). Administrators (or a service token)
manage them; any user of the domain may read them, which the share dialog needs."""

from __future__ import annotations

from pds_server.api import Caller, parse_bool, parse_limit, parse_str, pds_endpoint
from pds_server.models import Group
from pds_server.selectors.people import group_get, group_members_page, groups_of_domain
from pds_server.serializers import page_to_pds
from pds_server.serializers.groups import group_members_to_pds, group_to_pds
from pds_server.services import groups as group_services
from pds_server.services.pagination import paginate_by_pk


def creator_of(caller: Caller) -> str:
    return caller.user.user_id if caller.user else caller.domain.domain_id


def body_group(caller: Caller, body: dict, field: str = "group_id") -> Group:
    return group_get(domain=caller.domain, group_id=parse_str(body, field, required=True, max_length=64))


@pds_endpoint("/v2/group/create", scope="GROUP.CREATE")
def group_create_view(request, caller: Caller, body: dict):
    caller.require_admin()
    parent = body_group(caller, body, "parent_group_id") if parse_str(body, "parent_group_id") else None
    group = group_services.group_create(
        domain=caller.domain,
        group_name=parse_str(body, "group_name", required=True),
        description=parse_str(body, "description"),
        parent=parent,
        is_root=parse_bool(body.get("is_root"), "is_root"),
        creator=creator_of(caller),
    )
    return 201, group_to_pds(group)


@pds_endpoint("/v2/group/get", scope="GROUP.GET")
def group_get_view(request, caller: Caller, body: dict):
    return group_to_pds(body_group(caller, body))


@pds_endpoint("/v2/group/list", scope="GROUP.LIST")
def group_list_view(request, caller: Caller, body: dict):
    # Extension: `group_name_for_fuzzy`, a case-insensitive substring of the group's name,
    # so the share dialog can find a group as the user types (ListGroupRequest has no filter).
    groups = groups_of_domain(
        domain=caller.domain, name_contains=parse_str(body, "group_name_for_fuzzy", max_length=128)
    )
    rows, next_marker = paginate_by_pk(
        groups, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    return page_to_pds([group_to_pds(group) for group in rows], next_marker)


@pds_endpoint("/v2/group/update", scope="GROUP.UPDATE")
def group_update_view(request, caller: Caller, body: dict):
    caller.require_admin()
    group = group_services.group_update(
        group=body_group(caller, body),
        group_name=parse_str(body, "group_name") or None,
        description=body["description"] if isinstance(body.get("description"), str) else None,
    )
    return group_to_pds(group)


@pds_endpoint("/v2/group/update_name", scope="GROUP.UPDATE")
def group_update_name_view(request, caller: Caller, body: dict):
    caller.require_admin()
    group_services.group_update(group=body_group(caller, body), group_name=parse_str(body, "name", required=True))
    return {}


@pds_endpoint("/v2/group/delete", scope="GROUP.DELETE")
def group_delete_view(request, caller: Caller, body: dict):
    caller.require_admin()
    group_services.group_delete(group=body_group(caller, body))
    return 204, None


@pds_endpoint("/v2/group/add_member", scope="GROUP.UPDATE")
def group_add_member_view(request, caller: Caller, body: dict):
    caller.require_admin()
    group_services.group_member_add(
        group=body_group(caller, body),
        member_type=parse_str(body, "member_type", required=True),
        member_id=parse_str(body, "member_id", required=True, max_length=64),
    )
    return {}


@pds_endpoint("/v2/group/remove_member", scope="GROUP.UPDATE")
def group_remove_member_view(request, caller: Caller, body: dict):
    caller.require_admin()
    group_services.group_member_remove(
        group=body_group(caller, body),
        member_type=parse_str(body, "member_type", required=True),
        member_id=parse_str(body, "member_id", required=True, max_length=64),
    )
    return 204, None


@pds_endpoint("/v2/group/list_member", scope="GROUP.LIST")
def group_list_member_view(request, caller: Caller, body: dict):
    page = group_members_page(
        group=body_group(caller, body),
        member_type=parse_str(body, "member_type"),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    return group_members_to_pds(page, full=caller.is_admin)
