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
        size = CHUNK if size is None or size < 0 else size
        while self._current is not None:
            if self.limit is not None:
                if self.size >= self.limit:
                    # One byte more than allowed tells us the body is too large.
                    if self._current.read(1):
                        self.exceeded = True
                    return b""
                size = min(size, self.limit - self.size)
            data = self._current.read(size)
            if data:
                self._account(data)
                return data
            self._current = next(self._sources, None)
        return b""

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


def open_stream(name: str) -> BinaryIO:
    return blob_storage().open(name, "rb")


def delete(name: str) -> None:
    if name:
        blob_storage().delete(name)


def local_path(name: str) -> str | None:
    try:
        return blob_storage().path(name)
    except NotImplementedError:
        return None


def read_range(name: str, offset: int, length: int) -> bytes:
    with open_stream(name) as handle:
        handle.seek(offset)
        return handle.read(length)


def iter_range(name: str, start: int, length: int) -> Iterator[bytes]:
    """Yield `length` bytes from `start`, a chunk at a time, closing the file at the end."""
    handle = open_stream(name)
    try:
        handle.seek(start)
        remaining = length
        while remaining > 0:
            data = handle.read(min(CHUNK, remaining))
            if not data:
                break
            remaining -= len(data)
            yield data
    finally:
        handle.close()
