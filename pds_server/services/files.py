"""The file tree of a drive: names, access, listing, rename, move, copy, recycle bin, delete.

Files are rows with a parent_file_id (`root` at the top); names are metadata, never
paths on disk. A file the caller may not see answers 404 NotFound.File, exactly like one
that does not exist.
"""

from __future__ import annotations

import base64
import json
import mimetypes
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import connections, transaction
from django.db.models import BooleanField, F, Q, Sum
from django.db.models.expressions import RawSQL
from django.utils import timezone

from pds_server import errors
from pds_server.models import Blob, Drive, File, PdsUser, Upload
from pds_server.routers import PDS_DB
from pds_server.services import blobstore

ROOT = "root"
MAX_NAME_BYTES = 1024
LIST_ORDER_FIELDS = ("name", "created_at", "updated_at", "size")

CATEGORIES = {
    "image": "jpg jpeg png gif bmp webp heic heif svg tif tiff ico raw cr2 nef",
    "video": "mp4 mkv mov avi webm flv wmv m4v mpg mpeg 3gp ts m2ts rmvb",
    "audio": "mp3 wav flac aac ogg oga opus m4a wma ape aiff mid midi",
    "doc": "pdf doc docx xls xlsx ppt pptx txt md csv tsv rtf odt ods odp epub pages key numbers json xml yaml yml log",
    "zip": "zip rar 7z tar gz tgz bz2 xz zst lz4 iso",
    "app": "apk exe dmg msi deb rpm ipa pkg appimage",
}
CATEGORY_BY_EXTENSION = {ext: category for category, exts in CATEGORIES.items() for ext in exts.split()}


# --- Names and ids ------------------------------------------------------------------------------


def validate_name(name) -> str:
    if not isinstance(name, str) or name == "":
        raise errors.InvalidParameter("The name must not be empty.", code="InvalidParameter.Name")
    if name in (".", ".."):
        raise errors.InvalidParameter("The name may not be '.' or '..'.", code="InvalidParameter.Name")
    if "/" in name or any(ord(char) < 32 or ord(char) == 127 for char in name):
        raise errors.InvalidParameter("The name may not contain '/', NUL or control characters.", code="InvalidParameter.Name")
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise errors.InvalidParameter("The name is longer than 1024 UTF-8 bytes.", code="InvalidParameter.Name")
    return name


def new_file_id() -> str:
    return secrets.token_hex(20)  # 40 characters of [a-f0-9]


