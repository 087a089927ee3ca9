"""Content-addressed blobs: named by SHA-1, shared by every file and revision with equal
content, and removed with the last file or revision that refers to them."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import transaction

from pds_server import errors
from pds_server.models import Blob, File, MediaInfo, Revision
from pds_server.routers import PDS_DB
from pds_server.storage import BlobStore, blob_store


def storage_full() -> errors.PdsError:
    """The disk (or bucket) holding the blobs is full: 507 Insufficient Storage (RFC 4918
    section 11.5), final for the client until an administrator makes room."""
    return errors.PdsError(
        "The server's storage is full: nothing was stored. Try again once space has been freed.",
        code="StorageFull",
        status=507,
    )


def blob_name(sha1: str) -> str:
    return f"blobs/{sha1[:2]}/{sha1[2:4]}/{sha1}"


def blobs_release(blob_ids: Iterable[int]) -> None:
    """Remove blobs that no file and no revision refers to any more (the row lock
    serializes with uploads completing onto the same blob, which take it before they refer
    to it). Call inside a transaction: the bytes go at commit."""
    store = blob_store()
    for blob in Blob.objects.select_for_update().filter(pk__in=list(blob_ids)):
        if not blob_referenced(blob):
            names = [thumbnail.storage_name for thumbnail in blob.thumbnails.all()] + [blob.storage_name]
            media = MediaInfo.objects.filter(blob=blob).values_list("poster_name", "rendition_name").first()
            names += [name for name in media or () if name]  # a video's poster and rendition
            blob.delete()
            transaction.on_commit(functools.partial(storage_delete, store, names), using=PDS_DB)


def blob_referenced(blob: Blob) -> bool:
    return File.objects.filter(blob=blob).exists() or Revision.objects.filter(blob=blob).exists()


def storage_delete(store: BlobStore, names: list[str]) -> None:
    for name in names:
        store.delete(name)
