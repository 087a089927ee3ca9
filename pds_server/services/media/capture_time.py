"""When a photo or video was taken, when its bytes do not say: a date in its name (camera
and phone names such as IMG_20210704_183000.jpg, PXL_20210704_103000123.jpg,
2021-07-04 18.30.00.jpg, Screenshot_2021-07-04-18-30-00.png, WhatsApp Image 2021-07-04 at
18.30.00.jpeg), else the file's own time."""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Year 1990-2099, then month, day, and optionally hour, minute, second, each with at
# most one separator between; the digits must not run on into a longer number.
_NAME_DATE = re.compile(
    r"(?<!\d)(?P<y>19[9]\d|20\d\d)[-_.]?(?P<mo>0[1-9]|1[0-2])[-_.]?(?P<d>0[1-9]|[12]\d|3[01])"
    r"(?:(?:[-_. T]|\sat\s)?(?P<h>[01]\d|2[0-3])[-_.:h]?(?P<mi>[0-5]\d)[-_.:m]?(?P<s>[0-5]\d))?(?!\d{3})"
)


def time_from_name(name: str) -> datetime | None:
    """The wall-clock time a file name holds, as UTC (the zone is unknown), or None."""
    for match in _NAME_DATE.finditer(name):
        parts = match.groupdict()
        try:
            return datetime(
                int(parts["y"]),
                int(parts["mo"]),
                int(parts["d"]),
                int(parts["h"] or 0),
                int(parts["mi"] or 0),
                int(parts["s"] or 0),
                tzinfo=UTC,
            )
        except ValueError:  # 2021-02-30
            continue
    return None


# A capture time outside these years is a wrong clock or a crafted value: not believed
# (and a year past 9999 in UTC would be a row no database driver can read back).
EARLIEST_YEAR, LATEST_YEAR = 1826, 2200


def believable(moment: datetime | None) -> datetime | None:
    """`moment` in UTC when it is a time a photo can have been taken, else None."""
    if moment is None:
        return None
    try:
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return moment if EARLIEST_YEAR <= moment.year <= LATEST_YEAR else None


def time_from_file(local_created_at: str, local_modified_at: str, created_at: datetime) -> datetime:
    """The file's own time: when the device said it was made (if believable), else when it
    reached the drive."""
    for text in (local_created_at, local_modified_at):
        if text:
            try:
                moment = believable(datetime.fromisoformat(text.replace("Z", "+00:00")))
            except ValueError:
                continue
            if moment is not None:
                return moment
    return created_at
