"""Bytes of the embedded PDS, through Django's storage API (local disk or S3), streamed in
fixed-size chunks: nothing ever holds a whole part or file in memory."""

from __future__ import annotations

import errno
import hashlib
import io
import mmap
import os
import secrets
import threading
from contextlib import contextmanager
from typing import BinaryIO, Iterable, Iterator

import fastcrc
from django.core.files import File as DjangoFile
from django.core.files.storage import storages

CHUNK = 1024 * 1024


def blob_storage():
    return storages["pds_blobs"]


class ContentDigest:
    """What the PDS records of content fed to it in order: size, SHA-1, CRC-64/XZ and the
    first KiB (for `pre_hash`)."""

    def __init__(self, *, sha1: bool = True, crc64: bool = True):
        self.size = 0
        self.sha1 = hashlib.sha1() if sha1 else None
        self.crc = 0 if crc64 else None
        self.first_kib = bytearray()

    def update(self, data) -> None:
        if self.sha1 is not None:
            self.sha1.update(data)
        if self.crc is not None:
            self.crc = fastcrc.crc64.xz(data, self.crc) if self.size else fastcrc.crc64.xz(data)
        if len(self.first_kib) < 1024:
            self.first_kib += data[: 1024 - len(self.first_kib)]
        self.size += len(data)

    @property
    def sha1_hex(self) -> str:
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
        self._sources: Iterator[BinaryIO] = iter(sources)
        self._current: BinaryIO | None = next(self._sources, None)
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
            self.digest.update(data)
            pieces.append(data)
            wanted -= len(data)
        return b"".join(pieces) if len(pieces) != 1 else pieces[0]


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


# --- Assembling an upload's parts into one blob ---------------------------------------------
#
# The parts are read once, in order, for the digest. On local disk the kernel copies them
# meanwhile, on the other core, into a scratch file (copy_file_range: no trip through
# Python; a single part is its own concatenation), and keeping the blob is a hard link to
# its final name: no second read, and the final name never shows a half-written file.
# Part and scratch names are never reused and their files never rewritten, so the linked
# bytes are the digested bytes. Elsewhere (S3) the blob is copied on the server for a
# single part, and streamed again from the parts otherwise.

S3_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit for one object
SCRATCH_PREFIX = "assembling-"
MAP_WINDOW = 16 * CHUNK  # mapped at a time: bounds the process's mapped memory


class PartMissing(Exception):
    """A part's bytes are gone: a concurrent `complete` finished, or the part was sent again."""


class Assembled:
    def __init__(self, digest: ContentDigest, *, names: list[str], source_path: str | None):
        self.size, self.sha1, self.crc64, self.pre_hash = digest.size, digest.sha1_hex, digest.crc64_decimal, digest.pre_hash
        self._names, self._source_path = names, source_path

    def keep(self, name: str) -> str:
        """Store the content as `name`, or as a free variant of it when that is taken (the
        name that is returned belongs to this caller alone); returns the stored name."""
        try:
            if self._source_path is not None:
                return _link_free(self._source_path, name)
            storage = blob_storage()
            if storage.exists(name):
                name = f"{name}_{secrets.token_hex(4)}"
            bucket = getattr(storage, "bucket", None)
            if bucket is not None and len(self._names) == 1 and self.size <= S3_COPY_LIMIT:
                # Copied on the server, with what the storage's own save would set on it.
                source = {"Bucket": bucket.name, "Key": storage._normalize_name(self._names[0])}
                parameters = storage._get_write_parameters(name)
                bucket.Object(storage._normalize_name(name)).copy_from(CopySource=source, MetadataDirective="REPLACE", **parameters)
                return name
            reader = StreamingReader(part_streams(self._names), sha1=False, crc64=False)
            return storage.save(name, StreamFile(reader, name=name))
        except FileNotFoundError as error:
            raise PartMissing(str(error)) from error
        except Exception as error:
            if _is_missing_key(error):
                raise PartMissing(str(error)) from error
            raise


@contextmanager
def parts_assembled(names: list[str], *, scratch_folder: str) -> Iterator[Assembled]:
    """Digest the parts `names` in order; the scratch file (local disk, several parts, in
    `scratch_folder`) is removed on leaving the block, whatever became of it."""
    paths = [local_path(name) for name in names]
    scratch = local_path(f"{scratch_folder}/{SCRATCH_PREFIX}{secrets.token_hex(8)}") if len(paths) > 1 else None
    try:
        if not paths or None in paths:
            reader = StreamingReader(part_streams(names))
            while reader.read(CHUNK):
                pass
            assembled = Assembled(reader.digest, names=names, source_path=None)
        elif scratch is None:
            assembled = Assembled(_digest_files(paths), names=names, source_path=paths[0])
        else:
            with _open_new(scratch) as out:
                copy = _Concatenation(paths, out.fileno())
                copy.start()
                try:
                    digest = _digest_files(paths)
                finally:
                    copy.join()  # never leave it writing to a closed descriptor
                copy.raise_error()
                if os.fstat(out.fileno()).st_size != digest.size:
                    raise PartMissing("the copy of the parts came out short")
            assembled = Assembled(digest, names=names, source_path=scratch)
    except FileNotFoundError as error:
        _remove(scratch)
        raise PartMissing(str(error)) from error
    except Exception as error:
        _remove(scratch)
        if _is_missing_key(error):
            raise PartMissing(str(error)) from error
        raise
    try:
        yield assembled
    finally:
        _remove(scratch)


