"""What the Photos pages read, over the PDS API as the signed-in user: the timeline (every
photo and video of the drive with a capture time, newest first, a page at a time), its
months for the scrubber, and "On this day".

A photo's day is the wall-clock date it was taken on: the date in its RFC 3339 capture time
("2021-07-04T23:30:00-07:00" is 4 July, though it is 5 July in UTC). The PDS orders by the
instant, so pages are fetched by instant and grouped by that date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.core.cache import caches

from accounts.user_pds import UserPds
from pds_client import PhotosAPI
from pds_client.photos_api import SEARCH_LIMIT

JSON = dict[str, Any]
PAGE_SIZE = SEARCH_LIMIT
# The fixed thumbnail processes (pds_server.services.thumbnails.FIXED_PROCESSES): the grid's
# and the viewer's. No other size is asked for.
THUMBNAIL_SIZES = {
    "480": "image/resize,m_lfit,w_480,h_480",
    "1920": "image/resize,m_lfit,w_1920,h_1920",
}
MEDIA = 'category in ["image", "video"]'
# Wall-clock dates run from UTC-12:00 to UTC+14:00: a day's photos lie within these margins
# of its UTC midnight.
EARLIEST_ZONE, LATEST_ZONE = timedelta(hours=12), timedelta(hours=14)
ON_THIS_DAY_YEARS = 30
ON_THIS_DAY_MAX = 30
# The grid thumbnails' signed URLs that a page's search answered, kept for the page's
# <img> requests (files.photos_info.thumbnail_open), so that a page of 100 photos costs no
# file/get each. The PDS signs them for 900 s.
THUMBNAIL_URL_SECONDS = 600


def photos_api(pds: UserPds) -> PhotosAPI:
    return PhotosAPI(pds.client, pds)


def _quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_time(text: str) -> datetime | None:
    """An RFC 3339 time as an aware datetime in its own offset (None if it is not one)."""
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        return None
    return moment if moment.tzinfo else None


# --- One photo or video -------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    item: JSON
    time: str  # RFC 3339, in the zone it was taken in when known
    moment: datetime

    @property
    def file_id(self) -> str:
        return str(self.item["file_id"])

    @property
    def name(self) -> str:
        return str(self.item.get("name", ""))

    @property
    def kind(self) -> str:
        return "video" if self.item.get("category") == "video" else "image"

    @property
    def local(self) -> datetime:
        """The wall-clock time it was taken at (naive: templates show it as it is)."""
        return self.moment.replace(tzinfo=None)

    @property
    def day(self) -> date:
        return self.moment.date()  # the date of the clock it was taken by

    @property
    def meta(self) -> JSON:
        found = self.item.get("video_media_metadata") if self.kind == "video" else self.item.get("image_media_metadata")
        return found if isinstance(found, dict) else {}

    @property
    def duration(self) -> float | None:
        try:
            return float(self.meta["duration"])
        except (KeyError, TypeError, ValueError):
            return None

    @property
    def duration_label(self) -> str:
        """ "0:12", "1:02:03"."""
        if self.duration is None:
            return ""
        total = round(self.duration)
        hours, rest = divmod(total, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def capture_time(item: JSON) -> str:
    """The file's capture time as the PDS answers it (the file's `image_time`, else its
    media metadata's `time`); "" when it has none."""
    meta = item.get("image_media_metadata") or item.get("video_media_metadata") or {}
    return str(item.get("image_time") or (meta.get("time") if isinstance(meta, dict) else "") or "")


def thumbnail_cache_key(pds: UserPds, file_id: str, size: str) -> str:
    return f"photos:thumbnail:{pds.user.pk}:{pds.drive_id}:{file_id}:{size}"


def remember_thumbnails(pds: UserPds, items: list[Any]) -> None:
    """Keep the grid thumbnail URLs a PDS answer carried (thumbnail_urls.grid), so that each
    thumbnail the page then shows costs no PDS call (files/photos_info.thumbnail_open)."""
    known = {}
    for item in items:
        url = (item.get("thumbnail_urls") or {}).get("grid")
        if url and item.get("file_id"):
            known[thumbnail_cache_key(pds, str(item["file_id"]), "480")] = url
    if known:
        caches["signed_urls"].set_many(known, THUMBNAIL_URL_SECONDS)


def _photos(pds: UserPds, answer: JSON) -> list[Photo]:
    items = answer.get("items") or []
    remember_thumbnails(pds, items)
    return [photo for photo in map(photo_of, items) if photo]


def photo_of(item: JSON) -> Photo | None:
    time = capture_time(item)
    moment = parse_time(time)
    return Photo(item=item, time=time, moment=moment) if moment else None


# --- Grouped by day, with month and year headings ------------------------------------------


@dataclass
class Day:
    day: date
    photos: list[Photo] = field(default_factory=list)
    # Whether this day starts a year or a month in its list (the page joins lists across
    # pages again: static/js/photos.js).
    new_year: bool = True
    new_month: bool = True


def days_of(photos: list[Photo]) -> list[Day]:
    """Runs of photos of one date, in the order given."""
    days: list[Day] = []
    for photo in photos:
        if days and days[-1].day == photo.day:
            days[-1].photos.append(photo)
            continue
        before = days[-1].day if days else None
        days.append(
            Day(
                day=photo.day,
                photos=[photo],
                new_year=before is None or before.year != photo.day.year,
                new_month=before is None or (before.year, before.month) != (photo.day.year, photo.day.month),
            )
        )
    return days


