"""Uploads from the browser, through Drive to the PDS.

By default the browser never sees a PDS URL: each part is PUT to Drive, which asks the PDS
for a fresh signed part URL and streams the body on without buffering it (so neither the
access token nor a 15-minute part URL can expire under a long upload). With
DRIVE_UPLOAD_MODE=direct, browsers that can reach the PDS get the part URLs themselves.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from typing import Any, Protocol

from django.conf import settings
from django.core.cache import cache

from accounts.user_pds import UserPds
from files.errors import PartCutShort
from pds_client import errors as pds_errors

log = logging.getLogger(__name__)
JSON = dict[str, Any]
STREAM_CHUNK = 1024 * 1024
# The part URLs file/create signs that nginx's part check (files.part_route) may reuse: the
# first ones of an upload, for a few minutes, 32 to a cache entry (part_urls_keep).
KEPT_PART_URLS = 256
KEPT_PART_URLS_PER_ENTRY = 32
CHECK_NAME_MODES = ("refuse", "auto_rename", "overwrite")


class Readable(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


def proof_offset(token: str, size: int) -> int:
    """Legacy proof v1 reads 8 bytes at this offset; the browser learns the offset, never the token."""
    return int(hashlib.md5(token.encode()).hexdigest()[:16], 16) % size if size else 0


def upload_start(
    *,
    pds: UserPds,
    parent_id: str,
    name: str,
    size: int,
    part_count: int,
    check_name_mode: str,
    pre_hash: str = "",
    content_hash: str = "",
    proof_code: str | None = None,
) -> JSON:
    body: JSON = {
        "drive_id": pds.drive_id,
        "parent_file_id": parent_id,
        "name": name,
        "size": size,
        "part_info_list": [{"part_number": n} for n in range(1, max(part_count, 1) + 1)],
        "check_name_mode": check_name_mode if check_name_mode in CHECK_NAME_MODES else "refuse",
    }
    if content_hash:
        body.update(content_hash=content_hash, content_hash_name="sha1")
        if proof_code is not None:
            body.update(proof_code=proof_code, proof_version="v1")
    elif pre_hash:
        body["pre_hash"] = pre_hash
    try:
        created = pds.files.create_file(body)
    except pds_errors.PreHashMatched:
        # The proof is computed against the token the PDS will see with the content hash.
        return {"pre_hash_matched": True, "proof_offset": proof_offset(pds.access_token(), size)}
    answer: JSON = {
        "file_id": created["file_id"],
        "upload_id": created.get("upload_id", ""),
        "name": created.get("file_name", name),
        "exist": bool(created.get("exist")),
        "rapid_upload": bool(created.get("rapid_upload")),
    }
    if settings.DRIVE_UPLOAD_MODE == "direct":
        parts = created.get("part_info_list", [])
        answer["part_urls"] = {str(part["part_number"]): part["upload_url"] for part in parts}
    elif settings.DRIVE_PART_ROUTE == "nginx" and answer["upload_id"]:
        part_urls_keep(pds=pds, file_id=answer["file_id"], upload_id=answer["upload_id"], created=created)
    return answer


def part_urls_key(pds: UserPds, file_id: str, upload_id: str, part_number: int) -> str:
    """The cache entry holding this part's kept URL, with those of its group of parts."""
    group = (part_number - 1) // KEPT_PART_URLS_PER_ENTRY
    return f"drive:part-urls:{pds.user.pk}:{pds.drive_id}:{file_id}:{upload_id}:{group}"