def scratch_clear(folder: str) -> None:
    """Remove scratch files a killed process left in `folder` (local disk), then the folder
    itself if nothing else is in it."""
    path = local_path(folder)
    if path is None or not os.path.isdir(path):
        return
    for entry in os.scandir(path):
        if entry.name.startswith(SCRATCH_PREFIX):
            _remove(entry.path)
    try:
        os.rmdir(path)
    except OSError:  # a part is still there
        pass


def part_streams(names: list[str]):
    """Open the stored objects one after another; each closes when the reader moves past it."""
    for name in names:
        handle = open_stream(name)
        try:
            yield handle
        finally:
            handle.close()


def _digest_files(paths: list[str]) -> ContentDigest:
    digest = ContentDigest()
    for path in paths:
        with open(path, "rb", buffering=0) as part:
            _digest_file(part, digest)
    return digest


def _digest_file(part: BinaryIO, digest: ContentDigest) -> None:
    """Hash straight from the page cache through a mapping, a window at a time (a read into
    a buffer costs a copy: about an eighth of the time of the pass); through a buffer where
    the file cannot be mapped."""
    size, offset = os.fstat(part.fileno()).st_size, 0
    try:
        while offset < size:
            length = min(MAP_WINDOW, size - offset)
            with mmap.mmap(part.fileno(), length, offset=offset, access=mmap.ACCESS_READ) as window, memoryview(window) as view:
                for start in range(0, length, CHUNK):
                    with view[start:start + CHUNK] as piece:
                        digest.update(piece)
            offset += length
        return
    except OSError:
        if offset:
            raise
    buffer = bytearray(CHUNK)
    with memoryview(buffer) as view:
        while count := part.readinto(buffer):
            digest.update(view[:count])


class _Concatenation(threading.Thread):
    """Copy local files one after another into `out_fd`, in the kernel where it can, while
    the caller hashes them (both release the GIL)."""

    def __init__(self, paths: list[str], out_fd: int):
        super().__init__(daemon=True)
        self.paths, self.out_fd, self.error = paths, out_fd, None

    def run(self) -> None:
        try:
            offset = 0
            for path in self.paths:
                with open(path, "rb", buffering=0) as part:
                    offset += _copy_file(part.fileno(), self.out_fd, offset)
        except BaseException as error:  # handed to the joining thread
            self.error = error

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def _copy_file(in_fd: int, out_fd: int, offset: int) -> int:
    """Copy all of `in_fd` to `out_fd` at `offset`; returns the bytes copied."""
    copied = 0
    try:
        while count := os.copy_file_range(in_fd, out_fd, 64 * CHUNK, copied, offset + copied):
            copied += count
        return copied
    except OSError as error:
        if error.errno not in (errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            raise
    # No copy_file_range here (old kernel, some file systems): through a buffer.
    buffer = bytearray(CHUNK)
    while count := os.preadv(in_fd, [buffer], copied):
        _write_all_at(out_fd, memoryview(buffer)[:count], offset + copied)
        copied += count
    return copied


def _write_all_at(out_fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(out_fd, data, offset)
        data, offset = data[written:], offset + written


def _open_new(path: str) -> BinaryIO:
    storage = blob_storage()
    handle = open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb", buffering=0)
    if storage.file_permissions_mode is not None:
        os.chmod(path, storage.file_permissions_mode)
    return handle


def _link_free(source_path: str, name: str) -> str:
    """Hard-link `source_path` as `name` or, if that exists, as `name_<random>`. A link never
    replaces an existing file, so two callers never end up owning one name."""
    storage = blob_storage()
    _make_dirs(os.path.dirname(storage.path(name)))
    candidate = name
    while True:
        try:
            os.link(source_path, storage.path(candidate))
            return candidate
        except FileExistsError:
            candidate = f"{name}_{secrets.token_hex(4)}"
        except OSError as error:
            if error.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                raise
            # A file system without hard links: copy (the storage picks a free name).
            with open(source_path, "rb") as handle:
                return storage.save(name, StreamFile(handle, name=name))


def _make_dirs(directory: str) -> None:
    """Create missing directories with the storage's directory mode, as its own saves do."""
    mode = blob_storage().directory_permissions_mode
    missing = []
    while not os.path.isdir(directory):
        missing.append(directory)
        directory = os.path.dirname(directory)
    for path in reversed(missing):
        try:
            os.mkdir(path)
        except FileExistsError:
            continue
        if mode is not None:
            os.chmod(path, mode)


def _remove(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


def _is_missing_key(error: Exception) -> bool:
    response = getattr(error, "response", None)  # botocore's ClientError
    return isinstance(response, dict) and response.get("Error", {}).get("Code") in ("NoSuchKey", "404")
