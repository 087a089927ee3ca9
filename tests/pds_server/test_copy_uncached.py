"""Joining parts around the page cache (storage.kernel.copy_file_uncached, and digest_copy,
which digests what it copies): the bytes land where they belong whatever the sizes and
offsets, and the whole blocks never enter the cache (the page-cache residency is read back
with mincore)."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import hashlib
import mmap
import os
import subprocess
from pathlib import Path

import pytest

from pds_server.storage import kernel
from pds_server.storage.digest import ContentDigest
from pds_server.storage.kernel import BLOCK, copy_file, copy_file_uncached, digest_copy
from tests.pds_server.small_disk import small_disk

PAGE = mmap.PAGESIZE
libc = ctypes.CDLL(None, use_errno=True)


def cached_pages(path: Path) -> list[bool]:
    """Which of the file's pages are in the page cache (mincore on a mapping of it)."""
    size = path.stat().st_size
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_COPY) as mapped:
        address = ctypes.addressof(ctypes.c_char.from_buffer(mapped))
        pages = (size + PAGE - 1) // PAGE
        vector = (ctypes.c_ubyte * pages)()
        if libc.mincore(ctypes.c_void_p(address), ctypes.c_size_t(size), vector) != 0:
            raise OSError(ctypes.get_errno(), "mincore")
        return [bool(flag & 1) for flag in vector]


def copied(tmp_path: Path, data: bytes, offset: int, copier=copy_file_uncached) -> Path:
    source = tmp_path / "part"
    source.write_bytes(data)
    target = tmp_path / "scratch"
    target.write_bytes(b"\x07" * offset)  # what earlier parts left there
    with source.open("rb", buffering=0) as part, target.open("r+b", buffering=0) as out:
        assert copier(part.fileno(), out.fileno(), offset) == len(data)
        assert not fcntl.fcntl(out.fileno(), fcntl.F_GETFL) & os.O_DIRECT  # set for the copy only
    return target


@pytest.mark.parametrize("size", [0, 1, BLOCK - 1, BLOCK, BLOCK + 1, 9 * 1024 * 1024 + 123])
@pytest.mark.parametrize("offset", [0, BLOCK, 64 * 1024 * 1024, 123])
def test_the_bytes_land_at_their_offset(tmp_path, size, offset):
    data = os.urandom(size)
    target = copied(tmp_path, data, offset)
    content = target.read_bytes()
    assert content[:offset] == b"\x07" * offset
    assert content[offset:] == data
    assert len(content) == offset + size


def file_system(path: Path) -> str:
    return subprocess.run(["stat", "-f", "-c", "%T", str(path)], capture_output=True, text=True).stdout.strip()


def test_whole_blocks_go_around_the_page_cache(tmp_path):
    if not file_system(tmp_path).startswith("ext"):  # tmpfs is the cache; btrfs and XFS clone
        pytest.skip(f"direct I/O is what ext4 gets, not {file_system(tmp_path)}")
    size = 6 * 1024 * 1024 + 100  # chunks of the buffer, then a partial block
    target = copied(tmp_path, os.urandom(size), BLOCK)
    pages = cached_pages(target)
    # The first block is the earlier bytes (written through the cache), the last page the
    # partial block (through the cache too); none of the whole blocks copied are cached.
    assert not any(pages[1:-1]), f"{sum(pages[1:-1])} of {len(pages) - 2} copied pages were cached"
    assert target.read_bytes()[BLOCK:] == (tmp_path / "part").read_bytes()


def test_a_plain_copy_fills_the_cache(tmp_path):
    """The test above can fail: the kernel's copy leaves the copied pages cached."""
    if not file_system(tmp_path).startswith("ext"):  # btrfs and XFS clone instead of copying
        pytest.skip(f"copy_file_range copies on ext4, not on {file_system(tmp_path)}")
    target = copied(tmp_path, os.urandom(6 * 1024 * 1024), BLOCK, copier=copy_file)
    assert all(cached_pages(target)[1:])


def test_an_unaligned_offset_takes_the_cache(tmp_path):
    target = copied(tmp_path, os.urandom(2 * 1024 * 1024), 123)
    assert all(cached_pages(target))


