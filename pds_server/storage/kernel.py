"""Moving bytes between local files in the kernel where it can (a clone, copy_file_range, or
direct I/O around the page cache), and digesting them straight from the page cache: the
helpers of the local adapter."""

from __future__ import annotations

import errno
import fcntl
import io
import mmap
import os
import queue
import struct
import threading
from collections.abc import Iterator

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
    """Digest bytes `start` to `end` of an open file, straight from the page cache
    (mapped_windows)."""
    for window in mapped_windows(fd, start, end):
        digest.update(window)


# How much of a file is mapped at a time: its pages count in the worker's resident set
# while mapped (two 16 MiB windows, in a request and the digest thread, were 50 MB of a
# worker's peak in the benchmark).
WINDOW = 4 * CHUNK


def mapped_windows(fd: int, start: int, end: int) -> Iterator[memoryview]:
    """Bytes `start` to `end` of an open file as views of successive mappings of it, each
    unmapped before the next (a consumer must keep no view). Reading a 64 MiB part into a
    buffer cost 23 ms of CPU on this project's VM, copying pages the mapping shares: 35%
    of the PDS's CPU per part, digest and copy included. The mappings are copy-on-write,
    never written: their views are writable, which OpenSslSha1 hashes without a copy. A
    file cut short while mapped would raise SIGBUS: part and scratch files are never
    truncated below what is read of them (storage.in_place cuts only appended parts)."""
    position = start - start % mmap.ALLOCATIONGRANULARITY
    while position < end:
        length = min(WINDOW, end - position)
        mapping = window_mapped(fd, position, length)
        try:
            with memoryview(mapping) as view, view[max(0, start - position) :] as window:
                yield window
        finally:
            mapping_closed(mapping)
        position += length


def window_mapped(fd: int, position: int, length: int) -> mmap.mmap:
    """`length` bytes of the file from `position`, mapped copy-on-write (mapped_windows)."""
    try:
        return mmap.mmap(fd, length, access=mmap.ACCESS_COPY, offset=position)
    except ValueError:  # past the end of the file
        raise FileNotFoundError(f"the file ended before byte {position + length}") from None


def mapping_closed(mapping: mmap.mmap) -> None:
    try:
        mapping.close()
    except BufferError:  # a view lives on in an error's traceback, and goes with it
        pass


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
                    offset += copy_file_uncached(part.fileno(), self.out_fd, offset)
        except BaseException as error:  # handed to the joining thread
            self.error = error

    def raise_error(self) -> None:
        if self.error is not None:
            raise self.error


def copy_file(in_fd: int, out_fd: int, offset: int, *, start: int = 0) -> int:
    """Copy `in_fd` from `start` to its end to `out_fd` at `offset + start`; returns the
    bytes copied. On file systems with shared extents (btrfs, XFS) the kernel clones
    instead of copying."""
    copied = 0
    offset, in_offset = offset + start, start
    if not hasattr(os, "copy_file_range"):  # not Linux
        return buffered_copy(in_fd, out_fd, offset, in_offset)
    try:
        while count := os.copy_file_range(in_fd, out_fd, 64 * CHUNK, in_offset + copied, offset + copied):
            copied += count
        return copied
    except OSError as error:
        if error.errno not in (errno.ENOSYS, errno.EXDEV, errno.EINVAL, errno.EOPNOTSUPP, errno.EPERM):
            raise
    # No copy_file_range here (old kernel, some file systems): through a buffer.
    return copied + buffered_copy(in_fd, out_fd, offset + copied, in_offset + copied)


def buffered_copy(in_fd: int, out_fd: int, offset: int, in_offset: int) -> int:
    copied = 0
    buffer = bytearray(CHUNK)
    while count := os.preadv(in_fd, [buffer], in_offset + copied):
        write_all_at(out_fd, memoryview(buffer)[:count], offset + copied)
        copied += count
    return copied


# The block size direct I/O needs offsets, lengths and buffers aligned to (4 KiB covers
# every common file system block and device sector).
BLOCK = 4096
FICLONERANGE = 0x4020940D  # _IOW(0x94, 13, struct file_clone_range)
CLONE_UNSUPPORTED = (errno.EOPNOTSUPP, errno.EXDEV, errno.EINVAL, errno.ENOTTY, errno.ENOSYS, errno.EPERM)


def copy_file_uncached(in_fd: int, out_fd: int, offset: int) -> int:
    """Copy all of `in_fd` to `out_fd` at `offset`, for a file nobody reads soon (an
    upload's parts joined into its blob); returns the bytes copied.

    Where the file system shares extents (btrfs, XFS) the blocks are cloned. Elsewhere
    (ext4) the whole blocks are written around the page cache (O_DIRECT), and only the
    last partial block through it; a part that starts off a 4 KiB boundary (after parts
    whose size is not a multiple of it) goes through the cache whole. The parts are in
    the cache already, and filling a second file's worth of fresh cache pages is what a
    copy costs most. On this project's 2-core virtual machine, whose freed memory goes
    back to the host, each fresh page is a fault in the host: copy_file_range into the
    cache ran at a quarter of the disk's direct write speed there (about 400 against
    1,500 MB/s), and slowed the part writes beside it."""
    size = os.fstat(in_fd).st_size
    if clone_range(in_fd, out_fd, offset, size):
        return size
    copied = copy_blocks_direct(in_fd, out_fd, offset, size - size % BLOCK)
    return copied + copy_file(in_fd, out_fd, offset, start=copied)


