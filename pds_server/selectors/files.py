"""Reads of a drive's files: one file, a folder's page, a path, search, the recycle bin,
and what a share link reaches. A file the caller may not see answers 404 NotFound.File,
exactly like one that does not exist."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from drive_site.compiled_reads import CompiledRead
from pds_server import errors
from pds_server.models import Drive, File, ShareLink, Upload, UploadPart
from pds_server.selectors import domain_kept
from pds_server.services.pagination import Ordering, page

ROOT = "root"

# file_id is unique: a slice, without the ORDER BY that .first() adds. Every file request
# starts with one of these two, so their SQL is compiled once per thread.
_file_by_id = CompiledRead(
    lambda drive_pk, file_id: File.objects.select_related("media", "blob").filter(
        drive_id=drive_pk,
        file_id=file_id,
    )[:1]
)
_file_with_drive_by_id = CompiledRead(
    lambda domain_pk, drive_pk, file_id: File.objects.select_related("drive", "media", "blob").filter(
        drive_id=drive_pk, drive__domain_id=domain_pk, file_id=file_id
    )[:1]
)


def file_get(*, drive: Drive, file_id: str, allow_trashed: bool = True, allow_uploading: bool = False) -> File:
    if not file_id or file_id == ROOT:
        raise errors.NotFound("File")
    item = _file_by_id.first(drive.pk, file_id)
    if item is None or not _takeable(item, allow_uploading):
        raise errors.NotFound("File")
    if item.trashed and not allow_trashed:
        raise errors.Forbidden("The file is in the recycle bin.", code="ForbiddenFileInTheRecycleBin")
    item.drive = drive  # the row it was found in: no second read of the drive (or its domain) to serialize it
    _domain_attached(drive)
    return item


def file_with_drive(*, domain_pk: int, drive_pk: int, file_id: str, allow_uploading: bool = False) -> File | None:
    """The file `file_id` of the drive `drive_pk` of the domain, read with its drive in one
    query (what every file request needs first), if it is there and file_get would take it;
    else None, and the caller reads the drive and the file one after the other, so that what
    is missing is said as it always was (the drive first)."""
    if not file_id or file_id == ROOT:
        return None
    item = _file_with_drive_by_id.first(domain_pk, drive_pk, file_id)
    if item is None or not _takeable(item, allow_uploading):
        return None
    _domain_attached(item.drive)
    return item


def _takeable(item: File, allow_uploading: bool) -> bool:
    """Whether a file read by id is one a request may have: an available one (or, for the
    upload endpoints, one still uploading)."""
    return item.status == File.Status.AVAILABLE or allow_uploading


def _domain_attached(drive: Drive) -> None:
    if not Drive.domain.is_cached(drive):
        domain = domain_kept(drive.domain_id)
        if domain is not None:
            drive.domain = domain


def folder_check(*, drive: Drive, parent_file_id: str) -> None:
    """The parent must be the root or an available folder outside the recycle bin."""
    if parent_file_id == ROOT:
        return
    parent = file_get(drive=drive, file_id=parent_file_id, allow_trashed=False)
    if not parent.is_folder:
        raise errors.InvalidParameter("The parent is not a folder.", code="InvalidParameter.ParentFileId")


def ancestors(*, drive: Drive, item: File) -> list[File]:
    """From the parent up to the top folder."""
    chain: list[File] = []
    parent_id, seen = item.parent_file_id, set()
    while parent_id != ROOT and parent_id not in seen:
        seen.add(parent_id)
        parent = File.objects.filter(drive=drive, file_id=parent_id).first()
        if parent is None:
            break
        chain.append(parent)
        parent_id = parent.parent_file_id
    return chain


def descendant_ids(*, drive: Drive, folder_ids: list[str], limit: int | None = None) -> list[str] | None:
    """Every file id under the folders, level by level; None when there are more than `limit`."""
    found: list[str] = []
    level = list(folder_ids)
    while level:
        children = File.objects.filter(drive=drive, parent_file_id__in=level).values_list("file_id", "type")
        # One row past the limit is enough to know there are more (the file_children index).
        rows = list(children if limit is None else children[: limit - len(found) + 1])
        found += [file_id for file_id, _ in rows]
        if limit is not None and len(found) > limit:
            return None
        level = [file_id for file_id, kind in rows if kind == File.Type.FOLDER]
    return found


def visible_files(*, drive: Drive) -> QuerySet[File]:
    return File.objects.filter(drive=drive, trashed=False, status=File.Status.AVAILABLE)


def file_list(
    *,
    drive: Drive,
    parent_file_id: str,
    ordering: Ordering,
    limit: int,
    marker: str,
    type_: str = "",
    category: str = "",
    status: str = "",
) -> tuple[list[File], str]:
    folder_check(drive=drive, parent_file_id=parent_file_id)
    rows = File.objects.select_related("media").filter(
        drive=drive, parent_file_id=parent_file_id, trashed=False, status=status or File.Status.AVAILABLE
    )
    if type_:
        rows = rows.filter(type=type_)
    if category:
        rows = rows.filter(category=category)
    return page(rows, ordering=ordering, limit=limit, marker=marker)


def file_get_by_path(*, drive: Drive, file_path: str) -> File:
    parent_id, item = ROOT, None
    parts = [part for part in (file_path or "").split("/") if part]
    if not parts:
        raise errors.NotFound("File")
    for part in parts:
        item = visible_files(drive=drive).filter(parent_file_id=parent_id, name=part).order_by("created_at").first()
        if item is None:
            raise errors.NotFound("File")
        parent_id = item.file_id
    assert item is not None
    return item


def file_search(
    *, drive: Drive, condition: Q, ordering: Ordering, limit: int, marker: str, with_total: bool
) -> tuple[list[File], str, int | None]:
    rows = visible_files(drive=drive).filter(condition)
    if any(field == "image_time" for field, _ in ordering.keys):  # the timeline: by capture time (file_timeline)
        rows = rows.filter(image_time__isnull=False)
    items, next_marker = page(rows.select_related("media"), ordering=ordering, limit=limit, marker=marker)
    return items, next_marker, (rows.count() if with_total else None)


def recyclebin_list(*, drive: Drive, limit: int, marker: str) -> tuple[list[File], str]:
    ordering = Ordering([("trashed_at", True), ("file_id", True)])
    rows = File.objects.select_related("media").filter(drive=drive, trash_root=True)
    return page(rows, ordering=ordering, limit=limit, marker=marker)


def recyclebin_root_ids(*, drive: Drive) -> list[str]:
    return list(File.objects.filter(drive=drive, trash_root=True).values_list("file_id", flat=True))


# --- Through a share link ---------------------------------------------------------------------


def shared_file(*, share: ShareLink, file_id: str) -> File:
    """A file the share reaches: one of the shared files or under one of them; else 404."""
    item = visible_files(drive=share.drive).select_related("media").filter(file_id=file_id or "").first()
    if item is None:
        raise errors.NotFound("File")
    if share.story_id:  # an album's link reaches the album's files as they are now, nothing else
        if item.story_entries.filter(story__drive=share.drive, story__story_id=share.story_id).exists():
            return item
        raise errors.NotFound("File")
    if item.file_id in share.file_ids:
        return item
    if any(
        parent.file_id in share.file_ids for parent in ancestors(drive=share.drive, item=item) if not parent.trashed
    ):
        return item
    raise errors.NotFound("File")


def shared_file_list(
    *, share: ShareLink, parent_file_id: str, type_: str, ordering: Ordering, limit: int, marker: str
) -> tuple[list[File], str]:
    """file/list through a share: `root` lists the shared files themselves."""
    if parent_file_id in ("", ROOT):
        parent_id, only_ids = share.parent_file_id, share.file_ids
    else:
        folder = shared_file(share=share, file_id=parent_file_id)
        if not folder.is_folder:
            raise errors.InvalidParameter("The parent is not a folder.", code="InvalidParameter.ParentFileId")
        parent_id, only_ids = folder.file_id, None
    rows = visible_files(drive=share.drive).select_related("media").filter(parent_file_id=parent_id)
    if only_ids is not None:
        rows = rows.filter(file_id__in=only_ids)
    if share.story_id and parent_file_id in ("", ROOT):  # an album's link: the album's files now
        rows = visible_files(drive=share.drive).select_related("media")
        rows = rows.filter(story_entries__story__drive=share.drive, story_entries__story__story_id=share.story_id)
    if type_:
        rows = rows.filter(type=type_)
    return page(rows, ordering=ordering, limit=limit, marker=marker)


# --- Uploads ----------------------------------------------------------------------------------


def upload_get(*, drive: Drive, file_id: str, upload_id: str) -> Upload:
    upload = (
        Upload.objects.select_related("file")
        .filter(upload_id=upload_id or "", file__drive=drive, file__file_id=file_id or "")
        .first()
    )
    if upload is None:
        raise errors.NotFound("Upload", "The upload does not exist.")
    return upload


def uploaded_parts(*, upload: Upload, limit: int, part_number_marker: int) -> tuple[list[UploadPart], int]:
    parts = list(upload.parts.filter(part_number__gt=part_number_marker).order_by("part_number")[: limit + 1])
    next_marker = parts[limit - 1].part_number if len(parts) > limit else 0
    return parts[:limit], next_marker
