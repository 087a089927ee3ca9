"""The PDS's moments as text (pds-api.md section 1): for the JSON answers (serializers) and
for what services write for people to read back, such as the audit log's exports."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_ms(moment: datetime | None) -> str:
    """UTC, to the millisecond (cut, not rounded), with a Z: 2026-12-06T08:00:00.123Z."""
    if moment is None:
        return ""
    # isoformat is C and strftime is not: every file a listing serializes has several of these.
    # "...T08:00:00.123+00:00" -> "...T08:00:00.123Z"
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"
