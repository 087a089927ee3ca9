"""Sharing with people: `/v2/file/add_permission`, `list_permission`, `remove_permission`
and `list_received_file`. A role is given on a file, a folder, or ("root") a whole drive."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.models import File
from pds_server.selectors.files import file_get
from pds_server.selectors.permissions import identity_names, permissions_on, received_files
from pds_server.serializers import page_to_pds
from pds_server.serializers.permissions import permission_to_pds, received_to_pds
from pds_server.services import permissions
from pds_server.services.access import ROOT, Can, DriveGrant
from pds_server.views.common import caller_grant


def target(caller: Caller, body: dict, need: Can) -> tuple[DriveGrant, File | None]:
    """The drive and the file (None for "root") named in the body, if the caller may `need`."""
    grant = caller_grant(caller, body)
    file_id = parse_str(body, "file_id", required=True, max_length=50)
    item = None if file_id == ROOT else file_get(drive=grant.drive, file_id=file_id)
    grant.require(item, need)
    return grant, item


@pds_endpoint("/v2/file/add_permission", scope="FILE.UPDATE", batchable=True)
def file_add_permission(request: HttpRequest, caller: Caller, body: dict):
    members = permissions.parse_members(body.get("member_list"), need_role=True)
    grant, item = target(caller, body, Can.MANAGE)
    permissions.permission_add(drive=grant.drive, item=item, members=members, granted_by=caller.user_id)
    return 204, None


@pds_endpoint("/v2/file/remove_permission", scope="FILE.UPDATE", batchable=True)
def file_remove_permission(request: HttpRequest, caller: Caller, body: dict):
    members = permissions.parse_members(body.get("member_list"), need_role=False)
    grant, item = target(caller, body, Can.MANAGE)
    permissions.permission_remove(drive=grant.drive, item=item, members=members)
    return 204, None


@pds_endpoint("/v2/file/list_permission", scope="FILE.GET", batchable=True)
def file_list_permission(request: HttpRequest, caller: Caller, body: dict):
    grant, item = target(caller, body, Can.LIST)
    rows = permissions_on(drive=grant.drive, item=item)
    names = identity_names(grant.drive.domain_id, [row for row, _ in rows])
    of_file = item.file_id if item is not None else ROOT
    return [
        permission_to_pds(
            row,
            given_on=given_on,
            of_file=of_file,
            name=names.get((row.identity_type, row.identity_id), row.identity_id),
        )
        for row, given_on in rows
    ]


@pds_endpoint("/v2/file/list_received_file", scope="FILE.LIST", batchable=True)
def file_list_received_file(request: HttpRequest, caller: Caller, body: dict):
    found, next_marker = received_files(
        user=caller.require_user(),
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    return page_to_pds([received_to_pds(entry, base_url=caller.base_url) for entry in found], next_marker)
