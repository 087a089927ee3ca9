"""Uploads: `file/create` for files (normal, instant, overwrite), signed part PUTs, and the
removal of uploads never completed. `upload_complete` assembles the parts. An overwrite
(`check_name_mode: overwrite`, or `file/create` naming the file) adds a revision and
keeps the previous ones (services/revisions.py).

Quota is reserved when an upload is created and settled at `complete`, under a lock on
the drive row, so parallel uploads can never push a drive past its total size. Until
`complete` a new file is `uploading` and invisible to list and get.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from pds_server import errors, signing
from pds_server.models import Blob, Drive, File, PdsUser, Upload, UploadPart
from pds_server.routers import PDS_DB
from pds_server.selectors.blobs import blob_held_in_domain, held_in_domain
from pds_server.selectors.files import folder_check
from pds_server.services.blobs import storage_full
from pds_server.services.names import (
    category_of,
    content_type_of,
    extension_of,
    name_resolve,
    new_file_id,
    validate_name,
)
from pds_server.services.quota import quota_reserve, quota_settle
from pds_server.services.revisions import content_commit
from pds_server.services.upload_digest import (
    Chain,
    chain_advance_later,
    chain_for_part,
    chain_record,
    scratch_name,
    upload_folder_named,
)
from pds_server.services.upload_limits import open_uploads_check, part_urls_allow, uploader_key
from pds_server.services.upload_targets import part_target, part_too_large
from pds_server.storage import StorageFull, blob_store
from pds_server.storage.digest import StreamingReader

MAX_PARTS = 10_000
UPLOAD_PART_PATH = "/v2/file/upload_part"


@dataclass
class FileCreateRequest:
    drive: Drive
    user: PdsUser | None
    parent_file_id: str
    name: object
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
    # `file/create` naming an existing file (`file_id`), which the caller may edit: the
    # upload becomes its new revision, whatever the name and folder say.
    target: File | None = None
    # Called with the file an overwrite would replace (check_name_mode "overwrite"): the
    # caller's right to change it, which their right to add files beside it does not give.
    may_overwrite: Callable[[File], object] | None = None


@dataclass
class FileCreated:
    """What `file/create` made: the file, and its upload unless it exists (`refuse`) or
    was uploaded instantly."""

    item: File
    upload: Upload | None = None
    exist: bool = False
    rapid: bool = False


@dataclass
class PartUrl:
    part_number: int
    url: str


def upload_folder(upload: Upload) -> str:
    return upload_folder_named(upload.upload_id)


def part_urls(*, base_url: str, upload: Upload, part_numbers: list[int]) -> list[PartUrl]:
    return [
        PartUrl(
            number,
            signing.signed_url(
                base_url,
                "PUT",
                UPLOAD_PART_PATH,
                {"upload_id": upload.upload_id, "part_number": number},
                settings.PDS_UPLOAD_URL_LIFETIME,
            )[0],
        )
        for number in part_numbers
    ]


def proof_matches(*, blob: Blob, proof_code: str, raw_access_token: str) -> bool:
    """Legacy proof v1: base64 of the 8 bytes at int(md5(access_token)[:16], 16) % size."""
    if blob.size == 0:
        return proof_code == ""
    offset = int(hashlib.md5(raw_access_token.encode()).hexdigest()[:16], 16) % blob.size
    expected = base64.b64encode(blob_store().read_range(blob.storage_name, offset, 8)).decode()
    return hmac.compare_digest(expected, proof_code or "")


def file_create(req: FileCreateRequest) -> FileCreated:
    """`file/create` of a file."""
    name = validate_name(req.name)
    if req.size is not None and req.size < 0:
        raise errors.InvalidParameter("size must not be negative", code="InvalidParameter.Size")
    if len(req.part_numbers) > MAX_PARTS or sorted(req.part_numbers) != list(range(1, len(req.part_numbers) + 1)):
        raise errors.InvalidParameter(
            "part_info_list must number parts 1..N, at most 10000.", code="InvalidParameter.PartInfoList"
        )
    drive = req.drive
    owner = req.user.user_id if req.user else ""
    with transaction.atomic(using=PDS_DB):
        existing: File | None
        if req.target is not None:
            existing = revision_target(req.target)
            name = existing.name
        else:
            folder_check(drive=drive, parent_file_id=req.parent_file_id)
            name, existing = name_resolve(
                drive=drive, parent_file_id=req.parent_file_id, name=name, check_name_mode=req.check_name_mode
            )
        target = None
        if existing is not None:
            if req.check_name_mode == "refuse" and req.target is None:
                return FileCreated(existing, exist=True)
            if existing.is_folder:
                raise errors.AlreadyExist("File", "A folder with that name exists; it cannot be overwritten by a file.")
            if req.may_overwrite is not None and req.target is None:
                req.may_overwrite(existing)
            target = existing  # overwrite: the upload becomes the file's new content

        if req.pre_hash and not req.content_hash:
            # Step 1 of instant upload: does the domain hold content with this start and size?
            candidates = Blob.objects.filter(pre_hash=req.pre_hash.upper())
            if req.size is not None:
                candidates = candidates.filter(size=req.size)
            if candidates.filter(held_in_domain(drive)).exists():
                raise errors.PdsError(
                    "The pre_hash matched: send the content hash.",
                    code="PreHashMatched",
                    status=409,
                    extra={"pre_hash": req.pre_hash, "file_name": name, "parent_file_id": req.parent_file_id},
                )

        if req.content_hash and req.content_hash_name.lower() == "sha1":
            blob = Blob.objects.select_for_update().filter(sha1=req.content_hash.upper()).first()
            if blob is not None and (req.size is None or blob.size == req.size) and may_reuse(blob, drive, owner, req):
                return FileCreated(rapid_upload(drive=drive, req=req, name=name, blob=blob, target=target), rapid=True)

        open_uploads_check(drive=drive, user_id=owner)
        part_urls_allow(key=uploader_key(drive=drive, user_id=owner), count=len(req.part_numbers) or 1)
        quota_reserve(drive=drive, amount=req.size or 0)
        now = timezone.now()
        if target is None:
            target = File.objects.create(
                file_id=new_file_id(),
                drive=drive,
                parent_file_id=req.parent_file_id,
                name=name,
                type=File.Type.FILE,
                status=File.Status.UPLOADING,
                size=req.size or 0,
                content_type=content_type_of(name),
                category=category_of(name),
                file_extension=extension_of(name),
                creator=owner,
                description=req.description,
                hidden=req.hidden,
                local_created_at=req.local_created_at,
                local_modified_at=req.local_modified_at,
                created_at=now,
                updated_at=now,
            )
        upload = Upload.objects.create(
            upload_id=secrets.token_hex(16).upper(),
            file=target,
            part_count=len(req.part_numbers) or 1,
            declared_size=req.size,
            reserved_size=req.size or 0,
            revision_id=new_file_id(),
            expires_at=now + timedelta(seconds=settings.PDS_UPLOAD_LIFETIME),
        )
    return FileCreated(target, upload=upload)


def revision_target(item: File) -> File:
    """The file `file/create` names by `file_id`: an available file, not a folder, not in
    the recycle bin."""
    locked = File.objects.select_for_update().filter(pk=item.pk, status=File.Status.AVAILABLE).first()
    if locked is None or locked.is_folder:
        raise errors.NotFound("File")
    if locked.trashed:
        raise errors.Forbidden("The file is in the recycle bin.", code="ForbiddenFileInTheRecycleBin")
    return locked


def may_reuse(blob: Blob, drive: Drive, owner: str, req: FileCreateRequest) -> bool:
    """A hash alone never reads someone else's bytes: without a valid proof only blobs the
    same user already holds (in a file or a revision) match; with one, any blob of the domain."""
    if blob_held_in_domain(blob, drive, owner=owner):
        return True
    if req.proof_code is not None and req.proof_version == "v1" and req.raw_access_token:
        return blob_held_in_domain(blob, drive) and proof_matches(
            blob=blob, proof_code=req.proof_code, raw_access_token=req.raw_access_token
        )
    return False


def rapid_upload(*, drive: Drive, req: FileCreateRequest, name: str, blob: Blob, target: File | None) -> File:
    """Known content: the file (or, overwriting, its new revision) refers to the blob at
    once. Every revision counts its size: the overwritten content stays counted."""
    quota_settle(drive=drive, growth=blob.size)
    now = timezone.now()
    if target is not None:  # the row lock orders concurrent revisions of the file
        target = File.objects.select_for_update().get(pk=target.pk)
    item = target or File(
        file_id=new_file_id(),
        drive=drive,
        parent_file_id=req.parent_file_id,
        name=name,
        type=File.Type.FILE,
        content_type=content_type_of(name),
        category=category_of(name),
        file_extension=extension_of(name),
        creator=req.user.user_id if req.user else "",
        description=req.description,
        hidden=req.hidden,
        local_created_at=req.local_created_at,
        local_modified_at=req.local_modified_at,
        created_at=now,
    )
    content_commit(
        item=item, blob=blob, revision_id=new_file_id(), creator=req.user.user_id if req.user else "", now=now
    )
    return item


# --- Parts ------------------------------------------------------------------------------


def upload_check_open(upload: Upload, part_numbers: list[int], *, user_id: str) -> None:
    """Before new part URLs are signed for `user_id`: the upload is open, the parts exist,
    and the user's budget of live part URLs has room."""
    if upload.completed_at is not None:
        raise errors.AlreadyExist("File", "The upload is already complete.")
    if upload.expires_at <= timezone.now():
        raise errors.NotFound("Upload", "The upload has expired.")
    if any(number < 1 or number > upload.part_count for number in part_numbers):
        raise errors.InvalidParameter("part_number out of range", code="InvalidParameter.PartNumber")
    part_urls_allow(key=uploader_key(drive=upload.file.drive, user_id=user_id), count=len(part_numbers))