def extension_of(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower()[:64] if dot and stem else ""


def category_of(name: str) -> str:
    return CATEGORY_BY_EXTENSION.get(extension_of(name), "others")


def content_type_of(name: str) -> str:
    return mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"


# --- Access -------------------------------------------------------------------------------------


def drive_for(*, user: PdsUser | None, is_admin: bool, domain, drive_id) -> Drive:
    """The drive, if the caller owns it (or administers the domain); else NotFound.Drive."""
    drive_id = str(drive_id or "")
    if not drive_id.isdigit():
        raise errors.NotFound("Drive") if drive_id else errors.MissingParameter("drive_id")
    drive = Drive.objects.filter(domain=domain, pk=int(drive_id)).first()
    owned = drive is not None and user is not None and drive.owner_type == Drive.OwnerType.USER and drive.owner == user.user_id
    if drive is None or not (owned or is_admin):
        raise errors.NotFound("Drive")
    if drive.status != Drive.Status.ENABLED:
        raise errors.Forbidden("The drive is disabled.", code="ForbiddenDriveLocked")
    return drive


def file_get(*, drive: Drive, file_id: str, allow_trashed: bool = True, allow_uploading: bool = False) -> File:
    if not file_id or file_id == ROOT:
        raise errors.NotFound("File")
    item = File.objects.filter(drive=drive, file_id=file_id).first()
    if item is None or (item.status != File.Status.AVAILABLE and not allow_uploading):
        raise errors.NotFound("File")
    if item.trashed and not allow_trashed:
        raise errors.Forbidden("The file is in the recycle bin.", code="ForbiddenFileInTheRecycleBin")
    return item


def folder_check(*, drive: Drive, parent_file_id: str) -> None:
    """The parent must be the root or an available folder outside the recycle bin."""
    if parent_file_id == ROOT:
        return
    parent = file_get(drive=drive, file_id=parent_file_id, allow_trashed=False)
    if not parent.is_folder:
        raise errors.InvalidParameter("The parent is not a folder.", code="InvalidParameter.ParentFileId")


def ancestors(*, drive: Drive, item: File) -> list[File]:
    """From the parent up to the top folder."""
    chain, parent_id, seen = [], item.parent_file_id, set()
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
        rows = list(File.objects.filter(drive=drive, parent_file_id__in=level).values_list("file_id", "type"))
        found += [file_id for file_id, _ in rows]
        if limit is not None and len(found) > limit:
            return None
        level = [file_id for file_id, kind in rows if kind == File.Type.FOLDER]
    return found


def name_taken(*, drive: Drive, parent_file_id: str, name: str, exclude_pk: int | None = None) -> File | None:
    siblings = File.objects.filter(drive=drive, parent_file_id=parent_file_id, name=name, trashed=False, status=File.Status.AVAILABLE)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    return siblings.first()


def auto_renamed(*, drive: Drive, parent_file_id: str, name: str) -> str:
    """`report.pdf` becomes `report_20260102_150405.pdf` (then `_2`, `_3`... if needed)."""
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem:
        stem, extension = name, ""
    stamp = timezone.now().strftime("%Y%m%d_%H%M%S")
    for counter in range(1, 1000):
        suffix = f"_{stamp}" + (f"_{counter}" if counter > 1 else "")
        candidate = f"{stem}{suffix}.{extension}" if extension else f"{stem}{suffix}"
        if not name_taken(drive=drive, parent_file_id=parent_file_id, name=candidate):
            return validate_name(candidate)
    raise errors.AlreadyExist("File", "No free name could be found.")


# --- Listing (keyset pagination) -------------------------------------------------------------------


def _encode_marker(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_marker(marker: str, count: int) -> list:
    try:
        values = json.loads(base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4)))
        if not isinstance(values, list) or len(values) != count:
            raise ValueError
        return values
    except (ValueError, TypeError):
        raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None


def _marker_value(item: File, field: str):
    value = getattr(item, field)
    return value.isoformat() if isinstance(value, datetime) else value


