"""Uploads: `file/create` for files (normal, instant, overwrite), signed part PUTs, and
`complete`, which assembles the parts into a content-addressed blob.

Quota is reserved when an upload is created and settled at `complete`, under a lock on
the drive row, so parallel uploads can never push a drive past its total size. Until
`complete` a new file is `uploading` and invisible to list and get.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from pds_server import errors, signing
from pds_server.models import Blob, Drive, File, PdsUser, Upload, UploadPart
from pds_server.routers import PDS_DB
from pds_server.services import blobstore
from pds_server.services.files import (
    _usage_change,
    auto_renamed,
    blobs_release,
    category_of,
    content_type_of,
    extension_of,
    folder_check,
    name_taken,
    new_file_id,
    validate_name,
)

MAX_PARTS = 10_000
MAX_PART_SIZE = 5 * 1024**3
UPLOAD_PART_PATH = "/v2/file/upload_part"


@dataclass
class FileCreateRequest:
    drive: Drive
    user: PdsUser | None
    parent_file_id: str
    name: str
    size: int | None
    part_numbers: list[int]
    check_name_mode: str
    content_hash: str = ""
    content_hash_name: str = ""
    pre_hash: str = ""
    proof_code: str | None = None
    proof_version: str = ""
    raw_access_token: str = ""
    description: str = ""
    hidden: bool = False
    local_created_at: str = ""
    local_modified_at: str = ""


def _new_upload_id() -> str:
    return secrets.token_hex(16).upper()


def part_info(request, upload: Upload, part_numbers: list[int]) -> list[dict]:
    infos = []
    for number in part_numbers:
        url, _ = signing.signed_url(request, "PUT", UPLOAD_PART_PATH, {"upload_id": upload.upload_id, "part_number": number}, settings.PDS_UPLOAD_URL_LIFETIME)
        infos.append({"part_number": number, "upload_url": url, "internal_upload_url": url, "content_type": ""})
    return infos


def proof_matches(*, blob: Blob, proof_code: str, raw_access_token: str) -> bool:
    """Legacy proof v1: base64 of the 8 bytes at int(md5(access_token)[:16], 16) % size."""
    if blob.size == 0:
        return proof_code == ""
    offset = int(hashlib.md5(raw_access_token.encode()).hexdigest()[:16], 16) % blob.size
    expected = base64.b64encode(blobstore.read_range(blob.storage_name, offset, 8)).decode()
    return hmac.compare_digest(expected, proof_code or "")


def _reserve(drive: Drive, amount: int) -> None:
    """Hold quota for an upload (drive row locked)."""
    locked = Drive.objects.select_for_update().get(pk=drive.pk)
    if locked.total_size is not None and locked.used_size + locked.reserved_size + amount > locked.total_size:
        raise errors.Forbidden("The drive does not have enough space.", code="QuotaExhausted.Drive")
    Drive.objects.filter(pk=drive.pk).update(reserved_size=F("reserved_size") + amount)


def file_create(request, req: FileCreateRequest) -> tuple[int, dict]:
    """`file/create` of a file. Returns (HTTP status, body)."""
    validate_name(req.name)
    if req.size is not None and req.size < 0:
        raise errors.InvalidParameter("size must not be negative", code="InvalidParameter.Size")
    if len(req.part_numbers) > MAX_PARTS or sorted(req.part_numbers) != list(range(1, len(req.part_numbers) + 1)):
        raise errors.InvalidParameter("part_info_list must number parts 1..N, at most 10000.", code="InvalidParameter.PartInfoList")
    drive, name = req.drive, req.name
    owner = req.user.user_id if req.user else ""
    with transaction.atomic(using=PDS_DB):
        folder_check(drive=drive, parent_file_id=req.parent_file_id)
        existing = name_taken(drive=drive, parent_file_id=req.parent_file_id, name=name)
        target = None
        if existing is not None:
            if req.check_name_mode == "refuse":
                return 201, _create_body(existing, upload=None, exist=True)
            if req.check_name_mode == "auto_rename":
                name = auto_renamed(drive=drive, parent_file_id=req.parent_file_id, name=name)
            elif req.check_name_mode == "overwrite":
                if existing.is_folder:
                    raise errors.AlreadyExist("File", "A folder with that name exists; it cannot be overwritten by a file.")
                target = existing

        if req.pre_hash and not req.content_hash:
            # Step 1 of instant upload: does the domain hold content with this start and size?
            candidates = Blob.objects.filter(pre_hash=req.pre_hash.upper(), files__drive__domain=drive.domain)
            if req.size is not None:
                candidates = candidates.filter(size=req.size)
            if candidates.exists():
                raise errors.PdsError(
                    "The pre_hash matched: send the content hash.", code="PreHashMatched", status=409,
                    extra={"pre_hash": req.pre_hash, "file_name": name, "parent_file_id": req.parent_file_id},
                )

        if req.content_hash and req.content_hash_name.lower() == "sha1":
            blob = Blob.objects.filter(sha1=req.content_hash.upper()).first()
            if blob is not None and (req.size is None or blob.size == req.size) and _may_reuse(blob, drive, owner, req):
                item = _rapid_upload(drive=drive, req=req, name=name, blob=blob, target=target)
                return 201, _create_body(item, upload=None, rapid=True)

        _reserve(drive, req.size or 0)
        now = timezone.now()
        if target is None:
            target = File.objects.create(
                file_id=new_file_id(), drive=drive, parent_file_id=req.parent_file_id, name=name, type=File.Type.FILE,
                status=File.Status.UPLOADING, size=req.size or 0, content_type=content_type_of(name), category=category_of(name),
                file_extension=extension_of(name), creator=owner, description=req.description, hidden=req.hidden,
                local_created_at=req.local_created_at, local_modified_at=req.local_modified_at, created_at=now, updated_at=now,
            )
        upload = Upload.objects.create(
            upload_id=_new_upload_id(), file=target, part_count=len(req.part_numbers) or 1, declared_size=req.size,
            reserved_size=req.size or 0, revision_id=new_file_id(), expires_at=now + timedelta(seconds=settings.PDS_UPLOAD_LIFETIME),
        )
    body = _create_body(target, upload=upload)
    body["part_info_list"] = part_info(request, upload, list(range(1, upload.part_count + 1)))
    return 201, body


def _may_reuse(blob: Blob, drive: Drive, owner: str, req: FileCreateRequest) -> bool:
    """A hash alone never reads someone else's bytes: without a valid proof only blobs the
    same user already holds match; with one, any blob of the domain."""
    if File.objects.filter(blob=blob, drive__domain=drive.domain, drive__owner_type=Drive.OwnerType.USER, drive__owner=owner).exists():
        return True
    if req.proof_code is not None and req.proof_version == "v1" and req.raw_access_token:
        in_domain = File.objects.filter(blob=blob, drive__domain=drive.domain).exists()
        return in_domain and proof_matches(blob=blob, proof_code=req.proof_code, raw_access_token=req.raw_access_token)
    return False


def _rapid_upload(*, drive: Drive, req: FileCreateRequest, name: str, blob: Blob, target: File | None) -> File:
    old_size = target.size if target is not None else 0
    locked = Drive.objects.select_for_update().get(pk=drive.pk)
    growth = blob.size - old_size
    if locked.total_size is not None and locked.used_size + locked.reserved_size + growth > locked.total_size:
        raise errors.Forbidden("The drive does not have enough space.", code="QuotaExhausted.Drive")
    now = timezone.now()
    old_blob_id = target.blob_id if target is not None else None
    item = target or File(
        file_id=new_file_id(), drive=drive, parent_file_id=req.parent_file_id, name=name, type=File.Type.FILE,
        content_type=content_type_of(name), category=category_of(name), file_extension=extension_of(name),
        creator=req.user.user_id if req.user else "", description=req.description, hidden=req.hidden,
        local_created_at=req.local_created_at, local_modified_at=req.local_modified_at, created_at=now,
    )
    _set_content(item, blob)
    item.updated_at = now
    item.save()
    _usage_change(drive, growth)
    if old_blob_id and old_blob_id != blob.pk:
        blobs_release({old_blob_id})
    return item


def _set_content(item: File, blob: Blob) -> None:
    item.status = File.Status.AVAILABLE
    item.blob = blob
    item.size = blob.size
    item.content_hash = blob.sha1
    item.content_hash_name = "sha1"
    item.crc64_hash = blob.crc64
    item.revision_id = new_file_id()


def _create_body(item: File, *, upload: Upload | None, exist: bool = False, rapid: bool = False) -> dict:
    return {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "file_name": item.name,
        "parent_file_id": item.parent_file_id,
        "type": item.type,
        "status": item.status,
        "upload_id": upload.upload_id if upload else "",
        "revision_id": upload.revision_id if upload else item.revision_id,
        "rapid_upload": rapid,
        "exist": exist,
        "location": "",
        "part_info_list": [],
    }


# --- Parts ------------------------------------------------------------------------------


def upload_for(*, drive: Drive, file_id: str, upload_id: str) -> Upload:
    upload = Upload.objects.select_related("file").filter(upload_id=upload_id or "", file__drive=drive, file__file_id=file_id or "").first()
    if upload is None:
        raise errors.NotFound("Upload", "The upload does not exist.")
    return upload


def upload_urls_reissue(request, *, upload: Upload, part_numbers: list[int]) -> list[dict]:
    if upload.completed_at is not None:
        raise errors.AlreadyExist("File", "The upload is already complete.")
    if upload.expires_at <= timezone.now():
        raise errors.NotFound("Upload", "The upload has expired.")
    if any(number < 1 or number > upload.part_count for number in part_numbers):
        raise errors.InvalidParameter("part_number out of range", code="InvalidParameter.PartNumber")
    return part_info(request, upload, part_numbers)


def uploaded_parts(*, upload: Upload, limit: int, part_number_marker: int) -> tuple[list[UploadPart], int]:
    parts = list(upload.parts.filter(part_number__gt=part_number_marker).order_by("part_number")[: limit + 1])
    next_marker = parts[limit - 1].part_number if len(parts) > limit else 0
    return parts[:limit], next_marker


def part_store(*, upload_id: str, part_number: int, body, content_length: int | None) -> str:
    """Stream one part's body to storage; returns its ETag. The last PUT of a part wins."""
    upload = Upload.objects.select_related("file__drive").filter(upload_id=upload_id).first()
    if upload is None or upload.completed_at is not None or upload.expires_at <= timezone.now():
        raise errors.NotFound("Upload", "The upload does not exist, has expired or is complete.")
    if not 1 <= part_number <= upload.part_count:
        raise errors.InvalidParameter("part_number out of range", code="InvalidParameter.PartNumber")
    others = upload.parts.exclude(part_number=part_number).aggregate(total=Sum("size"))["total"] or 0
    allowed = MAX_PART_SIZE
    if upload.declared_size is not None:
        allowed = min(allowed, upload.declared_size - others)
    drive = upload.file.drive
    if drive.total_size is not None:
        drive.refresh_from_db(fields=["used_size", "reserved_size", "total_size"])
        room = drive.total_size - drive.used_size - drive.reserved_size + upload.reserved_size - others
        allowed = min(allowed, room)
    # The part's ETag is its CRC-64/XZ (16 hex digits): clients treat it as opaque, and
    # MD5 would be the slowest step of the whole upload.
    reader = blobstore.StreamingReader([body], limit=max(allowed, 0), sha1=False)
    name = blobstore.save_stream(f"{_folder(upload)}/{part_number:05d}-", reader)
    if reader.exceeded:
        blobstore.delete(name)
        raise errors.PdsError("The parts are larger than the declared size or the drive's free space.", code="QuotaExhausted.Drive", status=403)
    if content_length is not None and reader.size != content_length:
        blobstore.delete(name)
        raise errors.InvalidParameter("The part body was cut short.", code="InvalidParameter.ContentLength")
    etag = f'"{reader.digest.crc64_hex}"'
    with transaction.atomic(using=PDS_DB):
        previous = UploadPart.objects.select_for_update().filter(upload=upload, part_number=part_number).first()
        if previous is None:
            try:
                with transaction.atomic(using=PDS_DB):
                    UploadPart.objects.create(upload=upload, part_number=part_number, size=reader.size, etag=etag, storage_name=name)
                return etag
            except IntegrityError:  # the same part arrived twice at once: fall through and replace
                previous = UploadPart.objects.select_for_update().get(upload=upload, part_number=part_number)
        old_name = previous.storage_name
        previous.size, previous.etag, previous.storage_name = reader.size, etag, name
        previous.save()
        transaction.on_commit(lambda: blobstore.delete(old_name), using=PDS_DB)
    return etag


