"""Per-user caps on uploads in progress and on signed part URLs still alive, so that one
client cannot hold unbounded upload records, quota reservations or valid signatures.

Open uploads are counted in the database. Part URLs are signed, not stored, so those
handed out are counted in the shared cache, by the minute, over the URLs' lifetime: the
count holds across processes and machines and forgets URLs once they have expired.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, Upload


def uploader_key(*, drive: Drive, user_id: str) -> str:
    """Whose budget an upload counts against: the user, or the drive for a service token."""
    return f"user:{user_id}" if user_id else f"drive:{drive.pk}"


def open_uploads_check(*, drive: Drive, user_id: str) -> None:
    """Refuse a new upload to a user with PDS_MAX_OPEN_UPLOADS_PER_USER open already."""
    open_uploads = Upload.objects.filter(completed_at__isnull=True, expires_at__gt=timezone.now())
    open_uploads = open_uploads.filter(file__creator=user_id) if user_id else open_uploads.filter(file__drive=drive)
    limit = settings.PDS_MAX_OPEN_UPLOADS_PER_USER
    if open_uploads.count() >= limit:
        raise errors.PdsError(
            f"There are {limit} uploads in progress already: complete or cancel some first.",
            code="TooManyRequests.OpenUploads",
            status=429,
        )


def part_urls_allow(*, key: str, count: int) -> None:
    """Count `count` part URLs about to be signed for `key`, or refuse them when more than
    PDS_MAX_PART_URLS_PER_USER would then be alive."""
    lifetime = settings.PDS_UPLOAD_URL_LIFETIME
    minute = int(time.time()) // 60
    prefix = "pds:part-urls:" + hashlib.sha256(key.encode()).hexdigest()[:32]
    keys = [f"{prefix}:{each}" for each in range(minute - lifetime // 60 - 1, minute + 1)]
    alive = sum(cache.get_many(keys).values())
    limit = settings.PDS_MAX_PART_URLS_PER_USER
    if alive + count > limit:
        raise errors.PdsError(
            f"More than {limit} upload URLs would be valid at once: use those given, or wait for them to expire.",
            code="TooManyRequests.PartUrls",
            status=429,
        )
    if not cache.add(keys[-1], count, timeout=lifetime + 120):
        try:
            cache.incr(keys[-1], count)
        except ValueError:  # expired between the two calls
            cache.set(keys[-1], count, timeout=lifetime + 120)