def _parse_marker_value(field: str, value):
    if field in ("created_at", "updated_at", "trashed_at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    return value


@dataclass
class Ordering:
    """Sort keys, each (field, descending), always ending with file_id as the tie-break."""

    keys: list[tuple[str, bool]]

    def order_by(self) -> list[str]:
        return [("-" if desc else "") + field for field, desc in self.keys]

    def after(self, marker: str):
        """Rows strictly after the marker in this order, as an index range scan."""
        values = [_parse_marker_value(field, value) for (field, _), value in zip(self.keys, _decode_marker(marker, len(self.keys)))]
        if len({desc for _, desc in self.keys}) == 1:
            # One direction: a row-value comparison, (name, file_id) > (v, id), which SQLite
            # and PostgreSQL both answer by seeking the index to the marker.
            connection = connections[PDS_DB]
            table = connection.ops.quote_name(File._meta.db_table)
            columns = ", ".join(f"{table}.{connection.ops.quote_name(File._meta.get_field(field).column)}" for field, _ in self.keys)
            params = [File._meta.get_field(field).get_db_prep_value(value, connection) for (field, _), value in zip(self.keys, values)]
            operator = "<" if self.keys[0][1] else ">"
            placeholders = ", ".join(["%s"] * len(params))
            return RawSQL(f"({columns}) {operator} ({placeholders})", params, output_field=BooleanField())
        condition = Q()
        for index, (field, desc) in enumerate(self.keys):
            step = Q(**{f"{field}__{'lt' if desc else 'gt'}": values[index]})
            for prior in range(index):
                step &= Q(**{self.keys[prior][0]: values[prior]})
            condition |= step
        # Mixed directions (search's order_by): the OR, bounded on the first key.
        first_field, first_desc = self.keys[0]
        return Q(**{f"{first_field}__{'lte' if first_desc else 'gte'}": values[0]}) & condition

    def marker_for(self, item: File) -> str:
        return _encode_marker([_marker_value(item, field) for field, _ in self.keys])


def ordering_for(order_by: str, direction: str) -> Ordering:
    field = order_by or "created_at"
    if field not in LIST_ORDER_FIELDS:
        raise errors.InvalidParameter(f"order_by must be one of {', '.join(LIST_ORDER_FIELDS)}", code="InvalidParameter.OrderBy")
    direction = (direction or "ASC").upper()
    if direction not in ("ASC", "DESC"):
        raise errors.InvalidParameter("order_direction must be ASC or DESC", code="InvalidParameter.OrderDirection")
    desc = direction == "DESC"
    return Ordering([(field, desc), ("file_id", desc)])


def page(queryset, *, ordering: Ordering, limit: int, marker: str) -> tuple[list[File], str]:
    if marker:
        queryset = queryset.filter(ordering.after(marker))
    # The serializer reads each row's drive and domain: one join, not two queries a row.
    rows = list(queryset.select_related("drive__domain").order_by(*ordering.order_by())[: limit + 1])
    next_marker = ordering.marker_for(rows[limit - 1]) if len(rows) > limit else ""
    return rows[:limit], next_marker


def file_list(*, drive: Drive, parent_file_id: str, ordering: Ordering, limit: int, marker: str, type_: str = "", category: str = "", status: str = "") -> tuple[list[File], str]:
    folder_check(drive=drive, parent_file_id=parent_file_id)
    rows = File.objects.filter(drive=drive, parent_file_id=parent_file_id, trashed=False, status=status or File.Status.AVAILABLE)
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
        item = File.objects.filter(drive=drive, parent_file_id=parent_id, name=part, trashed=False, status=File.Status.AVAILABLE).order_by("created_at").first()
        if item is None:
            raise errors.NotFound("File")
        parent_id = item.file_id
    return item


# --- Changes ------------------------------------------------------------------------------------


def folder_create(*, drive: Drive, parent_file_id: str, name: str, check_name_mode: str, creator: str, description: str = "", hidden: bool = False) -> tuple[File, bool]:
    """Returns (folder, existed)."""
    validate_name(name)
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=drive, parent_file_id=parent_file_id)
        existing = name_taken(drive=drive, parent_file_id=parent_file_id, name=name)
        if existing is not None:
            if check_name_mode in ("refuse", "overwrite"):
                return existing, True
            if check_name_mode == "auto_rename":
                name = auto_renamed(drive=drive, parent_file_id=parent_file_id, name=name)
        now = timezone.now()
        folder = File.objects.create(
            file_id=new_file_id(), drive=drive, parent_file_id=parent_file_id, name=name, type=File.Type.FOLDER,
            status=File.Status.AVAILABLE, category="", creator=creator, description=description, hidden=hidden,
            created_at=now, updated_at=now,
        )
    return folder, False


def file_update(*, drive: Drive, item: File, fields: dict, check_name_mode: str) -> File:
    with transaction.atomic(using=PDS_DB):
        item = File.objects.select_for_update().get(pk=item.pk)
        if "name" in fields and fields["name"] is not None and fields["name"] != item.name:
            name = validate_name(fields["name"])
            if name_taken(drive=drive, parent_file_id=item.parent_file_id, name=name, exclude_pk=item.pk) is not None:
                if check_name_mode == "auto_rename":
                    name = auto_renamed(drive=drive, parent_file_id=item.parent_file_id, name=name)
                elif check_name_mode != "ignore":
                    raise errors.AlreadyExist("File", "A file with that name already exists in this folder.")
            item.name = name
            if item.type == File.Type.FILE:
                item.file_extension = extension_of(name)
                item.category = category_of(name)
                item.content_type = content_type_of(name)
        for field in ("description", "starred", "hidden", "local_modified_at"):
            if fields.get(field) is not None:
                setattr(item, field, fields[field])
        if isinstance(fields.get("user_tags"), (dict, list)):
            item.user_tags = fields["user_tags"] if isinstance(fields["user_tags"], dict) else {t.get("key"): t.get("value") for t in fields["user_tags"] if isinstance(t, dict)}
        item.updated_at = timezone.now()
        item.save()
    return item