def part_store(*, upload_id: str, part_number: int, body: BinaryIO, content_length: int | None) -> str:
    """Stream one part's body to storage; returns its ETag. The last PUT of a part wins."""
    upload, allowed = part_target(upload_id, part_number)
    # The part's ETag is its CRC-64/XZ (16 hex digits): clients treat it as opaque, and
    # MD5 would be the slowest step of the whole upload. The upload's digest chain, when it
    # covers the parts before this one, takes the same bytes.
    chain = chain_for_part(upload, part_number)
    store = blob_store()
    reader = StreamingReader([body], limit=allowed, sha1=False, also=chain.digest if chain else None)
    try:
        name = store.save_stream(f"{upload_folder(upload)}/{part_number:05d}-", reader)
    except StorageFull:
        raise storage_full() from None
    if reader.exceeded:
        store.delete(name)
        raise part_too_large()
    if content_length is not None and reader.size != content_length:
        store.delete(name)
        raise errors.InvalidParameter("The part body was cut short.", code="InvalidParameter.ContentLength")
    etag = f'"{reader.digest.crc64_hex}"'
    part_record(upload, part_number, name=name, size=reader.size, etag=etag, chain=chain)
    return etag


def part_record(upload: Upload, part_number: int, *, name: str, size: int, etag: str, chain: Chain | None) -> None:
    """Record a stored part (replacing an earlier PUT of it), move the digest chain, and
    carry the chain over the parts stored after it in the background."""
    store = blob_store()
    with transaction.atomic(using=PDS_DB):
        locked = (
            Upload.objects.select_for_update()
            .filter(pk=upload.pk, completed_at__isnull=True)
            .values_list("digest_through", "digest_epoch")
            .first()
        )
        if locked is None:  # completed or discarded while the body arrived
            store.delete(name)
            raise errors.NotFound("Upload", "The upload does not exist, has expired or is complete.")
        previous = UploadPart.objects.select_for_update().filter(upload=upload, part_number=part_number).first()
        if previous is None:
            try:
                with transaction.atomic(using=PDS_DB):
                    UploadPart.objects.create(
                        upload=upload, part_number=part_number, size=size, etag=etag, storage_name=name
                    )
            except IntegrityError:  # the same part arrived twice at once: fall through and replace
                previous = UploadPart.objects.select_for_update().get(upload=upload, part_number=part_number)
        if previous is not None:
            old_name = previous.storage_name
            previous.size, previous.etag, previous.storage_name = size, etag, name
            previous.save()
            transaction.on_commit(lambda: store.delete(old_name), using=PDS_DB)
        chain_record(
            upload, locked, part_number=part_number, name=name, size=size, chain=chain, replaced=previous is not None
        )
    chain_advance_later(upload.pk, upload.upload_id)


