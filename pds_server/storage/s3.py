"""Blobs on S3-compatible storage (django-storages, SigV4)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any, BinaryIO

from pds_server.storage.base import Assembled, BlobStore, StoredFile

S3_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit for one object
# What S3-compatible servers answer when they have no room (MinIO, Ceph RGW, quotas).
FULL_CODES = ("XMinioStorageFull", "InsufficientStorage", "QuotaExceeded", "StorageFull")


class S3BlobStore(BlobStore):
    storage: Any  # storages.backends.s3.S3Storage

    def object_key(self, name: str) -> str:
        return self.storage._normalize_name(name)  # the key django-storages itself uses

    def open_stream(self, name: str, start: int = 0, length: int | None = None) -> BinaryIO:
        """A ranged GET read as it arrives: django-storages' S3File would first download the
        whole object into memory (its spooled file never rolls over by default)."""
        params = {}
        if start or length is not None:
            params["Range"] = f"bytes={start}-" + (str(start + length - 1) if length is not None else "")
        return self.storage.bucket.Object(self.object_key(name)).get(**params)["Body"]

    def is_missing(self, error: Exception) -> bool:
        response = getattr(error, "response", None)  # botocore's ClientError
        if super().is_missing(error):
            return True
        return isinstance(response, dict) and response.get("Error", {}).get("Code") in ("NoSuchKey", "404")

    def is_full(self, error: BaseException) -> bool:
        response = getattr(error, "response", None)
        if super().is_full(error):
            return True
        return isinstance(response, dict) and response.get("Error", {}).get("Code") in FULL_CODES

    def list_files(self, prefix: str) -> Iterator[StoredFile]:
        root = self.object_key("x")[:-1]  # the storage's location, as a key prefix
        for summary in self.storage.bucket.objects.filter(Prefix=self.object_key(prefix.rstrip("/") + "/")):
            yield StoredFile(summary.key[len(root) :], summary.size, summary.last_modified.timestamp())

    def keep(self, assembled: Assembled, name: str) -> str:
        if len(assembled.names) != 1 or assembled.size > S3_COPY_LIMIT:
            return super().keep(assembled, name)
        # A single part is copied on the server, with what the storage's own save would set.
        if self.storage.exists(name):
            name = f"{name}_{secrets.token_hex(4)}"
        bucket = self.storage.bucket
        source = {"Bucket": bucket.name, "Key": self.object_key(assembled.names[0])}
        parameters = self.storage._get_write_parameters(name)
        bucket.Object(self.object_key(name)).copy_from(CopySource=source, MetadataDirective="REPLACE", **parameters)
        return name