@dataclass
class TimelinePage:
    """A page of the timeline and how to fetch its neighbours (query strings of
    /photos/page, "" when there is none that way)."""

    days: list[Day]
    count: int
    next_key: str
    prev_key: str


def page_key(**params: str) -> str:
    from urllib.parse import urlencode

    return urlencode({key: value for key, value in params.items() if value})


def timeline_page(*, pds: UserPds, before: str = "", after: str = "", marker: str = "") -> TimelinePage:
    """A page of the timeline, newest first: from the newest photo; from `before` (a capture
    time, inclusive) downwards; or the page just above `after` (inclusive: the page may
    repeat photos of that very instant, which the page leaves out)."""
    api, terms = photos_api(pds), [MEDIA]
    if after:
        terms.append(f"image_time >= {_quoted(after)}")
        answer = api.search_by_time(
            pds.drive_id, " and ".join(terms), marker=marker, descending=False, thumbnail_processes=_grid_processes()
        )
        photos = _photos(pds, answer)
        photos.reverse()
        # The page above goes on from this one's marker, not from a time: a run of more than
        # a page of photos at one instant (a day of date-only names) would repeat forever.
        above_marker = answer.get("next_marker") or ""
        prev_key = page_key(after=after, marker=above_marker) if photos and above_marker else ""
        next_key = page_key(before=photos[-1].time) if photos else ""
        return TimelinePage(days=days_of(photos), count=len(photos), next_key=next_key, prev_key=prev_key)
    if before:
        terms.append(f"image_time <= {_quoted(before)}")
    answer = api.search_by_time(pds.drive_id, " and ".join(terms), marker=marker, thumbnail_processes=_grid_processes())
    photos = _photos(pds, answer)
    next_marker = answer.get("next_marker") or ""
    next_key = page_key(before=before, marker=next_marker) if next_marker else ""
    # The first page from a time has newer photos above it: the page above starts there.
    prev_key = page_key(after=photos[0].time) if before and not marker and photos else ""
    return TimelinePage(days=days_of(photos), count=len(photos), next_key=next_key, prev_key=prev_key)


def _grid_processes() -> JSON:
    return {
        "grid": {"image_thumbnail_process": THUMBNAIL_SIZES["480"], "video_thumbnail_process": THUMBNAIL_SIZES["480"]}
    }


def month_end(year: int, month: int) -> str:
    """The last moment of a month on any clock (its last day, 23:59:59 at UTC-12:00): the
    `before` of a jump to that month."""
    first_of_next = date(year + month // 12, month % 12 + 1, 1)
    moment = datetime(first_of_next.year, first_of_next.month, 1) + EARLIEST_ZONE - timedelta(seconds=1)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# --- The scrubber ----------------------------------------------------------------------------


@dataclass
class Year:
    year: int
    months: list[JSON]  # [{month, count, before}] newest first
    count: int


def time_buckets(*, pds: UserPds) -> list[Year]:
    """The years and months that hold photos, newest first, each with its count and the
    `before` that jumps to it."""
    years: dict[int, Year] = {}
    for bucket in photos_api(pds).time_buckets(pds.drive_id):
        try:
            year, month, count = int(bucket["year"]), int(bucket["month"]), int(bucket.get("count") or 0)
        except (KeyError, TypeError, ValueError):
            continue
        if not 1 <= month <= 12 or count <= 0:
            continue
        entry = years.setdefault(year, Year(year=year, months=[], count=0))
        entry.months.append(
            {"month": month, "count": count, "before": month_end(year, month), "first": date(year, month, 1)}
        )
        entry.count += count
    for entry in years.values():
        entry.months.sort(key=lambda bucket: bucket["month"], reverse=True)
    return sorted(years.values(), key=lambda entry: entry.year, reverse=True)


# --- On this day -------------------------------------------------------------------------------


@dataclass
class Memory:
    year: int
    years_ago: int
    photos: list[Photo]


def on_this_day(*, pds: UserPds, today: date, years: list[int] | None = None) -> list[Memory]:
    """Photos taken on today's month and day in earlier years (by the clock they were taken
    by), newest year first. `years`: the years to look in (default: the 30 before today's)."""
    wanted = sorted(
        {year for year in (years or range(today.year - ON_THIS_DAY_YEARS, today.year)) if year < today.year}
    )
    wanted = wanted[-ON_THIS_DAY_YEARS:]
    ranges = []
    for year in wanted:
        try:
            day = date(year, today.month, today.day)
        except ValueError:  # 29 February in a year without one
            continue
        midnight = datetime(day.year, day.month, day.day)
        start = (midnight - LATEST_ZONE).strftime("%Y-%m-%dT%H:%M:%SZ")
        end = (midnight + timedelta(days=1) + EARLIEST_ZONE).strftime("%Y-%m-%dT%H:%M:%SZ")
        ranges.append(f"(image_time >= {_quoted(start)} and image_time < {_quoted(end)})")
    if not ranges:
        return []
    query = f"{MEDIA} and ({' or '.join(ranges)})"
    answer = photos_api(pds).search_by_time(pds.drive_id, query, thumbnail_processes=_grid_processes())
    memories: dict[int, Memory] = {}
    for photo in _photos(pds, answer):
        if (photo.day.month, photo.day.day) != (today.month, today.day):
            continue
        memory = memories.setdefault(
            photo.day.year, Memory(year=photo.day.year, years_ago=today.year - photo.day.year, photos=[])
        )
        if sum(len(each.photos) for each in memories.values()) < ON_THIS_DAY_MAX:
            memory.photos.append(photo)
    return sorted((memory for memory in memories.values() if memory.photos), key=lambda m: m.year, reverse=True)
