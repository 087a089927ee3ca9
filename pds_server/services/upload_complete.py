"""`file/complete`: hash an upload's parts in one pass (unless their digest chain covers
them all), store them as a content-addressed blob unless equal content has one, and make
the file available with the content as its newest revision (an overwrite keeps the
previous ones). Crash-safe and safe to call twice, even at once."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path

from django.db import IntegrityError, transaction
from django.utils import timezone

from pds_server import errors
from pds_server.models import Blob, File, Upload, UploadPart
from pds_server.routers import PDS_DB
from pds_server.services.blobs import blob_name, storage_full
from pds_server.services.quota import quota_settle
from pds_server.services.revisions import content_commit
from pds_server.services.upload_digest import chain_digest
from pds_server.services.uploads import upload_folder, upload_parts_delete
from pds_server.storage import Assembled, PartMissing, blob_store

log = logging.getLogger(__name__)


class BlobGone(Exception):
    """The blob this complete meant to share was released meanwhile."""


def upload_complete(*, upload: Upload, crc64_hash: str | None = None, creator: str | None = None) -> File:
    """Calling it twice, even at once, is harmless: the second returns the first's file.
    `creator` (the caller's user_id) writes the revision; by default the file's creator."""
    if upload.completed_at is not None:
        return File.objects.get(pk=upload.file_id)
    if upload.expires_at <= timezone.now():
        raise errors.NotFound("Upload", "The upload has expired.")
    for _attempt in range(3):
        parts = list(upload.parts.order_by("part_number"))
        missing = sorted(set(range(1, upload.part_count + 1)) - {part.part_number for part in parts})
        if missing:
            if Upload.objects.filter(pk=upload.pk, completed_at__isnull=False).exists():
                return File.objects.get(pk=upload.file_id)  # a concurrent complete took the parts
            raise errors.InvalidParameter(
                f"Parts not uploaded yet: {missing[:10]}", code="InvalidParameter.PartNotUploaded"
            )
        size_check(upload, sum(part.size for part in parts))  # before any part is touched
        try:
            return parts_complete(upload, parts, crc64_hash=crc64_hash, creator=creator)
        except PartMissing:
            # A concurrent complete finished (or is joining the parts in place) and took
            # them, or a part was sent again while we read: look at the upload afresh.
            fresh = Upload.objects.filter(pk=upload.pk).first()
            if fresh is None:
                raise errors.NotFound("Upload", "The upload does not exist.") from None
            if fresh.completed_at is not None:
                return File.objects.get(pk=fresh.file_id)
            upload = fresh
            continue
    raise errors.PdsError(
        "The upload changed while it was completing; complete it again.", code="UploadChanged", status=409
    )


def size_check(upload: Upload, size: int) -> None:
    if upload.declared_size is not None and size != upload.declared_size:
        raise errors.InvalidParameter(
            f"The parts hold {size} bytes, not the declared {upload.declared_size}.", code="InvalidParameter.Size"
        )


def parts_complete(upload: Upload, parts: list[UploadPart], *, crc64_hash: str | None, creator: str | None) -> File:
    """Digest and check the parts, store them as a blob unless one with that SHA-1 exists,
    and commit, all while the storage holds the assembled parts (joined in place, they are
    put back if anything fails). Hashing runs outside any transaction: hashing a large file
    must not hold database locks."""
    store = blob_store()
    names = [part.storage_name for part in parts]
    # Parts hashed as they arrived (services.upload_digest) are not read again.
    try:
        chained = chain_digest(upload, [(part.storage_name, part.size) for part in parts])
    except Exception:  # a full disk, an I/O error, a busy database: the parts are read instead
        log.exception("The digest chain of upload %s was not carried on; its parts are read", upload.upload_id)
        chained = None
    known, ready = (chained.digest, chained.scratch) if chained else (None, None)
    try:
        with store.parts_assembled(
            names,
            scratch_folder=upload_folder(upload),
            known=known,
            preassembled=ready,
            preassembled_current=chained.scratch_current if chained else None,
        ) as assembled:
            size_check(upload, assembled.size)
            if crc64_hash and crc64_hash != assembled.crc64:
                raise errors.InvalidParameter(
                    "crc64_hash does not match the uploaded content.", code="InvalidParameter.Crc64Hash"
                )
            keep_always = False
            while True:
                stored_name = None
                if keep_always or not Blob.objects.filter(sha1=assembled.sha1).exists():
                    stored_name = assembled.keep(blob_name(assembled.sha1))
                hold_for_tests("before-commit")
                try:
                    return complete_commit(upload, parts, assembled, stored_name, creator=creator)
                except BlobGone:  # the blob we meant to share was released meanwhile: store our own
                    keep_always = True
                except Exception:
                    unused_blob_drop(stored_name)
                    raise
    except Exception as error:
        if store.is_full(error):
            raise storage_full() from error
        raise


def hold_for_tests(point: str) -> None:
    """Crash tests stop a real PDS process at a point of its work: with PDS_TEST_HOLD set to
    `<point>:<path>`, reaching the point creates <path> and waits for the kill."""
    name, _, path = os.environ.get("PDS_TEST_HOLD", "").partition(":")
    if name == point and path:
        Path(path).touch()
        threading.Event().wait()


def complete_commit(
    upload: Upload, parts: list[UploadPart], assembled: Assembled, stored_name: str | None, *, creator: str | None
) -> File:
    size, sha1 = assembled.size, assembled.sha1
    with transaction.atomic(using=PDS_DB):
        locked = Upload.objects.select_for_update().select_related("file__drive").filter(pk=upload.pk).first()
        if locked is None:  # discarded meanwhile
            raise errors.NotFound("Upload", "The upload does not exist.")
        item = locked.file
        if locked.completed_at is not None:  # a concurrent complete won
            transaction.on_commit(lambda: unused_blob_drop(stored_name), using=PDS_DB)
            return File.objects.get(pk=item.pk)
        blob = Blob.objects.select_for_update().filter(sha1=sha1).first()
        if blob is None and stored_name is None:
            raise BlobGone()
        if blob is None:
            assert stored_name is not None
            try:
                with transaction.atomic(using=PDS_DB):  # equal content may complete at this very moment
                    blob = Blob.objects.create(
                        sha1=sha1,
                        size=size,
                        pre_hash=assembled.pre_hash,
                        crc64=assembled.crc64,
                        storage_name=stored_name,
                    )
            except IntegrityError:
                blob = Blob.objects.select_for_update().get(sha1=sha1)
        if stored_name and stored_name != blob.storage_name:
            transaction.on_commit(lambda: unused_blob_drop(stored_name), using=PDS_DB)
        # Every revision counts its size: an overwritten file's earlier content stays counted.
        quota_settle(drive=item.drive, growth=size, reserved=locked.reserved_size)
        item = File.objects.select_for_update().get(pk=item.pk)
        content_commit(
            item=item,
            blob=blob,
            revision_id=locked.revision_id,
            creator=item.creator if creator is None else creator,
            now=timezone.now(),
        )
        locked.completed_at = timezone.now()
        locked.reserved_size = 0
        locked.save(update_fields=["completed_at", "reserved_size"])
        part_names = [part.storage_name for part in parts]
        locked.parts.all().delete()
        transaction.on_commit(lambda: upload_parts_delete(locked, part_names), using=PDS_DB)
    return item


def unused_blob_drop(stored_name: str | None) -> None:
    """Delete a blob this complete stored but did not use. On local disk the name is ours
    alone; on S3 equal content may share it, so a name a blob row holds stays."""
    if stored_name and not Blob.objects.filter(storage_name=stored_name).exists():
        blob_store().delete(stored_name)
