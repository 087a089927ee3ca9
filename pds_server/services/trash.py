"""The recycle bin and deleting for good.

Each operation is a Job (services/walk.py): small folders run it at once in one
transaction, big ones in the Celery worker a chunk of rows per transaction, resuming from
the state their row keeps. The order of the steps keeps a half-done job harmless: trash
hides the items first, restore brings them back last, delete removes them last.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, File, Upload
from pds_server.routers import PDS_DB
from pds_server.selectors.files import ROOT, descendant_ids, recyclebin_root_ids
from pds_server.services.blobs import blobs_release
from pds_server.services.names import auto_renamed, name_taken
from pds_server.services.quota import quota_settle
from pds_server.services.revisions import content_held
from pds_server.services.uploads import upload_discard
from pds_server.services.walk import DONE, Job, TreeWalk


def subtree_count(*, drive: Drive, roots: list[File]) -> int:
    below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in roots if item.is_folder]) or []
    return len(roots) + len(below)


# --- Trash -------------------------------------------------------------------------------------


def trash_plan(*, drive: Drive, params: dict) -> dict:
    roots = list(File.objects.filter(drive=drive, file_id__in=params["file_ids"], trashed=False))
    return {"phase": "roots", "total": subtree_count(drive=drive, roots=roots)}


def trash_step(*, drive: Drive, params: dict, state: dict, size: int) -> int:
    now = timezone.now()
    if state["phase"] == "roots":
        roots = list(File.objects.filter(drive=drive, file_id__in=params["file_ids"], trashed=False))
        File.objects.filter(pk__in=[item.pk for item in roots]).update(
            trashed=True, trash_root=True, trashed_at=now, updated_at=now
        )
        walk = TreeWalk.start([(item.file_id, "") for item in roots if item.is_folder])
        state.update(phase="below", walk=walk.dump())
        return len(roots)
    walk = TreeWalk.load(state["walk"])
    rows = [row for row, _ in walk.next_rows(File.objects.filter(drive=drive), size)]
    for row in rows:
        if row.is_folder:
            walk.descend(row.file_id)
    # What the user had put in the bin on their own keeps its own trashed_at.
    File.objects.filter(pk__in=[row.pk for row in rows], trashed=False).update(trashed=True, trashed_at=now)
    state.update(phase="below" if rows else DONE, walk=walk.dump())
    return len(rows)


TRASH = Job(plan=trash_plan, step=trash_step)


def file_trash(*, drive: Drive, file_ids: list[str]) -> int:
    """Put items in the recycle bin; everything under them is hidden with them."""
    with transaction.atomic(using=PDS_DB):
        state = TRASH.run_at_once(drive=drive, params={"file_ids": file_ids}, size=settings.PDS_ASYNC_CHUNK_SIZE)
    return state["count"]


# --- Restore -----------------------------------------------------------------------------------


def restore_plan(*, drive: Drive, params: dict) -> dict:
    item = File.objects.get(drive=drive, file_id=params["file_id"])
    if not item.trash_root:
        raise errors.InvalidParameter("The file is not in the recycle bin.", code="InvalidParameter.FileId")
    return {"phase": "start", "total": subtree_count(drive=drive, roots=[item])}


def restore_step(*, drive: Drive, params: dict, state: dict, size: int) -> int:
    """The subtree first, except parts the user had put in the bin on their own before; the
    item itself last, back where it was or, if that folder is gone or in the bin, at the top."""
    if state["phase"] == "start":
        item = File.objects.get(drive=drive, file_id=params["file_id"])
        state.update(phase="below", walk=TreeWalk.start([(item.file_id, "")] if item.is_folder else []).dump())
        return 0
    if state["phase"] == "below":
        walk = TreeWalk.load(state["walk"])
        rows = [row for row, _ in walk.next_rows(File.objects.filter(drive=drive, trash_root=False), size)]
        for row in rows:
            if row.is_folder:
                walk.descend(row.file_id)
        File.objects.filter(pk__in=[row.pk for row in rows]).update(trashed=False, trashed_at=None)
        state.update(phase="below" if rows else "item", walk=walk.dump())
        return len(rows)
    item = File.objects.select_for_update().get(drive=drive, file_id=params["file_id"])
    state["phase"] = DONE
    if not item.trash_root:  # restored meanwhile
        return 0
    parent_there = File.objects.filter(
        drive=drive, file_id=item.parent_file_id, trashed=False, status=File.Status.AVAILABLE
    ).exists()
    if item.parent_file_id != ROOT and not parent_there:
        item.parent_file_id = ROOT
    if name_taken(drive=drive, parent_file_id=item.parent_file_id, name=item.name, exclude_pk=item.pk) is not None:
        item.name = auto_renamed(drive=drive, parent_file_id=item.parent_file_id, name=item.name)
    item.trashed, item.trash_root, item.trashed_at, item.updated_at = False, False, None, timezone.now()
    item.save()
    return 1


RESTORE = Job(plan=restore_plan, step=restore_step)


def file_restore(*, drive: Drive, item: File) -> int:
    """Back to where it was; if that folder is gone or in the bin too, to the top."""
    with transaction.atomic(using=PDS_DB):
        state = RESTORE.run_at_once(drive=drive, params={"file_id": item.file_id}, size=settings.PDS_ASYNC_CHUNK_SIZE)
    return state["count"]


# --- Delete for good ---------------------------------------------------------------------------


def delete_plan(*, drive: Drive, params: dict) -> dict:
    ids = params["file_ids"] if "file_ids" in params else recyclebin_root_ids(drive=drive)
    roots = list(File.objects.filter(drive=drive, file_id__in=ids))
    walk = TreeWalk.start([(item.file_id, "") for item in roots if item.is_folder])
    return {
        "phase": "below",
        "roots": [item.file_id for item in roots],
        "walk": walk.dump(),
        "total": subtree_count(drive=drive, roots=roots),
    }


def delete_step(*, drive: Drive, params: dict, state: dict, size: int) -> int:
    """Everything under the items first, the items last: a job stopped half-way leaves the
    items in place, to be deleted again."""
    if state["phase"] == "below":
        walk = TreeWalk.load(state["walk"])
        rows = [row for row, _ in walk.next_rows(File.objects.filter(drive=drive), size)]
        for row in rows:
            if row.is_folder:
                walk.descend(row.file_id)
        state.update(phase="below" if rows else "roots", walk=walk.dump())
        return rows_delete(drive=drive, rows=File.objects.filter(pk__in=[row.pk for row in rows]))
    roots, state["roots"] = state["roots"][:size], state["roots"][size:]
    if not state["roots"]:
        state["phase"] = DONE
    return rows_delete(drive=drive, rows=File.objects.filter(drive=drive, file_id__in=roots))


def rows_delete(*, drive: Drive, rows: QuerySet[File]) -> int:
    """Delete rows for good with their revisions: unfinished uploads onto them, then the
    blobs nothing refers to."""
    # Locked in the order `complete` and revision changes lock (uploads, then files), so a
    # complete or a revision deleted meanwhile cannot change what is counted as freed.
    list(Upload.objects.select_for_update().filter(file__in=rows, completed_at__isnull=True).values_list("pk"))
    rows = File.objects.filter(pk__in=list(rows.select_for_update().values_list("pk", flat=True)))
    freed, blob_ids = content_held(rows=rows)
    for upload in Upload.objects.filter(file__in=rows, completed_at__isnull=True):
        upload_discard(upload=upload)
    count = rows.count()
    rows.delete()
    quota_settle(drive=drive, growth=-freed)
    blobs_release(blob_ids)
    return count


DELETE = Job(plan=delete_plan, step=delete_step)


def file_delete(*, drive: Drive, file_ids: list[str]) -> int:
    """Delete for good: rows, unfinished uploads onto them, then the blobs nothing refers to."""
    with transaction.atomic(using=PDS_DB):
        state = DELETE.run_at_once(drive=drive, params={"file_ids": file_ids}, size=settings.PDS_ASYNC_CHUNK_SIZE)
    return state["count"]


def recyclebin_clear(*, drive: Drive) -> int:
    """Delete for good what is in the recycle bin (the `clear` job when run by the worker)."""
    with transaction.atomic(using=PDS_DB):
        state = DELETE.run_at_once(drive=drive, params={}, size=settings.PDS_ASYNC_CHUNK_SIZE)
    return state["count"]
