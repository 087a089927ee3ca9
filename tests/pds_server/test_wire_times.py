"""The PDS's timestamps on the wire: UTC, milliseconds, a Z (pds_server/serializers)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from pds_server.serializers import expire_time, iso_ms


def test_times_go_out_in_utc_with_milliseconds_cut_not_rounded():
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2026, 1, 2, 3, 4, 5, 999_999, tzinfo=beijing)
    assert iso_ms(moment) == "2026-01-01T19:04:05.999Z"
    assert iso_ms(datetime(2026, 12, 6, 8, 0, 0, tzinfo=UTC)) == "2026-12-06T08:00:00.000Z"
    assert iso_ms(datetime(2026, 12, 6, 8, 0, 0, 1_000, tzinfo=UTC)) == "2026-12-06T08:00:00.001Z"
    assert iso_ms(None) == ""
    assert expire_time(moment) == "2026-01-01T19:04:05Z"
