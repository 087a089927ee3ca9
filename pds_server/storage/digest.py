"""What the PDS records of content as it streams past: size, SHA-1, CRC-64/XZ and the
first KiB (for `pre_hash`), computed in fixed-size chunks so that nothing ever holds a
whole part or file in memory.

A digest can be resumable (`resumable=True`): its whole state is then a small dict that can
be saved between requests and resumed (`state`, `resumed`), so that an upload's parts are
hashed as they arrive (services.upload_digest). hashlib's SHA-1 cannot be saved and `rehash`
does not work on OpenSSL 3. The state is OpenSSL's own SHA_CTX, through ctypes
(`OpenSslSha1`); `rehashes` (RustCrypto's sha1) where that library lacks the SHA1_ calls.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from typing import BinaryIO, Protocol

import fastcrc
import rehashes
from django.core.files import File as DjangoFile

from pds_server.storage.openssl_sha1 import OPENSSL_SHA1_TAG, OpenSslSha1

CHUNK = 1024 * 1024


class Sha1(Protocol):
    def update(self, data: bytes | memoryview, /) -> None: ...

    def hexdigest(self) -> str: ...


class RehashesSha1:
    """SHA-1 whose state can be saved and resumed (92 bytes), where OpenSSL's cannot. It
    holds the GIL while it hashes."""

    tag = f"rehashes-{version('rehashes')}"

    def __init__(self, state: bytes | None = None):
        self.hasher = rehashes.PySha1.deserialize(state) if state is not None else rehashes.PySha1()

    def update(self, data: bytes | memoryview, /) -> None:
        self.hasher.update(data if type(data) is bytes else bytes(data))  # it takes bytes only

    def hexdigest(self) -> str:
        return self.hasher.finalize()  # leaves the state as it was

    def state(self) -> bytes:
        return self.hasher.serialize()


# The resumable SHA-1 of this process, and the tag of its saved states: a state is the
# library's own format, so one saved by another library or version is not resumed (the
# digest is then taken again in one pass).
ResumableSha1: type[OpenSslSha1] | type[RehashesSha1] = OpenSslSha1 if OPENSSL_SHA1_TAG else RehashesSha1
SHA1_STATE_TAG = OPENSSL_SHA1_TAG or RehashesSha1.tag


class ContentDigest:
    """Digests of content fed to it in order."""

    def __init__(self, *, sha1: bool = True, crc64: bool = True, resumable: bool = False):
        self.size = 0
        self.sha1: Sha1 | None = (ResumableSha1() if resumable else hashlib.sha1()) if sha1 else None
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

    def state(self) -> dict:
        """The state of a resumable digest, as JSON-ready values."""
        assert isinstance(self.sha1, (OpenSslSha1, RehashesSha1)) and self.crc is not None, "not a resumable digest"
        return {
            "tag": SHA1_STATE_TAG,
            "sha1": base64.b64encode(self.sha1.state()).decode(),
            "crc": self.crc,
            "size": self.size,
            "first_kib": base64.b64encode(self.first_kib).decode(),
        }

    @classmethod
    def resumed(cls, state: dict) -> ContentDigest | None:
        """The digest `state` describes, or None when it is of another library version or
        not a state at all."""
        try:
            if state["tag"] != SHA1_STATE_TAG:
                return None
            digest = cls(sha1=False)
            digest.sha1 = ResumableSha1(base64.b64decode(state["sha1"]))
            digest.crc, digest.size = int(state["crc"]), int(state["size"])
            digest.first_kib = bytearray(base64.b64decode(state["first_kib"]))
        except (KeyError, TypeError, ValueError):
            return None
        return digest


class Digests:
    """Several digests fed the same bytes in one pass."""

    def __init__(self, *digests: ContentDigest):
        self.digests = digests

    def update(self, data: bytes | memoryview) -> None:
        for digest in self.digests:
            digest.update(data)


class StreamingReader(io.RawIOBase):
    """A non-seekable reader over a stream or a sequence of streams that digests what it
    reads (`self.digest`), counts it, and stops at `limit` bytes."""

    def __init__(
        self,
        sources: Iterable[BinaryIO],
        *,
        limit: int | None = None,
        sha1: bool = True,
        crc64: bool = True,
        also: ContentDigest | Digests | None = None,
    ):
        self.sources: Iterator[BinaryIO] = iter(sources)
        self.current: BinaryIO | None = next(self.sources, None)
        self.limit = limit
        self.digest = ContentDigest(sha1=sha1, crc64=crc64)
        self.also = also  # fed the same bytes: an upload's digest chain
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
            if self.also is not None:
                self.also.update(data)
            pieces.append(data)
            wanted -= len(data)
        return b"".join(pieces) if len(pieces) != 1 else pieces[0]


class StreamFile(DjangoFile):
    """Storage backends copy in chunks of this size: 1 MiB instead of Django's 64 KiB
    means far fewer Python-level reads and writes per gigabyte."""

    DEFAULT_CHUNK_SIZE = CHUNK