def part_urls_keep(*, pds: UserPds, file_id: str, upload_id: str, created: JSON) -> None:
    """Keep the part URLs file/create signed for this user's new upload (the PDS checked the
    upload is theirs as it made it), so that nginx's part check need not ask the PDS for
    each part again: that call was 8 of its 15 ms a part. Kept in the cache under the user,
    the drive and the upload, a few entries of 32 URLs each (so as not to crowd a file cache
    whose culling would drop the throttles' counters), for DRIVE_PART_URL_CACHE_SECONDS, well
    within the URLs' own lifetime; one that expired all the same only sends its part through
    Drive (a PDS 403 makes nginx stream it), where a fresh URL is asked for. Until then a
    kept URL takes parts whatever the user's rights became meanwhile, as it would have in
    the browser's hands in direct mode; `complete` checks them again."""
    if settings.DRIVE_PART_URL_CACHE_SECONDS <= 0:
        return
    try:
        entries: dict[str, dict[int, str]] = {}
        for part in (created.get("part_info_list") or [])[:KEPT_PART_URLS]:
            number, url = int(part.get("part_number") or 0), part.get("upload_url")
            if number > 0 and isinstance(url, str):
                entries.setdefault(part_urls_key(pds, file_id, upload_id, number), {})[number] = url
        cache.set_many(entries, timeout=settings.DRIVE_PART_URL_CACHE_SECONDS)
    except Exception:  # an unreachable cache costs the PDS calls it would have saved
        log.warning("Part URLs not kept: the cache is unavailable, or file/create's answer unexpected")


def uploaded_parts(*, pds: UserPds, file_id: str, upload_id: str) -> list[JSON]:
    parts = pds.files.uploaded_parts(pds.drive_id, file_id, upload_id)["uploaded_parts"]
    return [{"part_number": part["part_number"], "size": part["part_size"]} for part in parts]


def part_url(*, pds: UserPds, file_id: str, upload_id: str, part_number: int, kept: bool = False) -> str:
    """A signed PDS URL for one part of the user's upload: with `kept`, one file/create made
    for this user, drive and upload a few minutes ago (part_urls_keep), else a fresh one
    (the PDS checks the upload is theirs and still open)."""
    if kept and settings.DRIVE_PART_URL_CACHE_SECONDS > 0:
        try:
            group = cache.get(part_urls_key(pds, file_id, upload_id, part_number))
        except Exception:
            log.warning("Part URL not looked up: the cache is unavailable")
            group = None
        known = group.get(part_number) if isinstance(group, dict) else None
        if isinstance(known, str):
            return known
    urls = pds.files.upload_urls(pds.drive_id, file_id, upload_id, [part_number])
    url: str = urls["part_info_list"][0]["upload_url"]
    return url


def part_forward(*, pds: UserPds, file_id: str, upload_id: str, part_number: int, body: Readable, length: int) -> str:
    """Stream one part from the browser's request to a fresh PDS part URL; returns its ETag."""
    url = part_url(pds=pds, file_id=file_id, upload_id=upload_id, part_number=part_number)
    return pds.client.upload_part(url, _chunks(body, length), size=length)


def _chunks(body: Readable, length: int) -> Iterator[bytes]:
    remaining = length
    while remaining > 0:
        data = body.read(min(STREAM_CHUNK, remaining))
        if not data:
            raise PartCutShort("The part was cut short.")
        remaining -= len(data)
        yield data


def upload_finish(*, pds: UserPds, file_id: str, upload_id: str) -> JSON:
    return pds.files.complete(pds.drive_id, file_id, upload_id)


def upload_cancel(*, pds: UserPds, file_id: str, upload_id: str) -> None:
    """Cancel an upload and release its quota hold now, not at its expiry. A new file is
    deleted while it is still uploading (the PDS discards its upload with it); a file that
    an upload would have replaced answers `file/get`, and is never deleted here."""
    try:
        pds.files.get(pds.drive_id, file_id)
        return  # the file is available: the upload was to replace it, and expires on its own
    except pds_errors.NotFound:
        pass
    try:
        pds.files.delete(pds.drive_id, file_id)
    except pds_errors.NotFound:
        pass  # discarded or expired already


def folder_ensure(*, pds: UserPds, parent_id: str, name: str) -> str:
    """mkdir -p for folder uploads: the existing folder of that name, or a new one."""
    file_id: str = pds.files.create_folder(pds.drive_id, parent_id, name, check_name_mode="refuse")["file_id"]
    return file_id
