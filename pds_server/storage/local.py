"""Blobs on local disk (Django's FileSystemStorage).

An upload's parts are read once, in order, for the digest. Meanwhile the kernel copies
them, on the other core, into a scratch file (copy_file_range: no trip through Python; a
single part is its own concatenation), and keeping the blob is a hard link to its final
name: no second read, and the final name never shows a half-written file. Part and
scratch names are never reused and their files never rewritten, so the linked bytes are
the digested bytes.
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, BinaryIO

from pds_server.storage.base import SCRATCH_PREFIX, Assembled, BlobStore, PartMissing
from pds_server.storage.digest import CHUNK, ContentDigest, StreamFile

MAP_WINDOW = 16 * CHUNK  # mapped at a time: bounds the process's mapped memory


class LocalBlobStore(BlobStore):
    storage: Any  # django.core.files.storage.FileSystemStorage

    def open_stream(self, name: str, start: int = 0, length: int | None = None) -> BinaryIO:
        handle = self.storage.open(name, "rb")
        if start:
            handle.seek(start)
        return handle

    def local_path(self, name: str) -> str | None:
        return self.storage.path(name)

    @contextmanager
    def parts_assembled(self, names: list[str], *, scratch_folder: str) -> Iterator[Assembled]:
        paths = [self.storage.path(name) for name in names]
        if not paths:
            with super().parts_assembled(names, scratch_folder=scratch_folder) as assembled:
                yield assembled
            return
        scratch = (
            self.storage.path(f"{scratch_folder}/{SCRATCH_PREFIX}{secrets.token_hex(8)}") if len(paths) > 1 else None
        )
        try:
            if scratch is None:
                assembled = Assembled(digest_files(paths), store=self, names=names, source_path=paths[0])
            else:
                with self.open_new(scratch) as out:
                    copy = Concatenation(paths, out.fileno())
                    copy.start()
                    try:
                        digest = digest_files(paths)
                    finally:
                        copy.join()  # never leave it writing to a closed descriptor
                    copy.raise_error()
                    if os.fstat(out.fileno()).st_size != digest.size:
                        raise PartMissing("the copy of the parts came out short")
                assembled = Assembled(digest, store=self, names=names, source_path=scratch)
        except FileNotFoundError as error:
            remove_file(scratch)
            raise PartMissing(str(error)) from error
        except Exception:
            remove_file(scratch)
            raise
        try:
            yield assembled
        finally:
            remove_file(scratch)

    def keep(self, assembled: Assembled, name: str) -> str:
        """Hard-link the assembled file as `name` or, if that exists, as `name_<random>`. A
        link never replaces an existing file, so two callers never end up owning one name."""
        source_path = assembled.source_path
        if source_path is None:
            return super().keep(assembled, name)
        self.make_dirs(os.path.dirname(self.storage.path(name)))
        candidate = name
        while True:
            try:
                os.link(source_path, self.storage.path(candidate))
                return candidate
            except FileExistsError:
                candidate = f"{name}_{secrets.token_hex(4)}"
            except OSError as error:
                if error.errno not in (errno.EPERM, errno.EXDEV, errno.ENOTSUP, errno.EMLINK):
                    raise
                # A file system without hard links: copy (the storage picks a free name).
                with open(source_path, "rb") as handle:
                    return self.storage.save(name, StreamFile(handle, name=name))

    def scratch_clear(self, folder: str) -> None:
        path = self.storage.path(folder)
        if not os.path.isdir(path):
            return
        for entry in os.scandir(path):
            if entry.name.startswith(SCRATCH_PREFIX):
                remove_file(entry.path)
        try:
            os.rmdir(path)
        except OSError:  # a part is still there
            pass

    def open_new(self, path: str) -> BinaryIO:
        handle = open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), "wb", buffering=0)
        if self.storage.file_permissions_mode is not None:
            os.chmod(path, self.storage.file_permissions_mode)
        return handle

    def make_dirs(self, directory: str) -> None:
        """Create missing directories with the storage's directory mode, as its own saves do."""
        mode = self.storage.directory_permissions_mode
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


def digest_files(paths: list[str]) -> ContentDigest:
    digest = ContentDigest()
    for path in paths:
        with open(path, "rb", buffering=0) as part:
            digest_file(part, digest)
    return digest


def digest_file(part: io.FileIO, digest: ContentDigest) -> None:
    """Hash straight from the page cache through a mapping, a window at a time (a read into
    a buffer costs a copy: about an eighth of the time of the pass); through a buffer where
    the file cannot be mapped."""
    size, offset = os.fstat(part.fileno()).st_size, 0
    try:
        while offset < size:
            length = min(MAP_WINDOW, size - offset)
            with mmap.mmap(part.fileno(), length, offset=offset, access=mmap.ACCESS_READ) as window:
                with memoryview(window) as view:
                    for start in range(0, length, CHUNK):
                        with view[start : start + CHUNK] as piece:
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


class Concatenation(threading.Thread):
    """Copy local files one after another into `out_fd`, in the kernel where it can, while
    the caller hashes them (both release the GIL)."""

    def __init__(self, paths: list[str], out_fd: int):
        super().__init__(daemon=True)
        self.paths, self.out_fd = paths, out_fd
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            offset = 0
            for path in self.paths:
                with open(path, "rb", buffering=0) as part:
                    offset += copy_file(part.fileno(), self.out_fd, offset)
        except BaseException as error:  # handed to the joining thread
            self.error = error

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def copy_file(in_fd: int, out_fd: int, offset: int) -> int:
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
        write_all_at(out_fd, memoryview(buffer)[:count], offset + copied)
        copied += count
    return copied


def write_all_at(out_fd: int, data: memoryview, offset: int) -> None:
    while data:
        written = os.pwrite(out_fd, data, offset)
        data, offset = data[written:], offset + written


def remove_file(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
