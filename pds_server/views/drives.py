"""`/v2/drive/*`: a user's drives, the team drives they reach, and drive administration."""

from __future__ import annotations

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.models import Drive
from pds_server.selectors import drive_get, drives_of_domain, drives_of_user, user_get
from pds_server.selectors.people import drive_owner_name, drives_search, group_drives_of
from pds_server.serializers import drive_to_pds, page_to_pds
from pds_server.services import drives as drive_services
from pds_server.services.access import drive_resolve
from pds_server.services.pagination import paginate_by_pk


@pds_endpoint("/v2/drive/get_default_drive", scope="DRIVE.GET")
def drive_get_default_view(request, caller: Caller, body: dict):
    user_id = parse_str(body, "user_id", max_length=64)
    if user_id and (caller.user is None or user_id != caller.user.user_id):
        caller.require_admin()
        user = user_get(domain=caller.domain, user_id=user_id)
    else:
        user = caller.require_user()
    user.refresh_from_db(fields=["default_drive_id"])
    if not user.default_drive_id:
        raise errors.NotFound("Drive", "The user has no default drive.")
    return drive_to_pds(drive_get(domain=caller.domain, drive_id=user.default_drive_id))


@pds_endpoint("/v2/drive/list_my_drives", scope="DRIVE.LIST")
def drive_list_my_drives_view(request, caller: Caller, body: dict):
    user = caller.require_user()
    rows, next_marker = paginate_by_pk(
        drives_of_user(user=user).select_related("domain"),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    return page_to_pds([drive_to_pds(drive) for drive in rows], next_marker)


@pds_endpoint("/v2/drive/get", scope="DRIVE.GET")
def drive_get_view(request, caller: Caller, body: dict):
    drive = drive_resolve(
        actor=caller.actor, drive_id=parse_str(body, "drive_id", required=True), managing=True, reading=True
    )
    # `owner_name` (an extension): who the owner is in words, for those who see the drive.
    return {**drive_to_pds(drive), "owner_name": drive_owner_name(drive)}


@pds_endpoint("/v2/drive/list_my_group_drive", scope="DRIVE.LIST")
def drive_list_my_group_drive_view(request, caller: Caller, body: dict):
    """The team drives the caller reaches (a role on the drive's root through a group or
    their own). `root_group_drive` is the domain's root group's drive: none here."""
    drives = group_drives_of(user=caller.require_user(), drive_name=parse_str(body, "drive_name", max_length=1024))
    rows, next_marker = paginate_by_pk(
        drives, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    return page_to_pds([drive_to_pds(drive) for drive in rows], next_marker)  # no root_group_drive: omitted, not null


@pds_endpoint("/v2/drive/search", scope="DRIVE.LIST")
def drive_search_view(request, caller: Caller, body: dict):
    drives = drives_search(
        actor=caller.actor,
        drive_name=parse_str(body, "drive_name", max_length=1024),
        owner=parse_str(body, "owner", max_length=64),
        owner_type=parse_str(body, "owner_type", max_length=16),
    )
    rows, next_marker = paginate_by_pk(
        drives, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    return page_to_pds([drive_to_pds(drive) for drive in rows], next_marker)


@pds_endpoint("/v2/drive/create", scope="DRIVE.CREATE")
def drive_create_view(request, caller: Caller, body: dict):
    caller.require_admin()
    drive = drive_services.drive_create(
        domain=caller.domain,
        drive_name=parse_str(body, "drive_name", required=True, max_length=1024),
        owner=parse_str(body, "owner", required=True, max_length=64),
        owner_type=parse_str(body, "owner_type", default="user"),
        total_size=parse_int(body, "total_size"),
        make_default=parse_bool(body.get("default"), "default"),
        description=parse_str(body, "description", max_length=1024),
        status=parse_str(body, "status", default=Drive.Status.ENABLED),
        creator=caller.user.user_id if caller.user else caller.domain.domain_id,
    )
    return 201, drive_to_pds(drive)


@pds_endpoint("/v2/drive/list", scope="DRIVE.LIST")
def drive_list_view(request, caller: Caller, body: dict):
    caller.require_admin()
    drives = drives_of_domain(
        domain=caller.domain, owner=parse_str(body, "owner"), owner_type=parse_str(body, "owner_type")
    )
    rows, next_marker = paginate_by_pk(
        drives, limit=parse_limit(body, default=100, maximum=100), marker=parse_str(body, "marker")
    )
    return page_to_pds([drive_to_pds(drive) for drive in rows], next_marker)


@pds_endpoint("/v2/drive/update", scope="DRIVE.UPDATE")
def drive_update_view(request, caller: Caller, body: dict):
    caller.require_admin()
    drive = drive_get(domain=caller.domain, drive_id=parse_str(body, "drive_id", required=True))
    fields = {
        "drive_name": parse_str(body, "drive_name", max_length=1024) or None,
        "description": body.get("description") if isinstance(body.get("description"), str) else None,
        "total_size": parse_int(body, "total_size"),
        "status": parse_str(body, "status") or None,
    }
    return drive_to_pds(drive_services.drive_update(drive=drive, fields=fields))


@pds_endpoint("/v2/drive/delete", scope="DRIVE.DELETE")
def drive_delete_view(request, caller: Caller, body: dict):
    caller.require_admin()
    drive = drive_get(domain=caller.domain, drive_id=parse_str(body, "drive_id", required=True))
    drive_services.drive_delete(drive=drive)
    return 204, None
