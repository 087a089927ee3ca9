"""Bytes of the embedded PDS, through Django's storage API (local disk or S3), streamed in
fixed-size chunks: nothing ever holds a whole part or file in memory."""

from __future__ import annotations

import hashlib
import io
import secrets
from typing import BinaryIO, Iterable, Iterator

import fastcrc
from django.core.files import File as DjangoFile
from django.core.files.storage import storages

CHUNK = 1024 * 1024


def blob_storage():
    return storages["pds_blobs"]


class StreamingReader(io.RawIOBase):
    """A non-seekable reader over a stream or a sequence of streams that hashes what it
    reads (SHA-1, MD5, CRC-64/XZ), counts it, and stops at `limit` bytes."""

    def __init__(self, sources: Iterable[BinaryIO], *, limit: int | None = None, sha1: bool = True, md5: bool = False, crc64: bool = True):
        self._sources: Iterator[BinaryIO] = iter(sources)
        self._current: BinaryIO | None = next(self._sources, None)
        self.limit = limit
        self.size = 0
        self.sha1 = hashlib.sha1() if sha1 else None
        self.md5 = hashlib.md5() if md5 else None
        self.crc = 0 if crc64 else None
        self.first_kib = bytearray()
        self.exceeded = False

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes, fewer only at the end: some consumers (boto3's upload of a
        non-seekable stream) take a short read for the end of the stream."""
        size = CHUNK if size is None or size < 0 else size
        pieces, wanted = [], size
        while wanted > 0 and self._current is not None:
            if self.limit is not None:
                if self.size >= self.limit:
                    # One byte more than allowed tells us the body is too large.
                    if self._current.read(1):
                        self.exceeded = True
                    break
                wanted = min(wanted, self.limit - self.size)
            data = self._current.read(wanted)
            if not data:
                self._current = next(self._sources, None)
                continue
            self._account(data)
            pieces.append(data)
            wanted -= len(data)
        return b"".join(pieces) if len(pieces) != 1 else pieces[0]

    def _account(self, data: bytes) -> None:
        self.size += len(data)
        if self.sha1 is not None:
            self.sha1.update(data)
        if self.md5 is not None:
            self.md5.update(data)
        if self.crc is not None:
            self.crc = fastcrc.crc64.xz(data, self.crc) if self.size > len(data) else fastcrc.crc64.xz(data)
        if len(self.first_kib) < 1024:
            self.first_kib += data[: 1024 - len(self.first_kib)]

    @property
    def sha1_hex(self) -> str:
        return self.sha1.hexdigest().upper()

    @property
    def crc64_decimal(self) -> str:
        return str(self.crc if self.size else 0)

    @property
    def pre_hash(self) -> str:
        return hashlib.sha1(bytes(self.first_kib)).hexdigest().upper()


class StreamFile(DjangoFile):
    """Storage backends copy in chunks of this size: 1 MiB instead of Django's 64 KiB
    means far fewer Python-level reads and writes per gigabyte."""

    DEFAULT_CHUNK_SIZE = CHUNK


def save_stream(prefix: str, reader: io.RawIOBase) -> str:
    """Store a stream under a fresh name beginning with `prefix`; returns the name."""
    name = f"{prefix}{secrets.token_hex(8)}"
    return blob_storage().save(name, StreamFile(reader, name=name))


def open_stream(name: str, start: int = 0, length: int | None = None) -> BinaryIO:
    """A stream of the stored bytes from `start` (for `length` bytes, or to the end).

    On S3 this is a ranged GET read as it arrives: django-storages' S3File would first
    download the whole object into memory (its spooled file never rolls over by default).
    """
    storage = blob_storage()
    bucket = getattr(storage, "bucket", None)
    if bucket is not None:
        params = {}
        if start or length is not None:
            params["Range"] = f"bytes={start}-" + (str(start + length - 1) if length is not None else "")
        return bucket.Object(storage._normalize_name(name)).get(**params)["Body"]
    handle = storage.open(name, "rb")
    if start:
        handle.seek(start)
    return handle


def delete(name: str) -> None:
    if name:
        blob_storage().delete(name)


def local_path(name: str) -> str | None:
    try:
        return blob_storage().path(name)
    except NotImplementedError:
        return None


def read_range(name: str, offset: int, length: int) -> bytes:
    handle = open_stream(name, offset, length)
    try:
        return handle.read(length)
    finally:
        handle.close()


def iter_range(name: str, start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes from `start`, a chunk at a time, closing the file at the end."""
    handle = open_stream(name, start, length)
    try:
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()
