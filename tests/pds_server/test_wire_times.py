"""The PDS's timestamps on the wire: UTC, milliseconds, a Z (pds_server/times.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pds_server.serializers import expire_time
from pds_server.times import iso_ms

BEIJING = timezone(timedelta(hours=8))


def test_a_moment_goes_out_in_utc_with_its_milliseconds_cut_not_rounded():
    assert iso_ms(datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=BEIJING)) == "2026-01-01T19:04:05.999Z"


def test_a_whole_second_keeps_its_three_digits_of_milliseconds():
    assert iso_ms(datetime(2026, 12, 6, 8, 0, 0, tzinfo=UTC)) == "2026-12-06T08:00:00.000Z"
    assert iso_ms(datetime(2026, 12, 6, 8, 0, 0, 1_000, tzinfo=UTC)) == "2026-12-06T08:00:00.001Z"


def test_no_moment_is_an_empty_string():
    assert iso_ms(None) == ""


def test_an_expiry_goes_out_to_the_second():
    assert expire_time(datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=BEIJING)) == "2026-01-01T19:04:05Z"