def test_a_full_disk_is_reported_as_such(tmp_path):
    """ENOSPC from a direct write comes out as itself (the callers turn it into StorageFull
    or an in-place join), with the descriptor's flags restored."""
    source = tmp_path / "part"
    source.write_bytes(os.urandom(6 * 1024 * 1024))
    with small_disk(tmp_path / "disk", 4 * 1024 * 1024) as mounted:
        if not mounted:
            pytest.skip("mounting a tmpfs needs root")
        target = tmp_path / "disk" / "scratch"
        target.write_bytes(b"\x07" * BLOCK)
        with source.open("rb", buffering=0) as part, target.open("r+b", buffering=0) as out:
            with pytest.raises(OSError) as raised:
                copy_file_uncached(part.fileno(), out.fileno(), BLOCK)
            assert raised.value.errno == errno.ENOSPC
            assert not fcntl.fcntl(out.fileno(), fcntl.F_GETFL) & os.O_DIRECT


@pytest.mark.parametrize("refused_write", [1, 2])
def test_direct_writes_refused_midway_leave_the_rest_to_the_cache(tmp_path, monkeypatch, refused_write):
    """EINVAL from a direct write (no direct I/O after all, or a short write that left the
    next one unaligned): the copy goes on through the cache from the chunk that failed."""
    writes = []
    real_pwrite = os.pwrite

    def pwrite(fd, data, offset):
        writes.append(offset)
        if len(writes) == refused_write:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    monkeypatch.setattr(kernel, "clone_range", lambda *args: False)  # btrfs and XFS too
    data = os.urandom(9 * 1024 * 1024 + 5)
    target = copied(tmp_path, data, BLOCK)
    assert target.read_bytes() == b"\x07" * BLOCK + data
    if not writes:
        pytest.skip(f"no direct I/O on {file_system(tmp_path)}")
    assert len(writes) == refused_write  # no direct write after the refused one


def digesting(digests: list):
    """digest_copy as a copier for `copied`; the digest it fed goes to `digests`."""

    def copier(in_fd: int, out_fd: int, offset: int) -> int:
        digest = ContentDigest()
        digests.append(digest)
        return digest_copy(in_fd, out_fd, offset, digest)

    return copier


@pytest.mark.parametrize("size", [0, 1, BLOCK - 1, BLOCK + 1, 9 * 1024 * 1024 + 123])
@pytest.mark.parametrize("offset", [0, BLOCK, 123])
def test_a_digesting_copy_lands_the_bytes_and_digests_each_once(tmp_path, size, offset):
    data, digests = os.urandom(size), []
    target = copied(tmp_path, data, offset, copier=digesting(digests))
    assert target.read_bytes() == b"\x07" * offset + data
    assert digests[0].size == size  # each window once, whatever the windows (4 MiB)
    assert digests[0].sha1_hex == hashlib.sha1(data).hexdigest().upper()


def test_a_digesting_copy_goes_around_the_page_cache(tmp_path):
    if not file_system(tmp_path).startswith("ext"):
        pytest.skip(f"direct I/O is what ext4 gets, not {file_system(tmp_path)}")
    target = copied(tmp_path, os.urandom(9 * 1024 * 1024 + 100), BLOCK, copier=digesting([]))
    pages = cached_pages(target)
    assert not any(pages[1:-1]), f"{sum(pages[1:-1])} of {len(pages) - 2} copied pages were cached"


@pytest.mark.parametrize("refused_write", [1, 2])
def test_a_digesting_copy_whose_direct_write_is_refused_goes_on_through_the_cache(tmp_path, monkeypatch, refused_write):
    if not file_system(tmp_path).startswith("ext"):  # the refusal is only taken back from a direct write
        pytest.skip(f"direct I/O is what ext4 gets, not {file_system(tmp_path)}")
    writes = []
    real_pwrite = os.pwrite

    def pwrite(fd, data, offset):
        writes.append(bool(fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_DIRECT))
        if len(writes) == refused_write:
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_pwrite(fd, data, offset)

    monkeypatch.setattr(os, "pwrite", pwrite)
    data, digests = os.urandom(9 * 1024 * 1024 + 5), []
    target = copied(tmp_path, data, BLOCK, copier=digesting(digests))
    assert target.read_bytes() == b"\x07" * BLOCK + data
    assert digests[0].sha1_hex == hashlib.sha1(data).hexdigest().upper()
    assert writes[0] and not any(writes[refused_write:])  # direct, then through the cache only
