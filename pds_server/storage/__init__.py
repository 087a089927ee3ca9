"""Blob storage adapters (local disk, S3) over Django's storage API: the bytes of the
embedded PDS, streamed in fixed-size chunks."""

from __future__ import annotations

from django.core.files.storage import storages

from pds_server.storage.base import Assembled, BlobStore, PartMissing, StorageFull, StoredFile, is_temp_name

__all__ = ["Assembled", "BlobStore", "PartMissing", "StorageFull", "StoredFile", "blob_store", "is_temp_name"]


def blob_store() -> BlobStore:
    """The adapter for the configured `pds_blobs` storage (STORAGES in settings)."""
    from storages.backends.s3 import S3Storage

    from pds_server.storage.local import LocalBlobStore
    from pds_server.storage.s3 import S3BlobStore

    storage = storages["pds_blobs"]
    return S3BlobStore(storage) if isinstance(storage, S3Storage) else LocalBlobStore(storage)
