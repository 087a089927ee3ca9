"""The recycle bin and deleting for good."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, File, Upload
from pds_server.routers import PDS_DB
from pds_server.selectors.files import ROOT, descendant_ids, recyclebin_root_ids
from pds_server.services.blobs import blobs_release
from pds_server.services.names import auto_renamed, name_taken
from pds_server.services.quota import quota_settle
from pds_server.services.uploads import upload_discard


def file_trash(*, drive: Drive, file_ids: list[str]) -> int:
    """Put items in the recycle bin; everything under them is hidden with them."""
    with transaction.atomic(using=PDS_DB):
        now = timezone.now()
        roots = list(File.objects.filter(drive=drive, file_id__in=file_ids, trashed=False))
        below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in roots if item.is_folder]) or []
        File.objects.filter(drive=drive, file_id__in=[item.file_id for item in roots]).update(
            trashed=True, trash_root=True, trashed_at=now, updated_at=now
        )
        File.objects.filter(drive=drive, file_id__in=below, trashed=False).update(trashed=True, trashed_at=now)
    return len(roots) + len(below)


def file_restore(*, drive: Drive, item: File) -> int:
    """Back to where it was; if that folder is gone or in the bin too, to the top."""
    with transaction.atomic(using=PDS_DB):
        item = File.objects.select_for_update().get(pk=item.pk)
        if not item.trash_root:
            raise errors.InvalidParameter("The file is not in the recycle bin.", code="InvalidParameter.FileId")
        parent_there = File.objects.filter(
            drive=drive, file_id=item.parent_file_id, trashed=False, status=File.Status.AVAILABLE
        ).exists()
        if item.parent_file_id != ROOT and not parent_there:
            item.parent_file_id = ROOT
        if name_taken(drive=drive, parent_file_id=item.parent_file_id, name=item.name, exclude_pk=item.pk) is not None:
            item.name = auto_renamed(drive=drive, parent_file_id=item.parent_file_id, name=item.name)
        # Restore the subtree, except parts the user had put in the bin on their own before.
        level, restored = [item.file_id] if item.is_folder else [], 0
        while level:
            children = list(
                File.objects.filter(drive=drive, parent_file_id__in=level, trash_root=False).values_list(
                    "file_id", "type"
                )
            )
            ids = [file_id for file_id, _ in children]
            restored += File.objects.filter(drive=drive, file_id__in=ids).update(trashed=False, trashed_at=None)
            level = [file_id for file_id, kind in children if kind == File.Type.FOLDER]
        item.trashed, item.trash_root, item.trashed_at, item.updated_at = False, False, None, timezone.now()
        item.save()
    return restored + 1


def file_delete(*, drive: Drive, file_ids: list[str]) -> int:
    """Delete for good: rows, unfinished uploads onto them, then the blobs nothing refers to."""
    with transaction.atomic(using=PDS_DB):
        roots = list(File.objects.filter(drive=drive, file_id__in=file_ids))
        below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in roots if item.is_folder]) or []
        doomed = File.objects.filter(drive=drive, file_id__in=[item.file_id for item in roots] + below)
        freed = doomed.filter(status=File.Status.AVAILABLE).aggregate(total=Sum("size"))["total"] or 0
        blob_ids = set(doomed.exclude(blob=None).values_list("blob_id", flat=True))
        for upload in Upload.objects.filter(file__in=doomed, completed_at__isnull=True):
            upload_discard(upload=upload)
        count = doomed.count()
        doomed.delete()
        quota_settle(drive=drive, growth=-freed)
        blobs_release(blob_ids)
    return count


def recyclebin_clear(*, drive: Drive) -> int:
    ids = recyclebin_root_ids(drive=drive)
    return file_delete(drive=drive, file_ids=ids) if ids else 0