# --- Complete -----------------------------------------------------------------------------


def blob_name(sha1: str) -> str:
    return f"blobs/{sha1[:2]}/{sha1[2:4]}/{sha1}"


def upload_complete(*, upload: Upload, crc64_hash: str | None = None) -> File:
    """Hash the parts in one pass, store the blob unless equal content has one, and make
    the file available. Calling it twice, even at once, is harmless."""
    if upload.completed_at is not None:
        return File.objects.get(pk=upload.file_id)
    if upload.expires_at <= timezone.now():
        raise errors.NotFound("Upload", "The upload has expired.")
    keep_always = False
    for _attempt in range(3):
        parts = list(upload.parts.order_by("part_number"))
        missing = sorted(set(range(1, upload.part_count + 1)) - {part.part_number for part in parts})
        if missing:
            if Upload.objects.filter(pk=upload.pk, completed_at__isnull=False).exists():
                return File.objects.get(pk=upload.file_id)  # a concurrent complete took the parts
            raise errors.InvalidParameter(f"Parts not uploaded yet: {missing[:10]}", code="InvalidParameter.PartNotUploaded")
        try:
            assembled, stored_name = _assemble(upload, parts, crc64_hash=crc64_hash, keep_always=keep_always)
        except blobstore.PartMissing:
            # A concurrent complete finished and removed the parts, or a part was sent
            # again while we read: look at the upload afresh.
            upload = Upload.objects.filter(pk=upload.pk).first()
            if upload is None:
                raise errors.NotFound("Upload", "The upload does not exist.")
            if upload.completed_at is not None:
                return File.objects.get(pk=upload.file_id)
            continue
        try:
            return _complete_commit(upload, parts, assembled, stored_name)
        except _BlobGone:  # the blob we meant to share was released meanwhile: store our own
            keep_always = True
        except Exception:
            _drop_unused(stored_name)
            raise
    raise errors.PdsError("The upload changed while it was completing; complete it again.", code="UploadChanged", status=409)