def clone_range(in_fd: int, out_fd: int, offset: int, size: int) -> bool:
    """Share `in_fd`'s blocks as `out_fd`'s from `offset` (FICLONERANGE); False where the
    file system cannot, or the offset is not on a block boundary."""
    if offset % BLOCK or not size:
        return False
    try:
        fcntl.ioctl(out_fd, FICLONERANGE, struct.pack("qQQQ", in_fd, 0, size, offset))
    except OSError as error:
        if error.errno in CLONE_UNSUPPORTED:
            return False
        raise
    return True


def copy_blocks_direct(in_fd: int, out_fd: int, offset: int, length: int) -> int:
    """Copy the first `length` bytes (whole blocks) of `in_fd` to `out_fd` at `offset`
    with O_DIRECT set on `out_fd` for the while; returns the bytes copied, 0 where direct
    I/O is not to be had (an unaligned offset, a file system without it)."""
    if offset % BLOCK or length < BLOCK or not hasattr(os, "O_DIRECT"):
        return 0
    flags = fcntl.fcntl(out_fd, fcntl.F_GETFL)
    try:
        fcntl.fcntl(out_fd, fcntl.F_SETFL, flags | os.O_DIRECT)
    except OSError as error:
        if error.errno == errno.EINVAL:  # e.g. tmpfs on older kernels
            return 0
        raise
    copied = 0
    buffer = mmap.mmap(-1, 4 * CHUNK)  # page-aligned, as O_DIRECT needs
    try:
        with memoryview(buffer) as view:
            while copied < length:
                count = os.preadv(in_fd, [view[: min(len(view), length - copied)]], copied)
                count -= count % BLOCK
                if not count:  # the source ended early: the rest goes through the cache
                    break
                try:
                    write_all_at(out_fd, view[:count], offset + copied)
                except OSError as error:
                    # No direct I/O here after all, or a short write left the next one
                    # unaligned: the caller's copy_file redoes this chunk through the cache.
                    if error.errno != errno.EINVAL:
                        raise
                    break
                copied += count
    finally:
        fcntl.fcntl(out_fd, fcntl.F_SETFL, flags)
        try:
            buffer.close()
        except BufferError:  # a slice of it lives on in an error's traceback, and goes with it
            pass
    return copied


def digest_copy(in_fd: int, out_fd: int, offset: int, digest: ContentDigest | Digests) -> int:
    """Copy all of `in_fd` to `out_fd` at `offset` and feed the same bytes to `digest`: one
    pass over each byte, from the page cache (as mapped_windows maps it), where a digest
    and then a copy took two reads. A window is written (WindowWriter) while the next one
    is digested; returns the bytes copied."""
    size = os.fstat(in_fd).st_size
    writer = WindowWriter(out_fd, offset, size)
    writer.start()
    try:
        position = 0
        while position < size and writer.error is None:
            length = min(WINDOW, size - position)
            mapping = window_mapped(in_fd, position, length)
            try:
                with memoryview(mapping) as view:
                    digest.update(view)
            except BaseException:
                mapping_closed(mapping)
                raise
            writer.windows.put((mapping, position))  # the writer closes it
            position += length
    finally:
        writer.windows.put(None)
        writer.join()
        fcntl.fcntl(out_fd, fcntl.F_SETFL, writer.flags)
    if writer.error is not None:
        raise writer.error
    return size


class WindowWriter(threading.Thread):
    """digest_copy's writes, on a thread of their own: written around the page cache, a
    window waits for the disk (45 of the 104 ms a 64 MiB part took with the writes inline),
    which is time to digest the next one. Whole blocks are written around the page cache
    when `offset` is on a block boundary (as copy_file_uncached does), the rest through it.
    At most two windows wait, so that little of the file is mapped at once."""

    def __init__(self, out_fd: int, offset: int, size: int):
        super().__init__(daemon=True, name="digest-copy-writer")
        self.out_fd, self.offset = out_fd, offset
        self.windows: queue.Queue[tuple[mmap.mmap, int] | None] = queue.Queue(maxsize=2)
        self.error: BaseException | None = None
        self.flags = fcntl.fcntl(out_fd, fcntl.F_GETFL)
        self.direct = offset % BLOCK == 0 and size >= BLOCK and hasattr(os, "O_DIRECT")
        if self.direct:
            try:
                fcntl.fcntl(out_fd, fcntl.F_SETFL, self.flags | os.O_DIRECT)
            except OSError as error:
                if error.errno != errno.EINVAL:  # e.g. tmpfs on older kernels
                    raise
                self.direct = False

    def run(self) -> None:
        while (item := self.windows.get()) is not None:
            mapping, position = item
            try:
                if self.error is None:
                    with memoryview(mapping) as view:
                        self.write(view, self.offset + position)
            except BaseException as error:  # handed to digest_copy
                self.error = error
            finally:
                mapping_closed(mapping)

    def write(self, window: memoryview, at: int) -> None:
        count = len(window)
        whole = count - count % BLOCK if self.direct else 0
        if whole:
            try:
                write_all_at(self.out_fd, window[:whole], at)
            except OSError as error:
                # No direct I/O here after all, or a short write left the next one
                # unaligned: this window and the rest go through the cache.
                if error.errno != errno.EINVAL:
                    raise
                whole = 0
        if whole < count:
            if self.direct:
                fcntl.fcntl(self.out_fd, fcntl.F_SETFL, self.flags)
                self.direct = False
            write_all_at(self.out_fd, window[whole:], at + whole)


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
