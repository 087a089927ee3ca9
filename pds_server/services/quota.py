"""A drive's quota: `used_size` counts stored bytes (every revision of every file, each at
its own size, even where equal content shares one blob), `reserved_size` bytes held for
uploads in progress. Every change takes the drive row's lock, so parallel creates, copies and
completes can never push a drive past `total_size` (None: unlimited)."""

from __future__ import annotations

from django.db.models import F

from pds_server import errors
from pds_server.models import Drive


def quota_exhausted() -> errors.PdsError:
    return errors.Forbidden("The drive does not have enough space.", code="QuotaExhausted.Drive")


def quota_reserve(*, drive: Drive, amount: int) -> None:
    """Hold `amount` bytes for an upload. Call inside a transaction."""
    locked = Drive.objects.select_for_update().get(pk=drive.pk)
    if locked.total_size is not None and locked.used_size + locked.reserved_size + amount > locked.total_size:
        raise quota_exhausted()
    if amount:
        Drive.objects.filter(pk=drive.pk).update(reserved_size=F("reserved_size") + amount)


def quota_settle(*, drive: Drive, growth: int, reserved: int = 0) -> None:
    """Release a hold of `reserved` bytes and count `growth` stored bytes (negative when
    bytes were freed); growth beyond the free space is refused. Call inside a transaction."""
    locked = Drive.objects.select_for_update().get(pk=drive.pk)
    free_after = (
        None if locked.total_size is None else locked.total_size - locked.used_size - (locked.reserved_size - reserved)
    )
    if growth > 0 and free_after is not None and growth > free_after:
        raise quota_exhausted()
    if reserved or growth:
        Drive.objects.filter(pk=drive.pk).update(
            reserved_size=F("reserved_size") - reserved, used_size=F("used_size") + growth
        )


def quota_room(*, drive: Drive) -> int | None:
    """Bytes free beyond what is used and held, or None when unlimited."""
    drive.refresh_from_db(fields=["used_size", "reserved_size", "total_size"])
    if drive.total_size is None:
        return None
    return drive.total_size - drive.used_size - drive.reserved_size