class _BlobGone(Exception):
    pass


def _assemble(upload: Upload, parts: list[UploadPart], *, crc64_hash: str | None, keep_always: bool) -> tuple[blobstore.Assembled, str | None]:
    """Digest and check the parts; store them as a blob unless one with that SHA-1 exists.
    Outside any transaction: hashing a large file must not hold database locks."""
    with blobstore.parts_assembled([part.storage_name for part in parts], scratch_folder=_folder(upload)) as assembled:
        if upload.declared_size is not None and assembled.size != upload.declared_size:
            raise errors.InvalidParameter(f"The parts hold {assembled.size} bytes, not the declared {upload.declared_size}.", code="InvalidParameter.Size")
        if crc64_hash and crc64_hash != assembled.crc64:
            raise errors.InvalidParameter("crc64_hash does not match the uploaded content.", code="InvalidParameter.Crc64Hash")
        stored_name = None
        if keep_always or not Blob.objects.filter(sha1=assembled.sha1).exists():
            stored_name = assembled.keep(blob_name(assembled.sha1))
    return assembled, stored_name


def _complete_commit(upload: Upload, parts: list[UploadPart], assembled: blobstore.Assembled, stored_name: str | None) -> File:
    size, sha1 = assembled.size, assembled.sha1
    with transaction.atomic(using=PDS_DB):
        upload = Upload.objects.select_for_update().select_related("file__drive").filter(pk=upload.pk).first()
        if upload is None:  # discarded meanwhile
            raise errors.NotFound("Upload", "The upload does not exist.")
        item = upload.file
        if upload.completed_at is not None:  # a concurrent complete won
            transaction.on_commit(lambda: _drop_unused(stored_name), using=PDS_DB)
            return File.objects.get(pk=item.pk)
        blob = Blob.objects.select_for_update().filter(sha1=sha1).first()
        if blob is None and stored_name is None:
            raise _BlobGone()
        if blob is None:
            try:
                with transaction.atomic(using=PDS_DB):  # equal content may complete at this very moment
                    blob = Blob.objects.create(sha1=sha1, size=size, pre_hash=assembled.pre_hash, crc64=assembled.crc64, storage_name=stored_name)
            except IntegrityError:
                blob = Blob.objects.select_for_update().get(sha1=sha1)
        if stored_name and stored_name != blob.storage_name:
            transaction.on_commit(lambda: _drop_unused(stored_name), using=PDS_DB)
        drive = Drive.objects.select_for_update().get(pk=item.drive_id)
        old_size = item.size if item.status == File.Status.AVAILABLE else 0
        growth = size - old_size
        Drive.objects.filter(pk=drive.pk).update(reserved_size=F("reserved_size") - upload.reserved_size)
        if drive.total_size is not None and drive.used_size + (drive.reserved_size - upload.reserved_size) + growth > drive.total_size:
            raise errors.Forbidden("The drive does not have enough space.", code="QuotaExhausted.Drive")
        old_blob_id = item.blob_id
        _set_content(item, blob)
        item.revision_id = upload.revision_id
        item.updated_at = timezone.now()
        item.save()
        _usage_change(drive, growth)
        upload.completed_at = timezone.now()
        upload.reserved_size = 0
        upload.save(update_fields=["completed_at", "reserved_size"])
        part_names = [part.storage_name for part in parts]
        upload.parts.all().delete()
        transaction.on_commit(lambda: _parts_delete(upload, part_names), using=PDS_DB)
        if old_blob_id and old_blob_id != blob.pk:
            blobs_release({old_blob_id})
    return item


