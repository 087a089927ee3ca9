"""Moving bytes between local files in the kernel where it can (copy_file_range), and
digesting them straight from the page cache: the helpers of the local adapter."""

from __future__ import annotations

import errno
import io
import os
import threading

from pds_server.storage.digest import CHUNK, ContentDigest, Digests


def free_space(path: str) -> int:
    """Bytes an unprivileged writer may still use on the file system holding `path`."""
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def digest_files(paths: list[str]) -> ContentDigest:
    digest = ContentDigest()
    for path in paths:
        with open(path, "rb", buffering=0) as part:
            digest_file(part, digest)
    return digest


def digest_file(part: io.FileIO, digest: ContentDigest | Digests) -> None:
    """Hash a whole file from the page cache, a chunk at a time."""
    digest_range(part.fileno(), 0, os.fstat(part.fileno()).st_size, digest)


def digest_range(fd: int, start: int, end: int, digest: ContentDigest | Digests) -> None:
    """Digest bytes `start` to `end` of an open file, a chunk at a time. Each read is a new
    `bytes`, which the resumable SHA-1 takes without another copy (it refuses views), and
    the process holds one chunk: a mapping's pages would count in the worker's resident set
    (two 16 MiB windows, in the request and the digest thread, were 50 MB of a worker's
    peak in the benchmark), and reading costs no more than faulting them in."""
    while start < end:
        chunk = os.pread(fd, min(CHUNK, end - start), start)
        if not chunk:
            raise FileNotFoundError(f"the file ended {end - start} bytes early")
        digest.update(chunk)
        start += len(chunk)


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
    """Copy all of `in_fd` to `out_fd` at `offset`; returns the bytes copied. On file systems
    with shared extents (btrfs, XFS) the kernel clones instead of copying."""
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


def write_all_at(out_fd: int, data: memoryview | bytes, offset: int) -> None:
    data = memoryview(data)
    while data:
        written = os.pwrite(out_fd, data, offset)
        data, offset = data[written:], offset + written


def write_all(out_fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(out_fd, view) :]


def remove_file(path: str | None) -> None:
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
