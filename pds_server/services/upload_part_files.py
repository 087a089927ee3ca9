"""Part bodies nginx wrote to disk (PDS_NGINX_PART_DIR): nginx's part location writes the
body to a file in that directory and passes its path (`X-Pds-Part-File`) and length
(`X-Pds-Part-Length`) instead of the body. The PDS checks the file, takes its CRC-64 (the
ETag) from the page cache and renames it into the upload's part storage: Python never
copies the bytes. Its SHA-1 is taken in the background (services.upload_digest). Every
check of the streaming path applies, before anything is kept; a refused file is left where
it is, and nginx removes it at the end of the request.

nginx creates these files 0600 as its worker user: its workers must run as the PDS's user.
"""

from __future__ import annotations

import errno
import os
import stat

from django.conf import settings

from pds_server import errors
from pds_server.services.blobs import storage_full
from pds_server.services.upload_digest import chain_for_part
from pds_server.services.upload_targets import part_allowance, part_target, part_too_large
from pds_server.services.uploads import part_record, upload_folder
from pds_server.storage import PartMissing, StorageFull, blob_store
from pds_server.storage.digest import ContentDigest, Digests

UNREADABLE = "nginx part file unreadable: run nginx workers as the PDS user (PDS_NGINX_PART_DIR)."


def refused(message: str) -> errors.PdsError:
    return errors.InvalidParameter(message, code="InvalidParameter.PartFile")


def part_file_open(path: str, length: int) -> int:
    """Open the part file nginx named, after checking that it lies under PDS_NGINX_PART_DIR
    and is a regular file of `length` bytes with no other link and no symlink on the way."""
    root = os.path.realpath(settings.PDS_NGINX_PART_DIR)
    if not os.path.isabs(path) or os.path.commonpath([root, os.path.realpath(path)]) != root:
        raise refused("The part file is not in the part directory.")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except PermissionError:
        raise errors.PdsError(UNREADABLE, code="InternalError", status=500) from None
    except OSError as error:
        if error.errno == errno.EACCES:
            raise errors.PdsError(UNREADABLE, code="InternalError", status=500) from None
        raise refused(f"The part file cannot be opened: {error.strerror}.") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1 or info.st_size != length:
        os.close(fd)
        raise refused("The part file is not a single regular file of the announced length.")
    return fd


def part_check(*, upload_id: str, part_number: int, length: str | None) -> None:
    """Before nginx reads a part's body (its auth_request): the upload is open, the part
    number in range, and the announced length within what the part may take. The same
    checks run again when the file arrives (part_store_file)."""
    if not length or not length.isdigit():
        raise errors.InvalidParameter("X-Pds-Part-Length is missing.", code="InvalidParameter.ContentLength")
    if int(length) > part_allowance(upload_id, part_number):
        raise part_too_large()


def part_store_file(*, upload_id: str, part_number: int, path: str, length: str | None) -> str:
    """Take one part's body from the file nginx wrote; returns its ETag, as `part_store`."""
    if not length or not length.isdigit():
        raise errors.InvalidParameter("X-Pds-Part-Length is missing.", code="InvalidParameter.ContentLength")
    size = int(length)
    upload, allowed = part_target(upload_id, part_number)
    fd = part_file_open(path, size)
    try:
        if size > allowed:
            raise part_too_large()
        # On local disk only the CRC (the ETag) before the answer: the SHA-1 runs in the
        # background (the digest chain) while the client sends the next part. A remote store
        # is sent the bytes now, and the chain takes them on the way.
        store = blob_store()
        digest = ContentDigest(sha1=False)
        chain = chain_for_part(upload, part_number) if store.local_path(upload_folder(upload)) is None else None
        digests = Digests(digest, chain.digest) if chain is not None else Digests(digest)
        try:
            name = store.save_file(f"{upload_folder(upload)}/{part_number:05d}-", path, fd, digests)
        except StorageFull:
            raise storage_full() from None
        except PartMissing:
            raise refused("The part file changed while it was taken.") from None
        except PermissionError:
            raise errors.PdsError(UNREADABLE, code="InternalError", status=500) from None
    finally:
        os.close(fd)
    if digest.size != size:
        store.delete(name)
        raise refused("The part file changed while it was taken.")
    etag = f'"{digest.crc64_hex}"'
    part_record(upload, part_number, name=name, size=size, etag=etag, chain=chain)
    return etag
