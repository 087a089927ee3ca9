"""The upload a part PUT names and how many bytes the part may take: for the PUT itself
(part_target) and for the check nginx makes before it reads a part's body
(part_allowance)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import F, Sum
from django.utils import timezone

from pds_server import errors
from pds_server.models import Upload, UploadPart

MAX_PART_SIZE = 5 * 1024**3  # as OSS and the legacy SDK


def part_target(upload_id: str, part_number: int) -> tuple[Upload, int]:
    """The open upload a part PUT names, and how many bytes the part may hold (the declared
    size and the drive's free space, less the other parts). Its drive's numbers come with
    it, as columns: building the File and Drive models cost more than the query."""
    upload = (
        Upload.objects.filter(upload_id=upload_id)
        .annotate(
            drive_total=F("file__drive__total_size"),
            drive_used=F("file__drive__used_size"),
            drive_held=F("file__drive__reserved_size"),
        )
        .first()
    )
    if upload is None:
        raise upload_gone()
    open_part_check(upload.completed_at, upload.expires_at, upload.part_count, part_number)
    total, used, held = (getattr(upload, name) for name in ("drive_total", "drive_used", "drive_held"))
    return upload, part_allowed(
        upload.pk,
        part_number,
        declared_size=upload.declared_size,
        reserved_size=upload.reserved_size,
        room=room_of(total, used, held),
    )


def room_of(total: int | None, used: int, held: int) -> int | None:
    """A drive's free bytes beyond what is used and held (quota_room), None when unlimited."""
    return None if total is None else total - used - held


def part_allowance(upload_id: str, part_number: int) -> int:
    """part_target's allowance alone, for the check nginx makes before it reads a part's
    body: the upload's and its drive's columns in one query, no models built (the check was
    8 ms a part, on the way of every part sent straight to the PDS)."""
    row = (
        Upload.objects.filter(upload_id=upload_id)
        .values_list(
            "pk",
            "completed_at",
            "expires_at",
            "part_count",
            "declared_size",
            "reserved_size",
            "file__drive__total_size",
            "file__drive__used_size",
            "file__drive__reserved_size",
        )
        .first()
    )
    if row is None:
        raise upload_gone()
    pk, completed_at, expires_at, part_count, declared_size, reserved_size, total, used, held = row
    open_part_check(completed_at, expires_at, part_count, part_number)
    return part_allowed(
        pk, part_number, declared_size=declared_size, reserved_size=reserved_size, room=room_of(total, used, held)
    )


def upload_gone() -> errors.PdsError:
    return errors.NotFound("Upload", "The upload does not exist, has expired or is complete.")


def open_part_check(completed_at: datetime | None, expires_at: datetime, part_count: int, part_number: int) -> None:
    if completed_at is not None or expires_at <= timezone.now():
        raise upload_gone()
    if not 1 <= part_number <= part_count:
        raise errors.InvalidParameter("part_number out of range", code="InvalidParameter.PartNumber")


def part_allowed(
    upload_pk: int, part_number: int, *, declared_size: int | None, reserved_size: int, room: int | None
) -> int:
    others = (
        UploadPart.objects.filter(upload_id=upload_pk)
        .exclude(part_number=part_number)
        .aggregate(total=Sum("size"))["total"]
        or 0
    )
    allowed = MAX_PART_SIZE
    if declared_size is not None:
        allowed = min(allowed, declared_size - others)
    if room is not None:
        allowed = min(allowed, room + reserved_size - others)
    return max(allowed, 0)


def part_too_large() -> errors.PdsError:
    return errors.PdsError(
        "The parts are larger than the declared size or the drive's free space.",
        code="QuotaExhausted.Drive",
        status=403,
    )
