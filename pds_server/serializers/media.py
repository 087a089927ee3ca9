"""A photo's or video's metadata on the wire: the SDK's `ImageMediaMetadata` and
`VideoMediaMetadata` (with the extensions of notes/photos14.md), the file's capture time
(`image_time`), the time buckets of the timeline and the address groups of Places.

A field not known is absent, never empty or zero: the SDK reads absent as unknown.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

from pds_server.models import File, MediaInfo

PLACE_FIELDS = ("country", "province", "city", "district", "township", "address_line")
# Extensions to ImageMediaMetadata, each a MediaInfo column of the same name.
IMAGE_EXTRA_FIELDS = ("camera_make", "camera_model", "lens_model", "exposure_time", "f_number", "iso", "focal_length")


def rfc3339(moment: datetime, offset: int | None) -> str:
    """With the zone it was taken in when known ("2021-07-04T18:30:00+08:00"), else UTC ("...Z")."""
    if offset is None:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return moment.astimezone(timezone(timedelta(minutes=offset))).isoformat(timespec="seconds")


def image_time_to_pds(item: File, media: MediaInfo | None) -> str:
    """The file's capture time; the zone is known only when it came from the photo itself."""
    if item.image_time is None:
        return ""
    offset = media.taken_offset if media is not None and item.image_time_source == "exif" else None
    return rfc3339(item.image_time, offset)


def _known(media: MediaInfo, fields: tuple[str, ...]) -> dict:
    return {name: value for name in fields if (value := getattr(media, name)) not in (None, "")}


def _common(item: File, media: MediaInfo) -> dict:
    """What images and videos share: size as displayed, time, position and place."""
    body = _known(media, ("width", "height"))
    when = image_time_to_pds(item, media)
    if when:
        body["time"] = when
        body["time_source"] = item.image_time_source  # ext
    if media.latitude is not None and media.longitude is not None:
        body["location"] = f"{media.latitude},{media.longitude}"
    body.update(_known(media, PLACE_FIELDS))
    return body


def image_media_metadata(item: File, media: MediaInfo) -> dict:
    body = _common(item, media)
    if media.exif:
        body["exif"] = json.dumps(
            media.exif, ensure_ascii=False, separators=(",", ":")
        )  # a string, as the SDK types it
    if media.orientation:
        body["orientation"] = media.orientation  # ext, EXIF 1-8
    body.update(_known(media, IMAGE_EXTRA_FIELDS))
    return body


def _seconds(value: float | None) -> str:
    return f"{value:.3f}" if value is not None else ""


def video_media_metadata(item: File, media: MediaInfo) -> dict:
    """The SDK types the streams' numbers as strings."""
    body = _common(item, media)
    duration = _seconds(media.duration)
    if duration:
        body["duration"] = duration
    if media.video_codec:
        stream = {"code_name": media.video_codec, "duration": duration}
        if media.bit_rate:
            stream["bitrate"] = str(media.bit_rate)
        if media.frame_rate:
            stream["fps"] = f"{media.frame_rate:.3f}".rstrip("0").rstrip(".")  # ext
        if media.frame_count:
            stream["frame_count"] = str(media.frame_count)
        body["video_media_video_stream"] = [{key: value for key, value in stream.items() if value}]
    if media.audio_codec:
        audio = {"code_name": media.audio_codec, "duration": duration}
        if media.audio_bit_rate:
            audio["bit_rate"] = str(media.audio_bit_rate)
        body["video_media_audio_stream"] = [{key: value for key, value in audio.items() if value}]
    body["poster"] = bool(media.poster_name)  # ext
    return body


def file_media_to_pds(item: File) -> dict:
    """The File's media fields: nothing until its content has been read. Read `item.media`
    through select_related("media") in lists (one join, not a query per row)."""
    if item.media_id is None:
        return {}
    media = item.media
    assert media is not None
    if media.state == MediaInfo.State.FAILED:
        return {"media_state": "failed", "media_reason": media.reason}  # ext
    if media.state != MediaInfo.State.DONE:
        return {}
    body: dict = {}
    when = image_time_to_pds(item, media)
    if when:
        body["image_time"] = when  # ext
    if media.kind == MediaInfo.Kind.VIDEO:
        body["video_media_metadata"] = video_media_metadata(item, media)
    else:
        body["image_media_metadata"] = image_media_metadata(item, media)
    return body


def media_without_place(body: dict) -> dict:
    """`body` (a serialized file) without where its photo was taken: share-link visitors get
    the picture, not the position of someone's home (the EXIF, which holds the GPS too, goes
    with it). The original's bytes still hold what the camera wrote, for those who may download."""
    for key in ("image_media_metadata", "video_media_metadata"):
        metadata = body.get(key)
        if metadata:
            body[key] = {name: value for name, value in metadata.items() if name not in PRIVATE_FIELDS}
    return body


PRIVATE_FIELDS = frozenset(("location", "exif", *PLACE_FIELDS))


# --- The timeline's scrubber and Places -------------------------------------------------------


def time_buckets_to_pds(buckets: list[tuple[int, int, int]]) -> dict:
    return {"items": [{"year": year, "month": month, "count": count} for year, month, count in buckets]}


def address_group_to_pds(group: dict, *, cover_url: str) -> dict:
    """`group`: what selectors/photos.py address_groups found for one place."""
    detail = {level: group[level] for level in ("country", "province", "city", "district", "township")}
    body = {
        "name": group["name"],
        "count": group["count"],
        "cover_file_id": group["cover_file_id"],
        "location": f"{group['latitude']:.6f},{group['longitude']:.6f}",
        "address_detail": {key: value for key, value in detail.items() if value},
    }
    if cover_url:
        body["cover_url"] = cover_url
    return body
