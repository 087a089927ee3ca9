"""Changes through the API, recorded by the `pds_endpoint` decorator (pds_server/api.py) for
the endpoints in services/audit.py's ACTIONS: `action_begin` reads the object before the
handler runs (its name and path at that time), `action_end` writes the row from the answer,
or from the PdsError and its code. Batch sub-requests run the same wrapped handlers.

Details are built field by field from what names the object, never from a request body
wholesale: no passwords, tokens, share passwords or signed URLs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pds_server import errors
from pds_server.models import AuditLog, Domain, Drive, File, Group, PdsUser, Revision, ShareLink
from pds_server.services.access import ROOT, row_id
from pds_server.services.audit import ACTIONS, Who, audit_record, file_path_of, folder_path, text, user_name


@dataclass
class Pending:
    """A change under way: what was there before the handler ran."""

    path: str
    domain: Domain
    who: Who
    body: dict
    drive: Drive | None = None
    item: File | None = None
    item_path: str = ""
    share: ShareLink | None = None
    detail: dict = field(default_factory=dict)


def drive_named(domain: Domain, value: Any) -> Drive | None:
    pk = row_id(text(value, 32)) if text(value, 32) else None
    return Drive.objects.filter(domain=domain, pk=pk).first() if pk is not None else None


def action_begin(*, path: str, domain: Domain, who: Who, body: dict, share: ShareLink | None = None) -> Pending:
    """Read the object as it is before the change (its name and path at that time)."""
    pending = Pending(path=path, domain=domain, who=who, body=body)
    category = ACTIONS[path][1]
    if category == "file":
        pending.drive = share.drive if share is not None else drive_named(domain, body.get("drive_id"))
        file_id = text(body.get("file_id"), 50)
        if pending.drive is not None and file_id:
            pending.item = File.objects.filter(drive=pending.drive, file_id=file_id).first()
            if pending.item is not None:
                pending.item_path = file_path_of(drive=pending.drive, item=pending.item)
                if path.startswith("/v2/file/revision/"):  # its number, while it still exists
                    version = (
                        Revision.objects.filter(file=pending.item, revision_id=text(body.get("revision_id")))
                        .values_list("version", flat=True)
                        .first()
                    )
                    if version is not None:
                        pending.detail["revision_version"] = version
    elif category == "share_link" and text(body.get("share_id")):
        pending.share = (
            ShareLink.objects.select_related("drive").filter(share_id=text(body.get("share_id")), drive__domain=domain)
        ).first()
    return pending


def action_end(pending: Pending, *, answer: Any, error: errors.PdsError | None) -> AuditLog | None:
    """Write the row of a change that was answered (`answer`) or refused (`error`). A
    create or move that found the name taken with check_name_mode=refuse changed nothing."""
    if error is None and isinstance(answer, dict) and answer.get("exist") is True:
        return None
    answer = answer if isinstance(answer, dict) else {}
    action_type, category = ACTIONS[pending.path]
    row = {"file": file_row, "share_link": share_row}.get(category, named_row)(pending, answer)
    if pending.path == "/v2/file/update" and "new_name" in row.get("detail", {}):
        action_type = "file.rename"
    return audit_record(domain=pending.domain, who=pending.who, action=(action_type, category), error=error, **row)


def file_row(pending: Pending, answer: dict) -> dict:
    body, drive, before = pending.body, pending.drive, pending.item
    drive = drive or drive_named(pending.domain, answer.get("drive_id"))
    object_id = text(body.get("file_id"), 50) or text(answer.get("file_id"), 50)
    if pending.path in ("/v2/file/create", "/v2/file/create_with_proof"):
        object_id = text(answer.get("file_id"), 50) or object_id
    detail: dict[str, Any] = {}
    after = File.objects.filter(drive=drive, file_id=object_id).first() if drive is not None and object_id else None
    item = before or after
    if after is not None and before is None:  # created: its path now
        path = file_path_of(drive=drive, item=after) if drive is not None else ""
    else:
        path = pending.item_path or ("/" if object_id == ROOT else "")  # "root": a whole drive
    if item is not None:
        detail["type"] = item.type
        if item.type == File.Type.FILE:
            detail["size"] = item.size
    name = item.name if item is not None else text(body.get("name"), 1024)
    if pending.path == "/v2/file/update" and isinstance(body.get("name"), str) and before is not None:
        if body["name"] != before.name:  # the name it got (auto_rename), else the one asked for
            new_name = after.name if after is not None and after.name != before.name else body["name"][:1024]
            detail.update(old_name=before.name, new_name=new_name)
    if pending.path == "/v2/file/move" and before is not None and drive is not None:
        to_parent = text(body.get("to_parent_file_id"), 50)
        detail.update(
            from_parent_file_id=before.parent_file_id,
            parent_path=folder_path(drive=drive, file_id=before.parent_file_id),
            to_parent_file_id=to_parent,
            to_parent_path=folder_path(drive=drive, file_id=to_parent),
        )
    if pending.path == "/v2/file/copy":
        to_drive = drive_named(pending.domain, body.get("to_drive_id")) or drive
        to_parent = text(body.get("to_parent_file_id"), 50)
        detail.update(new_file_id=text(answer.get("file_id"), 50), to_parent_file_id=to_parent)
        if to_drive is not None:
            detail.update(to_drive_id=to_drive.drive_id, to_parent_path=folder_path(drive=to_drive, file_id=to_parent))
    if pending.path.startswith("/v2/file/revision/"):
        detail["revision_id"] = text(body.get("revision_id"))
        detail.update(pending.detail)
        if pending.path.endswith("/update") and isinstance(body.get("keep_forever"), bool):
            detail["keep_forever"] = body["keep_forever"]
        if pending.path.endswith("/restore") and isinstance(answer.get("revision_version"), int):
            detail["new_revision_version"] = answer["revision_version"]
    if pending.path.endswith("_permission"):
        detail["member_list"] = members_named(pending.domain, members_of(body.get("member_list")))
    if answer.get("async_task_id"):
        detail["async_task_id"] = text(answer.get("async_task_id"))
    return {
        "drive_id": drive.drive_id if drive is not None else text(body.get("drive_id"), 32),
        "object_id": object_id,
        "object_name": name,
        "file_path": path,
        "detail": detail,
    }


def members_of(value: Any) -> list[dict]:
    """Who a permission is for, and the role: nothing else from the member list."""
    members = []
    for member in value[:100] if isinstance(value, list) else []:
        member = member if isinstance(member, dict) else {}
        identity = member.get("identity")
        identity = identity if isinstance(identity, dict) else {}
        members.append(
            {
                "identity_type": text(identity.get("identity_type")),
                "identity_id": text(identity.get("identity_id")),
                "role_id": text(member.get("role_id")),
            }
        )
    return members


def members_named(domain: Domain, members: list[dict]) -> list[dict]:
    """Each member with their display name as it is now (the id stays the record)."""
    user_ids = [m["identity_id"] for m in members if m["identity_type"] == "IT_User"]
    group_ids = [m["identity_id"] for m in members if m["identity_type"] == "IT_Group"]
    names = {
        ("IT_User", user.user_id): user_name(user)
        for user in PdsUser.objects.filter(domain=domain, user_id__in=user_ids)
    }
    names.update(
        {
            ("IT_Group", group_id): group_name
            for group_id, group_name in Group.objects.filter(domain=domain, group_id__in=group_ids).values_list(
                "group_id", "group_name"
            )
        }
    )
    return [{**m, "identity_name": names.get((m["identity_type"], m["identity_id"]), "")} for m in members]


def share_row(pending: Pending, answer: dict) -> dict:
    share = pending.share
    if share is None and text(answer.get("share_id")):
        share = ShareLink.objects.select_related("drive").filter(share_id=text(answer.get("share_id"))).first()
    if share is None:
        return {"drive_id": text(pending.body.get("drive_id"), 32), "object_id": text(pending.body.get("share_id"))}
    first = File.objects.filter(drive=share.drive, file_id__in=share.file_ids[:1]).first()
    return {
        "drive_id": share.drive.drive_id,
        "object_id": share.share_id,
        "object_name": share.share_name,
        "file_path": file_path_of(drive=share.drive, item=first) if first is not None else "",
        "detail": {"file_id_list": [text(file_id, 50) for file_id in share.file_ids[:100]]},
    }


NAMED = {
    # category: (id field, name fields in the answer or body)
    "group": ("group_id", ("group_name",)),
    "user": ("user_id", ("nick_name", "user_name")),
    "drive": ("drive_id", ("drive_name",)),
    "story": ("story_id", ("story_name",)),
    "face_group": ("group_id", ("group_name",)),
}


def named_row(pending: Pending, answer: dict) -> dict:
    """Groups, users, drives: the id and name from the answer, else the body, else the row."""
    category = ACTIONS[pending.path][1]
    id_field, name_fields = NAMED[category]
    object_id = text(pending.body.get(id_field)) or text(answer.get(id_field))
    if category == "face_group":  # unassign_facegroup_item names the person face_group_id
        object_id = object_id or text(pending.body.get("face_group_id"))
    name = next(
        (text(source.get(f), 1024) for source in (answer, pending.body) for f in name_fields if text(source.get(f))),
        "",
    )
    if not name and object_id:
        name = stored_name(pending.domain, category, object_id)
    detail = {}
    if category == "face_group":  # which photo left the person, or who was merged into it
        from_ids = pending.body.get("from_group_ids")
        detail = {
            "file_id": text(pending.body.get("file_id"), 50),
            "from_group_ids": [text(v, 40) for v in from_ids[:100]] if isinstance(from_ids, list) else [],
        }
        detail = {key: value for key, value in detail.items() if value}
    if category == "group" and pending.path.endswith("_member"):
        detail = {
            "member_type": text(pending.body.get("member_type")),
            "member_id": text(pending.body.get("member_id")),
        }
    return {
        "drive_id": {"drive": object_id, "face_group": text(pending.body.get("drive_id"), 32)}.get(category, ""),
        "object_id": object_id,
        "object_name": name,
        "detail": detail,
    }


def stored_name(domain: Domain, category: str, object_id: str) -> str:
    if category == "group":
        group = Group.objects.filter(domain=domain, group_id=object_id).first()
        return group.group_name if group is not None else ""
    if category == "user":
        user = PdsUser.objects.filter(domain=domain, user_id=object_id).first()
        return user_name(user) if user is not None else ""
    drive = drive_named(domain, object_id)
    return drive.drive_name[:1024] if drive is not None else ""
