"""Blobs on local disk (Django's FileSystemStorage).

A part's body is written under a temporary name and renamed when whole, so a killed PUT
leaves a `tmp-` file the cleanup recognises, never a part cut short under a part's name.

An upload's parts are read once, in order, for the digest. Where the disk has room for a
second copy, they are meanwhile copied, on the other core, into a scratch file (a clone
on btrfs or XFS; elsewhere written around the page cache, storage.kernel.copy_file_uncached;
a single part is its own concatenation), and keeping the blob is a hard link to its final
name: no second read, and the final name never shows a half-written file. Part and scratch
names are never reused and their files never rewritten, so the linked bytes are the
digested bytes. Where it has no room, the parts are appended to the first one in place
(storage.in_place).
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, BinaryIO

from pds_server.storage.base import (
    FULL_ERRNOS,
    SCRATCH_PREFIX,
    TEMP_PREFIX,
    Assembled,
    BlobStore,
    PartMissing,
    StorageFull,
    StoredFile,
)
from pds_server.storage.digest import CHUNK, ContentDigest, Digests, StreamFile, StreamingReader
from pds_server.storage.in_place import PartsJoinedInPlace
from pds_server.storage.kernel import (
    Concatenation,
    copy_file,
    copy_file_uncached,
    digest_copy,
    digest_file,
    digest_files,
    free_space,
    remove_file,
    write_all,
)

# Free space a complete leaves to everything else before it joins parts in place instead.
COPY_HEADROOM = 64 * CHUNK


def file_size(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None


class LocalBlobStore(BlobStore):
    storage: Any  # django.core.files.storage.FileSystemStorage

    def open_stream(self, name: str, start: int = 0, length: int | None = None) -> BinaryIO:
        handle = self.storage.open(name, "rb")
        if start:
            handle.seek(start)
        return handle

    def local_path(self, name: str) -> str | None:
        return self.storage.path(name)

    def list_files(self, prefix: str) -> Iterator[StoredFile]:
        location = os.path.abspath(self.storage.location)
        for directory, _, file_names in os.walk(self.storage.path(prefix)):
            for file_name in file_names:
                path = os.path.join(directory, file_name)
                try:
                    stat = os.lstat(path)
                except FileNotFoundError:
                    continue
                name = os.path.relpath(path, location).replace(os.sep, "/")
                yield StoredFile(name, stat.st_size, max(stat.st_mtime, stat.st_ctime))

    def save_stream(self, prefix: str, reader: StreamingReader) -> str:
        name = f"{prefix}{secrets.token_hex(8)}"
        path = self.storage.path(name)
        temp = os.path.join(os.path.dirname(path), TEMP_PREFIX + os.path.basename(path))
        try:
            self.make_dirs(os.path.dirname(path))
            with self.open_new(temp) as out:
                while data := reader.read(CHUNK):
                    write_all(out.fileno(), data)
            os.rename(temp, path)
        except BaseException as error:
            remove_file(temp)  # the partial part goes at once
            if isinstance(error, OSError) and error.errno in FULL_ERRNOS:
                raise StorageFull(str(error)) from error
            raise
        return name

    def save_file(self, prefix: str, source: str, fd: int, digest: ContentDigest | Digests) -> str:
        """Digest the file from the page cache, then rename it to the fresh name (on another
        file system: copied under a temporary name, renamed, and the original removed)."""
        with open(fd, "rb", buffering=0, closefd=False) as handle:
            digest_file(handle, digest)
        name = f"{prefix}{secrets.token_hex(8)}"
        path = self.storage.path(name)
        self.make_dirs(os.path.dirname(path))
        try:
            os.rename(source, path)
        except FileNotFoundError as error:  # nginx removed it: the client went away
            raise PartMissing("the part file was removed before it was taken") from error
        except OSError as error:
            if error.errno != errno.EXDEV:
                raise
            temp = os.path.join(os.path.dirname(path), TEMP_PREFIX + os.path.basename(path))
            try:
                with self.open_new(temp) as out:
                    copy_file(fd, out.fileno(), 0)
                os.rename(temp, path)
            except BaseException as copy_error:
                remove_file(temp)
                if isinstance(copy_error, OSError) and copy_error.errno in FULL_ERRNOS:
                    raise StorageFull(str(copy_error)) from copy_error
                raise
            remove_file(source)
            return name
        if os.stat(path).st_ino != os.fstat(fd).st_ino:  # the file was swapped meanwhile
            remove_file(path)
            raise PartMissing("the part file changed while it was taken")
        if self.storage.file_permissions_mode is not None:
            os.chmod(path, self.storage.file_permissions_mode)
        return name

    def digest_stored(self, name: str, digest: ContentDigest) -> None:
        with open(self.storage.path(name), "rb", buffering=0) as part:
            digest_file(part, digest)

    def delete_many(self, names: list[str]) -> None:
        """Several at a time: removing a 64 MiB part frees its cached pages, about 3 ms of
        the kernel's CPU each, 50 ms of a 1 GiB upload's `complete` one after another (the
        unlinks release the GIL)."""
        if len(names) < 4:
            super().delete_many(names)
            return
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 2)) as pool:
            for _ in pool.map(self.delete, names):  # re-raises the first error
                pass

    assembles = True

    def assemble_start(self, scratch: str) -> None:
        path = self.storage.path(scratch)
        self.make_dirs(os.path.dirname(path))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            if self.storage.file_permissions_mode is not None:
                os.fchmod(fd, self.storage.file_permissions_mode)
        finally:
            os.close(fd)

    @contextmanager
    def scratch_writable(self, scratch: str) -> Iterator[int | None]:
        """`scratch` open for writing with its lock held, or None once it is gone or taken.
        Every write into a scratch file and complete's taking it (a rename) hold the lock, so
        a writer that checked the upload's row under it writes before the file is taken or
        not at all (it then finds the name gone or naming another file)."""
        path = self.storage.path(scratch)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            yield None
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            opened = os.fstat(fd)
            try:
                named = os.stat(path)
            except FileNotFoundError:
                named = None
            same = named is not None and (named.st_dev, named.st_ino) == (opened.st_dev, opened.st_ino)
            yield fd if same else None
        finally:
            os.close(fd)  # and with it the lock

    @contextmanager
    def folder_locked(self, folder: str, *, wait: bool = True) -> Iterator[bool | None]:
        # flock on the directory itself: nothing is created in it, so nothing can outlive it.
        try:
            fd = os.open(self.storage.path(folder), os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        except FileNotFoundError:
            yield False
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield None
                return
            except OSError:
                pass  # a file system without locks on directories: unlocked, as before there were any
            yield True
        finally:
            os.close(fd)  # and with it the lock

    def assemble_part(self, scratch: str, name: str, offset: int, current: Callable[[], bool]) -> bool:
        path = self.storage.path(scratch)
        try:
            with open(self.storage.path(name), "rb", buffering=0) as part:
                size = os.fstat(part.fileno()).st_size
                if free_space(os.path.dirname(path)) < size + COPY_HEADROOM:
                    return False
                with self.scratch_writable(scratch) as fd:
                    # Asked with both open and the lock held, so the bytes copied are those
                    # of the part the scratch file's epoch covers.
                    return fd is not None and current() and copy_file_uncached(part.fileno(), fd, offset) == size
        except OSError as error:
            if isinstance(error, FileNotFoundError) or error.errno in FULL_ERRNOS:
                return False
            raise

    def digest_assembled(self, name: str, digest: ContentDigest, scratch_fd: int, offset: int) -> bool:
        """Feed part `name` to `digest` and copy it into the scratch file open as
        `scratch_fd` (its lock held: scratch_writable) at `offset`, in one read; False when
        the disk has no room for the copy (seen before reading, or by a write: `digest` may
        then hold part of the file)."""
        with open(self.storage.path(name), "rb", buffering=0) as part:
            room = os.fstatvfs(scratch_fd)
            if room.f_bavail * room.f_frsize < os.fstat(part.fileno()).st_size + COPY_HEADROOM:
                return False
            try:
                digest_copy(part.fileno(), scratch_fd, offset, digest)
            except OSError as error:
                if error.errno in FULL_ERRNOS:  # as assemble_part: the part is digested alone
                    return False
                raise
        return True

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
        paths = [self.storage.path(name) for name in names]
        if not paths:
            with super().parts_assembled(names, scratch_folder=scratch_folder) as assembled:
                yield assembled
            return
        scratch = self.storage.path(f"{scratch_folder}/{SCRATCH_PREFIX}{secrets.token_hex(8)}")
        # The parts copied ahead of time become this complete's own scratch file (a second
        # complete at once finds it gone and copies the parts itself).
        if (
            preassembled
            and known is not None
            and self.scratch_taken(preassembled, scratch, known, preassembled_current)
        ):
            try:
                yield Assembled(known, store=self, names=names, source_path=scratch)
            finally:
                remove_file(scratch)  # the blob is a link to it, or equal content was stored before
            return
        if len(paths) == 1:
            try:
                digest = known if known is not None and os.stat(paths[0]).st_size == known.size else None
                digest = digest or digest_files(paths)
            except FileNotFoundError as error:
                raise PartMissing(str(error)) from error
            yield Assembled(digest, store=self, names=names, source_path=paths[0])
            return
        room = self.room_for_copy(paths)
        copied = self.copy_assembled(names, paths, scratch, known=known) if room else None
        if copied is not None:
            try:
                yield copied
            finally:
                remove_file(scratch)
            return
        joined = PartsJoinedInPlace(paths, scratch, file_mode=self.storage.file_permissions_mode)
        try:
            digest = joined.join(known=known)
            yield Assembled(digest, store=self, names=names, source_path=scratch)
        except BaseException:
            joined.restore()
            raise
        remove_file(scratch)  # the blob is a link to it, or equal content was stored before

    def scratch_taken(
        self, preassembled: str, scratch: str, known: ContentDigest, current: Callable[[], bool] | None
    ) -> bool:
        """Rename the file of parts copied ahead of time to `scratch`; whether it holds them.
        Once renamed, no copy into it starts unseen: `current()` then says whether the parts
        it was made of are still the upload's (no part sent again meanwhile)."""
        with self.scratch_writable(preassembled) as fd:
            if fd is None:
                return False
            os.rename(self.storage.path(preassembled), scratch)
        if file_size(scratch) == known.size and (current is None or current()):
            return True
        remove_file(scratch)
        return False

    def room_for_copy(self, paths: list[str]) -> bool:
        try:
            total = sum(os.stat(path).st_size for path in paths)
        except FileNotFoundError as error:
            raise PartMissing(str(error)) from error
        return free_space(os.path.dirname(paths[0])) >= total + COPY_HEADROOM

    def copy_assembled(
        self, names: list[str], paths: list[str], scratch: str, *, known: ContentDigest | None = None
    ) -> Assembled | None:
        """The parts digested (unless their digest is `known`) while the kernel copies them
        into `scratch`; None when the disk filled up meanwhile (the caller then joins them in
        place)."""
        try:
            with self.open_new(scratch) as out:
                copy = Concatenation(paths, out.fileno())
                copy.start()
                try:
                    digest = known if known is not None else digest_files(paths)
                finally:
                    copy.join()  # never leave it writing to a closed descriptor
                copy.raise_error()
                if os.fstat(out.fileno()).st_size != digest.size:
                    raise PartMissing("the copy of the parts came out short")
        except FileNotFoundError as error:
            remove_file(scratch)
            raise PartMissing(str(error)) from error
        except OSError as error:
            remove_file(scratch)
            if error.errno in FULL_ERRNOS:
                return None
            raise
        except Exception:
            remove_file(scratch)
            raise
        return Assembled(digest, store=self, names=names, source_path=scratch)

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

    def folder_clear(self, folder: str) -> None:
        path = self.storage.path(folder)
        if not os.path.isdir(path):
            return
        for entry in os.scandir(path):
            if entry.is_file(follow_symlinks=False):
                remove_file(entry.path)
        try:
            os.rmdir(path)
        except OSError:  # a PUT that lost the race to the upload's end is writing there
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
