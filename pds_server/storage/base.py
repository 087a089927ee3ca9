"""The blob storage adapter: what the embedded PDS needs of a storage beyond Django's
storage API (ranged reads as streams, local paths for nginx, assembling upload parts).
`LocalBlobStore` and `S3BlobStore` fill in what differs; callers get one through
`pds_server.storage.blob_store()`."""

from __future__ import annotations

import errno
import io
import os
import secrets
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from django.core.files.storage import Storage

from pds_server.storage.digest import CHUNK, ContentDigest, Digests, StreamFile, StreamingReader

# Files under these names are being written: a part's body (`tmp-`), an upload's parts
# being joined (`assembling-`). A file under them that is no longer written to belongs to a
# killed process, and the cleanup (services.fsck) removes it.
TEMP_PREFIX = "tmp-"
SCRATCH_PREFIX = "assembling-"
TEMP_PREFIXES = (TEMP_PREFIX, SCRATCH_PREFIX)
FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)


class PartMissing(Exception):
    """A part's bytes are gone: a concurrent `complete` finished, or the part was sent again."""


class StorageFull(Exception):
    """The storage has no room for the bytes (ENOSPC, a quota of the file system or bucket)."""


def is_temp_name(name: str) -> bool:
    return name.rsplit("/", 1)[-1].startswith(TEMP_PREFIXES)


@dataclass(frozen=True)
class StoredFile:
    name: str
    size: int
    modified: float  # Unix time of the last change to the file or its links


class Assembled:
    """The digest of an upload's parts, and the means to keep them as one blob."""

    def __init__(self, digest: ContentDigest, *, store: BlobStore, names: list[str], source_path: str | None):
        self.size, self.sha1, self.crc64, self.pre_hash = (
            digest.size,
            digest.sha1_hex,
            digest.crc64_decimal,
            digest.pre_hash,
        )
        self.store, self.names, self.source_path = store, names, source_path

    def keep(self, name: str) -> str:
        """Store the content as `name`, or as a free variant of it when that is taken (the
        name that is returned belongs to this caller alone); returns the stored name."""
        try:
            return self.store.keep(self, name)
        except FileNotFoundError as error:
            raise PartMissing(str(error)) from error
        except Exception as error:
            if self.store.is_missing(error):
                raise PartMissing(str(error)) from error
            raise