def file_move(*, drive: Drive, item: File, to_parent_file_id: str, check_name_mode: str, new_name: str | None = None) -> tuple[File, bool]:
    """Move within the drive. Returns (file, existed) where existed means `refuse` found a clash."""
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=drive, parent_file_id=to_parent_file_id)
        if to_parent_file_id != ROOT:
            target = file_get(drive=drive, file_id=to_parent_file_id)
            if target.pk == item.pk or item.file_id in {a.file_id for a in ancestors(drive=drive, item=target)}:
                raise errors.InvalidParameter("A folder cannot be moved into itself.", code="InvalidParameter.ToParentFileId")
        name = validate_name(new_name) if new_name else item.name
        clash = name_taken(drive=drive, parent_file_id=to_parent_file_id, name=name, exclude_pk=item.pk)
        if clash is not None:
            if check_name_mode == "refuse":
                return clash, True
            if check_name_mode == "auto_rename":
                name = auto_renamed(drive=drive, parent_file_id=to_parent_file_id, name=name)
            elif check_name_mode != "ignore":
                raise errors.AlreadyExist("File", "A file with that name already exists in the target folder.")
        item.parent_file_id = to_parent_file_id
        item.name = name
        item.updated_at = timezone.now()
        item.save(update_fields=["parent_file_id", "name", "updated_at"])
    return item, False


def _usage_change(drive: Drive, delta: int) -> None:
    if delta:
        Drive.objects.filter(pk=drive.pk).update(used_size=F("used_size") + delta)


def _quota_check(drive: Drive, extra: int) -> None:
    drive = Drive.objects.select_for_update().get(pk=drive.pk)
    if drive.total_size is not None and drive.used_size + drive.reserved_size + extra > drive.total_size:
        raise errors.Forbidden("The drive does not have enough space.", code="QuotaExhausted.Drive")


def subtree_size(*, drive: Drive, items: list[File]) -> tuple[int, int]:
    """(number of rows, bytes) of the items and everything under them."""
    ids = [item.file_id for item in items]
    below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in items if item.is_folder]) or []
    rows = File.objects.filter(drive=drive, file_id__in=ids + below, status=File.Status.AVAILABLE)
    return rows.count(), rows.aggregate(total=Sum("size"))["total"] or 0


def file_copy(*, drive: Drive, item: File, to_drive: Drive, to_parent_file_id: str, auto_rename: bool, creator: str) -> File:
    """Copy a file or a folder tree; copies share blobs, so no bytes move."""
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=to_drive, parent_file_id=to_parent_file_id)
        if to_drive.pk == drive.pk and to_parent_file_id != ROOT and item.is_folder:
            target = file_get(drive=to_drive, file_id=to_parent_file_id)
            if target.pk == item.pk or item.file_id in {a.file_id for a in ancestors(drive=to_drive, item=target)}:
                raise errors.InvalidParameter("A folder cannot be copied into itself.", code="InvalidParameter.ToParentFileId")
        _, total_bytes = subtree_size(drive=drive, items=[item])
        _quota_check(to_drive, total_bytes)
        name = item.name
        if name_taken(drive=to_drive, parent_file_id=to_parent_file_id, name=name) is not None and auto_rename:
            name = auto_renamed(drive=to_drive, parent_file_id=to_parent_file_id, name=name)
        now = timezone.now()
        copy_root = _clone(item, to_drive, to_parent_file_id, name, creator, now)
        level = [(item.file_id, copy_root.file_id)] if item.is_folder else []
        while level:
            mapping = dict(level)
            level = []
            for child in File.objects.filter(drive=drive, parent_file_id__in=list(mapping), trashed=False, status=File.Status.AVAILABLE):
                clone = _clone(child, to_drive, mapping[child.parent_file_id], child.name, creator, now)
                if child.is_folder:
                    level.append((child.file_id, clone.file_id))
        _usage_change(to_drive, total_bytes)
    return copy_root


def _clone(item: File, drive: Drive, parent_file_id: str, name: str, creator: str, now) -> File:
    return File.objects.create(
        file_id=new_file_id(), drive=drive, parent_file_id=parent_file_id, name=name, type=item.type,
        status=File.Status.AVAILABLE, size=item.size, content_type=item.content_type, category=item.category,
        file_extension=item.file_extension, content_hash=item.content_hash, content_hash_name=item.content_hash_name,
        crc64_hash=item.crc64_hash, blob=item.blob, revision_id=new_file_id(), description=item.description,
        user_tags=item.user_tags, creator=creator, created_at=now, updated_at=now,
    )


