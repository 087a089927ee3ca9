"""What the PDS records of content as it streams past: size, SHA-1, CRC-64/XZ and the
first KiB (for `pre_hash`), computed in fixed-size chunks so that nothing ever holds a
whole part or file in memory."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterable, Iterator
from typing import BinaryIO

import fastcrc
from django.core.files import File as DjangoFile

CHUNK = 1024 * 1024


class ContentDigest:
    """Digests of content fed to it in order."""

    def __init__(self, *, sha1: bool = True, crc64: bool = True):
        self.size = 0
        self.sha1 = hashlib.sha1() if sha1 else None
        self.crc: int | None = 0 if crc64 else None
        self.first_kib = bytearray()

    def update(self, data: bytes | memoryview) -> None:
        if self.sha1 is not None:
            self.sha1.update(data)
        if self.crc is not None:
            self.crc = fastcrc.crc64.xz(data, self.crc) if self.size else fastcrc.crc64.xz(data)
        if len(self.first_kib) < 1024:
            self.first_kib += data[: 1024 - len(self.first_kib)]
        self.size += len(data)

    @property
    def sha1_hex(self) -> str:
        assert self.sha1 is not None, "SHA-1 was not asked for"
        return self.sha1.hexdigest().upper()

    @property
    def crc64_decimal(self) -> str:
        return str(self.crc if self.size else 0)

    @property
    def crc64_hex(self) -> str:
        return f"{self.crc if self.size else 0:016X}"

    @property
    def pre_hash(self) -> str:
        return hashlib.sha1(bytes(self.first_kib)).hexdigest().upper()


class StreamingReader(io.RawIOBase):
    """A non-seekable reader over a stream or a sequence of streams that digests what it
    reads (`self.digest`), counts it, and stops at `limit` bytes."""

    def __init__(self, sources: Iterable[BinaryIO], *, limit: int | None = None, sha1: bool = True, crc64: bool = True):
        self.sources: Iterator[BinaryIO] = iter(sources)
        self.current: BinaryIO | None = next(self.sources, None)
        self.limit = limit
        self.digest = ContentDigest(sha1=sha1, crc64=crc64)
        self.exceeded = False

    @property
    def size(self) -> int:
        return self.digest.size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int | None = -1) -> bytes:
        """Up to `size` bytes, fewer only at the end: some consumers (boto3's upload of a
        non-seekable stream) take a short read for the end of the stream."""
        size = CHUNK if size is None or size < 0 else size
        pieces, wanted = [], size
        while wanted > 0 and self.current is not None:
            if self.limit is not None:
                if self.size >= self.limit:
                    # One byte more than allowed tells us the body is too large.
                    if self.current.read(1):
                        self.exceeded = True
                    break
                wanted = min(wanted, self.limit - self.size)
            data = self.current.read(wanted)
            if not data:
                self.current = next(self.sources, None)
                continue
            self.digest.update(data)
            pieces.append(data)
            wanted -= len(data)
        return b"".join(pieces) if len(pieces) != 1 else pieces[0]


class StreamFile(DjangoFile):
    """Storage backends copy in chunks of this size: 1 MiB instead of Django's 64 KiB
    means far fewer Python-level reads and writes per gigabyte."""

    DEFAULT_CHUNK_SIZE = CHUNK
