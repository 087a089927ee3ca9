"""Blob storage adapters (local disk, S3) over Django's storage API: the bytes of the
embedded PDS, streamed in fixed-size chunks."""

from __future__ import annotations

from django.core.files.storage import FileSystemStorage, storages

from pds_server.storage.base import Assembled, BlobStore, PartMissing, StorageFull, StoredFile, is_temp_name

__all__ = ["Assembled", "BlobStore", "PartMissing", "StorageFull", "StoredFile", "blob_store", "is_temp_name"]


def blob_store() -> BlobStore:
    """The adapter for the configured `pds_blobs` storage (STORAGES in settings): local disk,
    or else S3 (whose modules a worker on local disk then never imports)."""
    from pds_server.storage.local import LocalBlobStore
    from pds_server.storage.s3 import S3BlobStore

    storage = storages["pds_blobs"]
    return LocalBlobStore(storage) if isinstance(storage, FileSystemStorage) else S3BlobStore(storage)
