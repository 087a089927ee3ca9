"""Wire shapes of permissions (FilePermissionMember) and of files shared with the caller."""

from __future__ import annotations

from pds_server.models import FilePermission
from pds_server.selectors.permissions import Received
from pds_server.serializers import file_to_pds, iso_ms


def permission_to_pds(row: FilePermission, *, given_on: str, of_file: str, name: str) -> dict:
    """FilePermissionMember, plus two extensions the SDK ignores: `identity_name` (who it
    is, in words) and `inherited_from` (the folder above where it was given)."""
    body = {
        "identity": {"identity_type": row.identity_type, "identity_id": row.identity_id},
        "role_id": row.role_id,
        "expire_time": int(row.expire_time.timestamp() * 1000) if row.expire_time else 4775500800000,
        "disinherit_sub_group": row.disinherit_sub_group,
        "identity_name": name,
        "granted_by": row.granted_by,
        "created_at": iso_ms(row.created_at),
    }
    if given_on != of_file:
        body["inherited_from"] = given_on
    return body


def received_to_pds(received: Received, *, base_url: str) -> dict:
    """A File, plus `role_id`, `shared_at` and `shared_by` {user_id, name} (extensions)."""
    body = file_to_pds(received.item, base_url=base_url)
    sharer = received.sharer
    body["role_id"] = received.permission.role_id
    body["shared_at"] = iso_ms(received.permission.created_at)
    body["shared_by"] = {
        "user_id": received.permission.granted_by,
        "name": (sharer.nick_name or sharer.user_name or sharer.user_id) if sharer else received.permission.granted_by,
    }
    return body