def upload_parts_delete(upload: Upload, names: list[str]) -> None:
    store = blob_store()
    store.delete_many(names)
    store.folder_clear(upload_folder(upload))
    if store.assembles:
        store.delete(scratch_name(upload.upload_id, upload.digest_epoch))


def upload_discard(*, upload: Upload) -> None:
    """Drop an unfinished upload: its parts, its quota hold and, for a new file, the file."""
    with transaction.atomic(using=PDS_DB):
        locked = Upload.objects.select_for_update().select_related("file").filter(pk=upload.pk).first()
        if locked is None or locked.completed_at is not None:
            return
        names = list(locked.parts.values_list("storage_name", flat=True))
        quota_settle(drive=locked.file.drive, growth=0, reserved=locked.reserved_size)
        if locked.file.status == File.Status.UPLOADING:
            locked.file.delete()  # cascades to the upload and its parts
        else:
            locked.delete()
        transaction.on_commit(functools.partial(upload_parts_delete, locked, names), using=PDS_DB)


def uploads_expire() -> int:
    """Periodic: remove uploads never completed in time, and their parts."""
    expired = list(Upload.objects.filter(completed_at__isnull=True, expires_at__lt=timezone.now()))
    for upload in expired:
        upload_discard(upload=upload)
    return len(expired)
