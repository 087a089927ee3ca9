"""Reads of albums (PDS stories, `/v2/image/*_story`): one album with the files it shows,
the covers, and `find_stories`' filtered, sorted pages.

An album shows its files that are listed now: a file in the recycle bin is hidden (and back
when restored), one deleted for good has left it (the StoryFile row cascades). The time an
album spans is the one given at create, else its files' capture times (File.image_time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Coalesce

from pds_server import errors
from pds_server.models import Drive, File, Story, StoryFile
from pds_server.services.pagination import marker_decode, marker_encode

# What may be an album's cover when none is chosen: a photo, or a video with a poster (a
# video's thumbnails are made from its poster).
HAS_THUMBNAIL = Q(file__category="image") | Q(file__category="video", file__media__poster_name__gt="")
# A sort key that is never null, so that a keyset page can seek on it: albums without a
# time sort as if they began at the epoch.
NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)


def listed_entries() -> QuerySet[StoryFile]:
    return StoryFile.objects.filter(file__trashed=False, file__status=File.Status.AVAILABLE)


def stories_of(*, drive: Drive) -> QuerySet[Story]:
    """The drive's albums with what each shows now: `start_at`/`end_at` (given, else from its
    files' capture times), `file_count`, and `cover_pk` (the cover chosen while it is still
    shown, else the first photo or video in album order)."""
    listed = listed_entries().filter(story=OuterRef("pk"))
    timed = listed.filter(file__image_time__isnull=False)
    counted = listed.order_by().values("story").annotate(count=Count("pk")).values("count")
    chosen = listed.filter(file__file_id=OuterRef("cover_file_id")).values("file")[:1]
    first = listed.filter(HAS_THUMBNAIL).order_by("position", "pk").values("file")[:1]
    return (
        Story.objects.filter(drive=drive)
        .select_related("drive")
        .annotate(
            start_at=Coalesce(
                "story_start_time", Subquery(timed.order_by("file__image_time").values("file__image_time")[:1])
            ),
            end_at=Coalesce(
                "story_end_time", Subquery(timed.order_by("-file__image_time").values("file__image_time")[:1])
            ),
            file_count=Coalesce(Subquery(counted, output_field=IntegerField()), Value(0)),
            cover_pk=Coalesce(Subquery(chosen), Subquery(first)),
        )
    )


def story_get(*, drive: Drive, story_id: str) -> Story:
    story = stories_of(drive=drive).filter(story_id=story_id).first() if story_id else None
    if story is None:
        raise errors.NotFound("Story")
    return story


def story_files(*, story: Story, limit: int | None = None) -> list[File]:
    """The files the album shows, in album order (the order they were added)."""
    entries = listed_entries().filter(story=story).select_related("file__drive__domain", "file__media")
    entries = entries.order_by("position", "pk")
    return [entry.file for entry in (entries[:limit] if limit else entries)]


def story_file_ids(*, story: Story) -> set[str]:
    """Every file in the album, shown or in the recycle bin."""
    return set(StoryFile.objects.filter(story=story).values_list("file__file_id", flat=True))


def covers_of(stories: list[Story]) -> dict[int, File]:
    """Each album's cover file (by the album's pk), in one query."""
    cover_pks = {story.pk: getattr(story, "cover_pk", None) for story in stories}
    cover_pks = {story_pk: file_pk for story_pk, file_pk in cover_pks.items() if file_pk}
    files = File.objects.select_related("drive__domain", "media").in_bulk(list(cover_pks.values()))
    return {story_pk: files[file_pk] for story_pk, file_pk in cover_pks.items() if file_pk in files}


# --- find_stories -------------------------------------------------------------------------------

# Sort names as the PDS docs spell them and as IMM's QueryStories does.
SORTS = {
    "created_at": "created_at",
    "createtime": "created_at",
    "create_time": "created_at",
    "updated_at": "updated_at",
    "story_name": "story_name",
    "storyname": "story_name",
    "name": "story_name",
    "story_start_time": "start_key",
    "storystarttime": "start_key",
    "story_end_time": "end_key",
    "storyendtime": "end_key",
}
DATETIME_KEYS = ("created_at", "updated_at", "start_key", "end_key")


@dataclass(frozen=True)
class TimeRange:
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class StoryFilter:
    story_id: str = ""
    story_name: str = ""  # what the name holds, in any case
    story_type: str = ""
    create_time: TimeRange = TimeRange()
    start_time: TimeRange = TimeRange()
    end_time: TimeRange = TimeRange()
    labels: tuple[tuple[str, str, bool], ...] = ()  # (key, value, equal)
    face_group_ids: tuple[str, ...] = ()
    with_empty_stories: bool = False


def in_range(rows: QuerySet[Story], field: str, span: TimeRange) -> QuerySet[Story]:
    if span.start is not None:
        rows = rows.filter(**{f"{field}__gte": span.start})
    if span.end is not None:
        rows = rows.filter(**{f"{field}__lte": span.end})
    return rows


def stories_filtered(*, drive: Drive, where: StoryFilter) -> QuerySet[Story]:
    rows = stories_of(drive=drive)
    if where.face_group_ids:  # albums people make have no face groups; no people albums yet
        return rows.none()
    if where.story_id:
        rows = rows.filter(story_id=where.story_id)
    if where.story_name:
        rows = rows.filter(story_name__icontains=where.story_name)
    if where.story_type:
        rows = rows.filter(story_type=where.story_type)
    rows = in_range(rows, "created_at", where.create_time)
    rows = in_range(rows, "start_at", where.start_time)
    rows = in_range(rows, "end_at", where.end_time)
    for index, (key, value, equal) in enumerate(where.labels):
        alias = f"label_{index}"
        rows = rows.alias(**{alias: KeyTransform(key, "custom_labels")})
        condition = Q(**{alias: value})
        rows = rows.filter(condition) if equal else rows.exclude(condition)
    if not where.with_empty_stories:
        rows = rows.filter(Exists(listed_entries().filter(story=OuterRef("pk"))))
    return rows


def sort_key_of(sort: str) -> str:
    key = SORTS.get((sort or "created_at").strip().lower())
    if key is None:
        raise errors.InvalidParameter(
            "sort must be one of created_at, story_name, story_start_time, story_end_time",
            code="InvalidParameter.Sort",
        )
    return key


def stories_find(
    *, drive: Drive, where: StoryFilter, sort: str, descending: bool, limit: int, marker: str
) -> tuple[list[Story], str]:
    """One page of the drive's albums that match, keyset-paged on (sort key, pk)."""
    key = sort_key_of(sort)
    rows = stories_filtered(drive=drive, where=where).annotate(
        start_key=Coalesce("start_at", Value(NO_TIME)), end_key=Coalesce("end_at", Value(NO_TIME))
    )
    if marker:
        after, after_pk = marker_decode(marker, 2)
        try:  # a marker of another sort is no marker of this one
            if not isinstance(after_pk, int) or not isinstance(after, str):
                raise ValueError
            value: str | datetime = datetime.fromisoformat(after) if key in DATETIME_KEYS else after
        except ValueError:
            raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker") from None
        beyond = "lt" if descending else "gt"
        rows = rows.filter(Q(**{f"{key}__{beyond}": value}) | Q(**{key: value, f"pk__{beyond}": after_pk}))
    order = [F(key).desc(), F("pk").desc()] if descending else [F(key).asc(), F("pk").asc()]
    page: list[Story] = list(rows.order_by(*order)[: limit + 1])
    next_marker = ""
    if len(page) > limit:
        last = page[limit - 1]
        value = getattr(last, key)
        next_marker = marker_encode([value.isoformat() if isinstance(value, datetime) else value, last.pk])
    return page[:limit], next_marker
