"""The SDK's AuditLog shape (alibabacloud_pds20220301 models/_audit_log.py), with the file's
path at that time also at the top level."""

from __future__ import annotations

from pds_server.models import AuditLog
from pds_server.serializers import iso_ms

# What of a row's detail goes into the SDK's FileLogDetail (plus fields it lacks: old_name,
# the revision's number, keep_forever, and whom a permission named).
FILE_LOG_DETAIL = (
    "type",
    "size",
    "old_name",
    "new_name",
    "parent_path",
    "to_parent_path",
    "revision_id",
    "revision_version",
    "new_revision_version",
    "keep_forever",
    "member_list",
)


def audit_log_to_pds(row: AuditLog, *, for_admin: bool) -> dict:
    """`for_admin`: the client's address and software are shown to administrators only."""
    detail = row.detail if isinstance(row.detail, dict) else {}
    body = {
        "log_id": row.log_id,
        "acted_at": iso_ms(row.acted_at),
        "action_category": row.action_category,
        "action_type": row.action_type,
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "actor_type": row.actor_type,
        "client_ip": (row.client_ip or "") if for_admin else "",
        "client_type": row.client_type if for_admin else "",
        "drive_id": row.drive_id,
        "object_id": row.object_id,
        "object_name": row.object_name,
        "file_path": row.file_path,
        "result": row.result,
        "error_code": row.error_code,
        "detail": {},
    }
    if row.action_category == "file":
        body["detail"] = {"file_log_detail": {key: detail[key] for key in FILE_LOG_DETAIL if key in detail}}
    return body
