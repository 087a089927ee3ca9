"""Reads of a drive's photos and videos as a whole: the timeline's months (its scrubber) and
the places they were taken (address groups), over what the caller's grant lists.

Only files on the timeline count: listed, with a capture time (their media was read and
is a photo or a video). Both reads are one aggregate over the `file_timeline` index (and
the file's media), not a walk of the drive.
"""

from __future__ import annotations

import functools
import operator
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, timedelta

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import ExtractDay, ExtractHour, ExtractMonth, ExtractYear

from pds_server import errors
from pds_server.models import File, MediaInfo
from pds_server.selectors.files import visible_files
from pds_server.services.access import ROOT, Can, DriveGrant

ADDRESS_LEVELS = ("country", "province", "city", "district", "township")
MAX_FOLDERS = 100_000  # folders under a caller's roles that are looked through


def timeline_files(*, grant: DriveGrant) -> QuerySet[File]:
    """The photos and videos on the drive's timeline that the grant lists: the whole drive
    for its owner, an administrator or a role on the drive; else what is under the files
    and folders the caller's roles list."""
    rows = visible_files(drive=grant.drive).filter(image_time__isnull=False)
    if grant.everything or Can.LIST in grant.roles.get(ROOT, frozenset()):
        return rows
    tops = [file_id for file_id, can in grant.roles.items() if Can.LIST in can and file_id != ROOT]
    folders: set[str] = set()
    level = list(tops)
    while level and len(folders) < MAX_FOLDERS:
        folders.update(level)
        below = File.objects.filter(drive=grant.drive, parent_file_id__in=level, type=File.Type.FOLDER)
        level = [file_id for file_id in below.values_list("file_id", flat=True) if file_id not in folders]
    return rows.filter(Q(parent_file_id__in=folders) | Q(file_id__in=tops))


# --- The scrubber: how many photos each month ------------------------------------------------


def _month(moment) -> tuple[int, int]:
    return moment.year, moment.month


def time_buckets(*, grant: DriveGrant) -> list[tuple[int, int, int]]:
    """(year, month, count), newest first, by the wall clock where the photo was taken.

    Counted by UTC month in the database; then the few photos whose zone is known and that
    were taken within 14 hours of a month's turn move to the month of their wall clock."""
    rows = timeline_files(grant=grant)
    counts: Counter[tuple[int, int]] = Counter()
    by_month = (
        rows.annotate(year=ExtractYear("image_time", tzinfo=UTC), month=ExtractMonth("image_time", tzinfo=UTC))
        .values_list("year", "month")
        .annotate(count=Count("pk"))
        .order_by()
    )
    for year, month, count in by_month:
        counts[(year, month)] += count
    near_turn = (
        rows.filter(image_time_source="exif", media__taken_offset__isnull=False)
        .exclude(media__taken_offset=0)
        .annotate(day=ExtractDay("image_time", tzinfo=UTC), hour=ExtractHour("image_time", tzinfo=UTC))
        .filter(Q(day=1, hour__lt=14) | Q(day__gte=28, hour__gte=10))
        .values_list("image_time", "media__taken_offset")
    )
    for moment, offset in near_turn:
        if moment is None or offset is None:  # excluded by the query; for the type checker
            continue
        utc, wall = _month(moment.astimezone(UTC)), _month(moment.astimezone(UTC) + timedelta(minutes=offset))
        if utc != wall:
            counts[utc] -= 1
            counts[wall] += 1
    return [(year, month, count) for (year, month), count in sorted(counts.items(), reverse=True) if count > 0]


# --- Places: the address groups ---------------------------------------------------------------


@dataclass(frozen=True)
class GeoBox:
    """`tl_geo_point` and `br_geo_point`, "lat,lon": the top-left and bottom-right corners."""

    north: float
    west: float
    south: float
    east: float

    def q(self) -> Q:
        latitude = Q(media__latitude__gte=self.south, media__latitude__lte=self.north)
        if self.west <= self.east:
            return latitude & Q(media__longitude__gte=self.west, media__longitude__lte=self.east)
        # Across the antimeridian (from 170 east to 170 west).
        return latitude & (Q(media__longitude__gte=self.west) | Q(media__longitude__lte=self.east))