def _folder(upload: Upload) -> str:
    return f"uploads/{upload.upload_id}"


def _parts_delete(upload: Upload, names: list[str]) -> None:
    for name in names:
        blobstore.delete(name)
    blobstore.scratch_clear(_folder(upload))


def _drop_unused(stored_name: str | None) -> None:
    """Delete a blob this complete stored but did not use. On local disk the name is ours
    alone; on S3 equal content may share it, so a name a blob row holds stays."""
    if stored_name and not Blob.objects.filter(storage_name=stored_name).exists():
        blobstore.delete(stored_name)


def upload_discard(*, upload: Upload) -> None:
    """Drop an unfinished upload: its parts, its quota hold and, for a new file, the file."""
    with transaction.atomic(using=PDS_DB):
        upload = Upload.objects.select_for_update().select_related("file").filter(pk=upload.pk).first()
        if upload is None or upload.completed_at is not None:
            return
        names = list(upload.parts.values_list("storage_name", flat=True))
        Drive.objects.filter(pk=upload.file.drive_id).update(reserved_size=F("reserved_size") - upload.reserved_size)
        if upload.file.status == File.Status.UPLOADING:
            upload.file.delete()  # cascades to the upload and its parts
        else:
            upload.delete()
        transaction.on_commit(lambda: _parts_delete(upload, names), using=PDS_DB)


def uploads_expire() -> int:
    """Periodic: remove uploads never completed in time, and their parts."""
    expired = list(Upload.objects.filter(completed_at__isnull=True, expires_at__lt=timezone.now()))
    for upload in expired:
        upload_discard(upload=upload)
    return len(expired)