class BlobStore(ABC):
    """Common behaviour over a Django storage; subclasses say how bytes are reached."""

    def __init__(self, storage: Storage):
        self.storage = storage

    # --- Reaching bytes (subclasses) ------------------------------------------------------

    @abstractmethod
    def open_stream(self, name: str, start: int = 0, length: int | None = None) -> BinaryIO:
        """A stream of the stored bytes from `start` (for `length` bytes, or to the end)."""

    def local_path(self, name: str) -> str | None:
        """The file's path on this machine, or None when the bytes are remote."""
        return None

    def is_missing(self, error: Exception) -> bool:
        """Whether `error` says a stored object does not exist."""
        return isinstance(error, FileNotFoundError)

    def is_full(self, error: BaseException) -> bool:
        """Whether `error` says the storage has no room left."""
        return isinstance(error, StorageFull) or (isinstance(error, OSError) and error.errno in FULL_ERRNOS)

    @abstractmethod
    def list_files(self, prefix: str) -> Iterator[StoredFile]:
        """Every stored file whose name starts with `prefix/`."""

    # --- Common operations ----------------------------------------------------------------

    def save_stream(self, prefix: str, reader: StreamingReader) -> str:
        """Store a stream under a fresh name beginning with `prefix`; returns the name. The
        name shows only whole streams: an object store's PUT is atomic."""
        name = f"{prefix}{secrets.token_hex(8)}"
        try:
            return self.storage.save(name, StreamFile(reader, name=name))  # type: ignore[arg-type]
        except Exception as error:
            if self.is_full(error):
                raise StorageFull(str(error)) from error
            raise

    def save_file(self, prefix: str, source: str, fd: int, digest: ContentDigest | Digests) -> str:
        """Store the local file `source`, open as `fd` (a part body nginx wrote), under a fresh
        name beginning with `prefix`, digesting it on the way; returns the name. Here the
        file stays where it is."""
        with open(os.dup(fd), "rb", buffering=0) as handle:
            handle.seek(0)
            return self.save_stream(prefix, StreamingReader([handle], sha1=False, crc64=False, also=digest))

    def digest_stored(self, name: str, digest: ContentDigest) -> None:
        """Feed a stored file's bytes to `digest`."""
        handle = self.open_stream(name)
        try:
            while data := handle.read(CHUNK):
                digest.update(data)
        finally:
            handle.close()

    def save_bytes(self, name: str, data: bytes) -> str:
        return self.storage.save(name, io.BytesIO(data))

    def open(self, name: str) -> BinaryIO:
        return self.storage.open(name, "rb")  # type: ignore[return-value]  # a django File wraps the stream

    def delete(self, name: str) -> None:
        if name:
            self.storage.delete(name)

    def delete_many(self, names: list[str]) -> None:
        for name in names:
            self.delete(name)

    def read_range(self, name: str, offset: int, length: int) -> bytes:
        handle = self.open_stream(name, offset, length)
        try:
            return handle.read(length)
        finally:
            handle.close()

    def iter_range(self, name: str, start: int, length: int) -> Iterator[bytes]:
        """Yield `length` bytes from `start`, a chunk at a time, closing the file at the end."""
        handle = self.open_stream(name, start, length)
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

    def part_streams(self, names: list[str]) -> Iterator[BinaryIO]:
        """Open the stored objects one after another; each closes when the reader moves past it."""
        for name in names:
            handle = self.open_stream(name)
            try:
                yield handle
            finally:
                handle.close()

    # --- Assembling an upload's parts into one blob -----------------------------------------

    # Whether `assemble_part` can copy parts into a scratch file ahead of `complete`.
    assembles = False

    def assemble_start(self, scratch: str) -> None:
        """Create the empty file `scratch` (or leave it as it is)."""
        raise NotImplementedError("only where `assembles`")

    def assemble_part(self, scratch: str, name: str, offset: int, current: Callable[[], bool]) -> bool:
        """Copy the stored file `name` into the existing file `scratch` at `offset`, once both
        are open and `current()` still says the copy is wanted; whether it did."""
        return False

    @contextmanager
    def scratch_writable(self, scratch: str) -> Iterator[int | None]:
        """The file `scratch` open for writing with its lock held; None where it is gone."""
        yield None

    @contextmanager
    def folder_locked(self, folder: str, *, wait: bool = True) -> Iterator[bool | None]:
        """`folder` locked against the other processes for the block: True; False once it is
        gone; None when another holds it and `wait` is False. Here, no lock: the store keeps
        no folders."""
        yield True

    def digest_assembled(self, name: str, digest: ContentDigest, scratch_fd: int, offset: int) -> bool:
        """Feed the stored file `name` to `digest` and copy it into `scratch_fd` at `offset`."""
        raise NotImplementedError("only where `assembles`")

    @contextmanager
    def parts_assembled(
        self,
        names: list[str],
        *,
        scratch_folder: str,
        known: ContentDigest | None = None,
        preassembled: str | None = None,
        preassembled_current: Callable[[], bool] | None = None,
    ) -> Iterator[Assembled]:
        """Digest the parts `names` in order, reading each once, or take the digest `known`
        (their digest chain) without reading them; `preassembled` names a file that holds
        them one after another, if there is one, used only if `preassembled_current()` still
        says so once it is taken. Subclasses may leave scratch files in
        `scratch_folder`, removed on leaving the block (and `preassembled` with them)."""
        if known is not None:
            yield Assembled(known, store=self, names=names, source_path=None)
            return
        try:
            reader = StreamingReader(self.part_streams(names))
            while reader.read(CHUNK):
                pass
        except Exception as error:
            if self.is_missing(error):
                raise PartMissing(str(error)) from error
            raise
        yield Assembled(reader.digest, store=self, names=names, source_path=None)

    def keep(self, assembled: Assembled, name: str) -> str:
        """Store the assembled parts as `name` (or a free variant); streamed again."""
        if self.storage.exists(name):
            name = f"{name}_{secrets.token_hex(4)}"
        reader = StreamingReader(self.part_streams(assembled.names), sha1=False, crc64=False)
        return self.storage.save(name, StreamFile(reader, name=name))  # type: ignore[arg-type]

    def folder_clear(self, folder: str) -> None:
        """Remove what is left in an upload's folder once the upload is gone: scratch and
        partial part files of killed processes, part files of PUTs that lost a race."""
        for stored in list(self.list_files(folder)):
            self.delete(stored.name)
