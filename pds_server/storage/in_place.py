"""Joining an upload's parts where the disk has no room for a second copy: the first
part's file is renamed to a scratch name (which claims the parts: a second complete finds
part 1 gone) and every other part is appended to it, then removed, so the join needs at
most one part's worth of free space. The scratch file is then the blob's bytes.

Until the complete commits, the parts can be had back: on any failure they are split off
the scratch file's tail again, a chunk at a time (each chunk written, then cut off the
scratch file), so that putting them back needs no more room than taking them did.
"""

from __future__ import annotations

import logging
import os

from pds_server.storage.base import PartMissing
from pds_server.storage.digest import CHUNK, ContentDigest
from pds_server.storage.kernel import copy_file, digest_range, write_all_at

log = logging.getLogger(__name__)


class PartsJoinedInPlace:
    def __init__(self, paths: list[str], scratch: str, *, file_mode: int | None):
        self.paths, self.scratch, self.file_mode = paths, scratch, file_mode
        self.sizes: list[int] = []
        self.consumed = 0  # parts 2.. appended to the scratch file and removed
        self.claimed = False

    def join(self, *, known: ContentDigest | None = None) -> ContentDigest:
        """Claim, append and digest the parts (each byte read once, from the scratch file),
        or only claim and append them when their digest is `known`."""
        try:
            self.sizes = [os.stat(path).st_size for path in self.paths]
            os.rename(self.paths[0], self.scratch)
        except FileNotFoundError as error:
            raise PartMissing(str(error)) from error
        self.claimed = True
        digest = known or ContentDigest()
        out = os.open(self.scratch, os.O_RDWR)
        try:
            offset = self.sizes[0]
            if known is None:
                digest_range(out, 0, offset, digest)
            for index in range(1, len(self.paths)):
                with open(self.paths[index], "rb", buffering=0) as part:
                    copied = copy_file(part.fileno(), out, offset)
                if copied != self.sizes[index]:
                    raise PartMissing("a part changed while the parts were joined")
                os.unlink(self.paths[index])
                self.consumed = index
                if known is None:
                    digest_range(out, offset, offset + copied, digest)
                offset += copied
            if known is not None and offset != known.size:
                raise PartMissing("the parts are not those digested")
        finally:
            os.close(out)
        return digest

    def restore(self) -> None:
        """Put the parts back as they were. Never raises: a failure is logged, and what is
        left (a scratch file, part rows without files) is what `pds_fsck` reports."""
        if not self.claimed:
            return
        try:
            fd = os.open(self.scratch, os.O_RDWR)
            try:
                os.ftruncate(fd, sum(self.sizes[: self.consumed + 1]))  # drop a part appended halfway
                for index in range(self.consumed, 0, -1):
                    self.split_off(fd, index)
            finally:
                os.close(fd)
            os.rename(self.scratch, self.paths[0])
            self.claimed = False
        except OSError:
            log.exception("Could not put the parts of %s back", os.path.dirname(self.scratch))

    def split_off(self, fd: int, index: int) -> None:
        start = sum(self.sizes[:index])
        part = os.open(self.paths[index], os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            if self.file_mode is not None:
                os.fchmod(part, self.file_mode)
            end = start + self.sizes[index]
            while end > start:
                piece = max(start, end - CHUNK)
                write_all_at(part, os.pread(fd, end - piece, piece), piece - start)
                os.ftruncate(fd, piece)
                end = piece
        finally:
            os.close(part)
        self.consumed = index - 1