def file_trash(*, drive: Drive, file_ids: list[str]) -> int:
    """Put items in the recycle bin; everything under them is hidden with them."""
    with transaction.atomic(using=PDS_DB):
        now = timezone.now()
        roots = list(File.objects.filter(drive=drive, file_id__in=file_ids, trashed=False))
        below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in roots if item.is_folder]) or []
        File.objects.filter(drive=drive, file_id__in=[item.file_id for item in roots]).update(trashed=True, trash_root=True, trashed_at=now, updated_at=now)
        File.objects.filter(drive=drive, file_id__in=below, trashed=False).update(trashed=True, trashed_at=now)
    return len(roots) + len(below)


def file_restore(*, drive: Drive, item: File) -> int:
    """Back to where it was; if that folder is gone or in the bin too, to the top."""
    with transaction.atomic(using=PDS_DB):
        item = File.objects.select_for_update().get(pk=item.pk)
        if not item.trash_root:
            raise errors.InvalidParameter("The file is not in the recycle bin.", code="InvalidParameter.FileId")
        if item.parent_file_id != ROOT and not File.objects.filter(drive=drive, file_id=item.parent_file_id, trashed=False, status=File.Status.AVAILABLE).exists():
            item.parent_file_id = ROOT
        if name_taken(drive=drive, parent_file_id=item.parent_file_id, name=item.name, exclude_pk=item.pk) is not None:
            item.name = auto_renamed(drive=drive, parent_file_id=item.parent_file_id, name=item.name)
        # Restore the subtree, except parts the user had put in the bin on their own before.
        level, restored = [item.file_id] if item.is_folder else [], 0
        while level:
            children = list(File.objects.filter(drive=drive, parent_file_id__in=level, trash_root=False).values_list("file_id", "type"))
            ids = [file_id for file_id, _ in children]
            restored += File.objects.filter(drive=drive, file_id__in=ids).update(trashed=False, trashed_at=None)
            level = [file_id for file_id, kind in children if kind == File.Type.FOLDER]
        item.trashed, item.trash_root, item.trashed_at, item.updated_at = False, False, None, timezone.now()
        item.save()
    return restored + 1


def file_delete(*, drive: Drive, file_ids: list[str]) -> int:
    """Delete for good: rows, then the blobs nothing refers to any more."""
    with transaction.atomic(using=PDS_DB):
        roots = list(File.objects.filter(drive=drive, file_id__in=file_ids))
        below = descendant_ids(drive=drive, folder_ids=[item.file_id for item in roots if item.is_folder]) or []
        doomed = File.objects.filter(drive=drive, file_id__in=[item.file_id for item in roots] + below)
        freed = doomed.filter(status=File.Status.AVAILABLE).aggregate(total=Sum("size"))["total"] or 0
        blob_ids = set(doomed.exclude(blob=None).values_list("blob_id", flat=True))
        uploads = Upload.objects.filter(file__in=doomed, completed_at__isnull=True)
        for upload in uploads:
            from pds_server.services.uploads import upload_discard

            upload_discard(upload=upload)
        count = doomed.count()
        doomed.delete()
        _usage_change(drive, -freed)
        blobs_release(blob_ids)
    return count


def blobs_release(blob_ids) -> None:
    """Remove blobs that no file refers to any more (the row lock serializes with uploads
    completing onto the same blob)."""
    for blob in Blob.objects.select_for_update().filter(pk__in=list(blob_ids)):
        if not File.objects.filter(blob=blob).exists():
            for thumbnail in blob.thumbnails.all():
                transaction.on_commit(lambda name=thumbnail.storage_name: blobstore.delete(name), using=PDS_DB)
            name = blob.storage_name
            blob.delete()
            transaction.on_commit(lambda name=name: blobstore.delete(name), using=PDS_DB)


def recyclebin_list(*, drive: Drive, limit: int, marker: str) -> tuple[list[File], str]:
    ordering = Ordering([("trashed_at", True), ("file_id", True)])
    return page(File.objects.filter(drive=drive, trash_root=True), ordering=ordering, limit=limit, marker=marker)


def recyclebin_clear(*, drive: Drive) -> int:
    ids = list(File.objects.filter(drive=drive, trash_root=True).values_list("file_id", flat=True))
    return file_delete(drive=drive, file_ids=ids) if ids else 0
