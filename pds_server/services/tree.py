"""The shape of a drive's tree: creating folders, renaming, moving and copying.

Files are rows with a parent_file_id (`root` at the top); names are metadata, never paths
on disk. Copies share blobs, so no bytes move.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, File
from pds_server.routers import PDS_DB
from pds_server.selectors.files import ROOT, ancestors, descendant_ids, file_get, folder_check
from pds_server.services.names import (
    category_of,
    content_type_of,
    extension_of,
    name_resolve,
    new_file_id,
    validate_name,
)
from pds_server.services.quota import quota_settle
from pds_server.services.revisions import first_revisions
from pds_server.services.walk import DONE, Job, TreeWalk


def folder_create(
    *,
    drive: Drive,
    parent_file_id: str,
    name: object,
    check_name_mode: str,
    creator: str,
    description: str = "",
    hidden: bool = False,
) -> tuple[File, bool]:
    """Returns (folder, existed): `refuse` and `overwrite` hand back a folder of that name."""
    name = validate_name(name)
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=drive, parent_file_id=parent_file_id)
        name, existing = name_resolve(
            drive=drive, parent_file_id=parent_file_id, name=name, check_name_mode=check_name_mode
        )
        if existing is not None:
            return existing, True
        now = timezone.now()
        folder = File.objects.create(
            file_id=new_file_id(),
            drive=drive,
            parent_file_id=parent_file_id,
            name=name,
            type=File.Type.FOLDER,
            status=File.Status.AVAILABLE,
            category="",
            creator=creator,
            description=description,
            hidden=hidden,
            created_at=now,
            updated_at=now,
        )
    return folder, False


def file_update(*, drive: Drive, item: File, fields: dict[str, Any], check_name_mode: str) -> File:
    with transaction.atomic(using=PDS_DB):
        item = File.objects.select_for_update().get(pk=item.pk)
        if fields.get("name") is not None and fields["name"] != item.name:
            name, clash = name_resolve(
                drive=drive,
                parent_file_id=item.parent_file_id,
                name=validate_name(fields["name"]),
                check_name_mode=check_name_mode,
                exclude_pk=item.pk,
            )
            if clash is not None:
                raise errors.AlreadyExist("File", "A file with that name already exists in this folder.")
            item.name = name
            if item.type == File.Type.FILE:
                item.file_extension = extension_of(name)
                item.category = category_of(name)
                item.content_type = content_type_of(name)
        for field in ("description", "starred", "hidden", "local_modified_at"):
            if fields.get(field) is not None:
                setattr(item, field, fields[field])
        tags = fields.get("user_tags")
        if isinstance(tags, dict):
            item.user_tags = tags
        elif isinstance(tags, list):
            item.user_tags = {tag.get("key"): tag.get("value") for tag in tags if isinstance(tag, dict)}
        item.updated_at = timezone.now()
        item.save()
    return item


def check_not_into_itself(*, drive: Drive, item: File, to_parent_file_id: str, verb: str) -> None:
    if to_parent_file_id == ROOT:
        return
    target = file_get(drive=drive, file_id=to_parent_file_id)
    if target.pk == item.pk or item.file_id in {folder.file_id for folder in ancestors(drive=drive, item=target)}:
        raise errors.InvalidParameter(f"A folder cannot be {verb} into itself.", code="InvalidParameter.ToParentFileId")


def file_move(
    *, drive: Drive, item: File, to_parent_file_id: str, check_name_mode: str, new_name: str | None = None
) -> tuple[File, bool]:
    """Move within the drive. Returns (file, existed) where existed means `refuse` found a clash."""
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=drive, parent_file_id=to_parent_file_id)
        check_not_into_itself(drive=drive, item=item, to_parent_file_id=to_parent_file_id, verb="moved")
        name = validate_name(new_name) if new_name else item.name
        name, clash = name_resolve(
            drive=drive,
            parent_file_id=to_parent_file_id,
            name=name,
            check_name_mode=check_name_mode,
            exclude_pk=item.pk,
        )
        if clash is not None:
            if check_name_mode == "refuse":
                return clash, True
            raise errors.AlreadyExist("File", "A file with that name already exists in the target folder.")
        item.parent_file_id = to_parent_file_id
        item.name = name
        item.updated_at = timezone.now()
        item.save(update_fields=["parent_file_id", "name", "updated_at"])
    return item, False


def subtree_size(*, drive: Drive, items: list[File]) -> tuple[int, int]:
    """(number of rows, bytes) of the items and everything under them."""
    ids = [item.file_id for item in items]
    below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in items if item.is_folder]) or []
    rows = File.objects.filter(drive=drive, file_id__in=ids + below, status=File.Status.AVAILABLE)
    return rows.count(), rows.aggregate(total=Sum("size"))["total"] or 0


def copy_plan(*, drive: Drive, params: dict) -> dict:
    item = File.objects.get(drive=drive, file_id=params["file_id"])
    rows, total_bytes = subtree_size(drive=drive, items=[item])
    return {"phase": "root", "total": rows, "bytes": total_bytes}


def copy_step(*, drive: Drive, params: dict, state: dict, size: int) -> int:
    """The copy's top first (its name resolved, the quota for all of it taken), then level
    by level: the walk's tag of a folder is the id of its copy, so a resumed job puts each
    child under the copy of its parent, and every row is copied once."""
    to_drive = Drive.objects.get(pk=params["to_drive_id"])
    to_parent_file_id, creator, now = params["to_parent_file_id"], params.get("user_id", ""), timezone.now()
    if state["phase"] == "root":
        item = File.objects.get(drive=drive, file_id=params["file_id"], trashed=False, status=File.Status.AVAILABLE)
        folder_check(drive=to_drive, parent_file_id=to_parent_file_id)
        if to_drive.pk == drive.pk and item.is_folder:
            check_not_into_itself(drive=to_drive, item=item, to_parent_file_id=to_parent_file_id, verb="copied")
        quota_settle(drive=to_drive, growth=state["bytes"])
        name, _ = name_resolve(
            drive=to_drive,
            parent_file_id=to_parent_file_id,
            name=item.name,
            check_name_mode="auto_rename" if params["auto_rename"] else "ignore",
        )
        copy_root = clone(item, drive=to_drive, parent_file_id=to_parent_file_id, name=name, creator=creator, now=now)
        copy_root.save()
        first_revisions([copy_root], creator=creator, now=now)  # a copy starts with one revision
        walk = TreeWalk.start([(item.file_id, copy_root.file_id)] if item.is_folder else [])
        state.update(
            phase="below", walk=walk.dump(), result={"file_id": copy_root.file_id, "drive_id": to_drive.drive_id}
        )
        return 1
    walk = TreeWalk.load(state["walk"])
    children = File.objects.filter(drive=drive, trashed=False, status=File.Status.AVAILABLE)
    copies = []
    for child, parent_copy_id in walk.next_rows(children, size):
        copy = clone(child, drive=to_drive, parent_file_id=parent_copy_id, name=child.name, creator=creator, now=now)
        copies.append(copy)
        if child.is_folder:
            walk.descend(child.file_id, copy.file_id)
    File.objects.bulk_create(copies)
    first_revisions(copies, creator=creator, now=now)
    state.update(phase="below" if copies else DONE, walk=walk.dump())
    return len(copies)


COPY = Job(plan=copy_plan, step=copy_step)


def file_copy(
    *, drive: Drive, item: File, to_drive: Drive, to_parent_file_id: str, auto_rename: bool, creator: str
) -> File:
    """Copy a file or a folder tree; copies share blobs, so no bytes move."""
    params = {
        "file_id": item.file_id,
        "to_drive_id": to_drive.pk,
        "to_parent_file_id": to_parent_file_id,
        "auto_rename": auto_rename,
        "user_id": creator,
    }
    with transaction.atomic(using=PDS_DB):
        state = COPY.run_at_once(drive=drive, params=params, size=settings.PDS_ASYNC_CHUNK_SIZE)
    return File.objects.get(file_id=state["result"]["file_id"])


def clone(item: File, *, drive: Drive, parent_file_id: str, name: str, creator: str, now: datetime) -> File:
    """An unsaved copy of the row."""
    return File(
        file_id=new_file_id(),
        drive=drive,
        parent_file_id=parent_file_id,
        name=name,
        type=item.type,
        status=File.Status.AVAILABLE,
        size=item.size,
        content_type=item.content_type,
        category=item.category,
        file_extension=item.file_extension,
        content_hash=item.content_hash,
        content_hash_name=item.content_hash_name,
        crc64_hash=item.crc64_hash,
        blob_id=item.blob_id,
        media_id=item.media_id,
        image_time=item.image_time,
        image_time_source=item.image_time_source,
        revision_id=new_file_id(),
        description=item.description,
        user_tags=item.user_tags,
        creator=creator,
        created_at=now,
        updated_at=now,
    )