def geo_point(text: str, field: str) -> tuple[float, float]:
    try:
        latitude, longitude = (float(part) for part in text.split(","))
    except ValueError:
        raise errors.InvalidParameter(f'{field} is "latitude,longitude"', code=f"InvalidParameter.{field}") from None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise errors.InvalidParameter(f"{field} is outside the globe", code=f"InvalidParameter.{field}")
    return latitude, longitude


def geo_box(top_left: str, bottom_right: str) -> GeoBox | None:
    if not top_left and not bottom_right:
        return None
    if not top_left or not bottom_right:
        raise errors.InvalidParameter("tl_geo_point and br_geo_point go together", code="InvalidParameter.GeoPoint")
    north, west = geo_point(top_left, "tl_geo_point")
    south, east = geo_point(bottom_right, "br_geo_point")
    if south > north:
        raise errors.InvalidParameter("tl_geo_point must be north of br_geo_point", code="InvalidParameter.GeoPoint")
    return GeoBox(north=north, west=west, south=south, east=east)


def address_groups(
    *,
    grant: DriveGrant,
    level: str = "city",
    names: list[str] | None = None,
    box: GeoBox | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> tuple[list[dict], bool]:
    """The places the grant's photos and videos were taken at `level` (a city is its
    country, province and city: two Parises are two places), most photos first (then by name), from
    `offset`, at most `limit`, and whether there are more. Each: the address fields down to
    `level`, count, the centroid, and the cover (the newest)."""
    if level not in ADDRESS_LEVELS:
        raise errors.InvalidParameter(
            f"address_level is one of {', '.join(ADDRESS_LEVELS)}", code="InvalidParameter.AddressLevel"
        )
    keys = [f"media__{name}" for name in ADDRESS_LEVELS[: ADDRESS_LEVELS.index(level) + 1]]
    rows = timeline_files(grant=grant).filter(media__state=MediaInfo.State.DONE).exclude(**{keys[-1]: ""})
    if names:
        rows = rows.filter(**{f"{keys[-1]}__in": names})
    if box is not None:
        rows = rows.filter(box.q())
    found = list(
        rows.values(*keys)
        .annotate(
            count=Count("pk"),
            latitude=Avg("media__latitude"),
            longitude=Avg("media__longitude"),
            newest=Max("image_time"),
        )
        .order_by("-count", keys[-1], *keys[:-1])
    )
    groups = [
        {
            **{name: group.get(f"media__{name}", "") for name in ADDRESS_LEVELS},
            "name": group[keys[-1]],
            "count": group["count"],
            "latitude": group["latitude"] or 0.0,
            "longitude": group["longitude"] or 0.0,
            "newest": group["newest"],
        }
        for group in found[offset : None if limit is None else offset + limit]
    ]
    more = limit is not None and len(found) > offset + limit
    return _with_covers(rows, groups, keys), more


COVERS_AT_ONCE = 100


def _with_covers(rows: QuerySet[File], groups: list[dict], keys: list[str]) -> list[dict]:
    """Each group's cover: its newest photo (the greatest file id among equals), in one query."""
    if not groups:
        return groups

    def key_of_group(group: dict) -> tuple:
        return tuple(group[key.removeprefix("media__")] for key in keys)

    covers: dict[tuple, File] = {}
    # A query per COVERS_AT_ONCE groups: one OR of a thousand terms is deeper than SQLite parses.
    for start in range(0, len(groups), COVERS_AT_ONCE):
        wanted = functools.reduce(
            operator.or_,
            (
                Q(image_time=group["newest"], **{key: group[key.removeprefix("media__")] for key in keys})
                for group in groups[start : start + COVERS_AT_ONCE]
            ),
        )
        for item in rows.filter(wanted).select_related("media", "drive__domain").order_by("file_id"):
            covers[tuple(getattr(item.media, key.removeprefix("media__")) for key in keys)] = item
    for group in groups:
        group["cover"] = covers.get(key_of_group(group))
        group["cover_file_id"] = group["cover"].file_id if group["cover"] is not None else ""
    return groups
