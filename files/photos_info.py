"""One photo or video of the Photos viewer: its thumbnails, what its info panel says (date
with zone, camera, lens, exposure, dimensions, size, place) and how its video plays
(file/get_video_preview_play_info)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
from django.core.cache import caches

from accounts.user_pds import UserPds
from files.errors import NotFound
from files.photo_search import TagChip, photo_text, tag_chips
from files.photos import THUMBNAIL_SIZES, capture_time, parse_time, photos_api, thumbnail_cache_key
from pds_client import errors as pds_errors

JSON = dict[str, Any]
# What <video> plays as it is in every current browser; anything else plays from the
# rendition the PDS makes.
PLAYABLE_TYPES = ("video/mp4", "video/webm")


def thumbnail_open(*, pds: UserPds, file_id: str, size: str) -> tuple[requests.Response, Iterator[bytes]]:
    """The file's thumbnail of one of the fixed sizes, as a stream (a video's is its poster's):
    by the URL a page's search answered when it is known, else by file/get."""
    known = caches["signed_urls"].get(thumbnail_cache_key(pds, file_id, size))
    if known:
        try:
            return pds.download(known)
        except pds_errors.PDSError:
            caches["signed_urls"].delete(thumbnail_cache_key(pds, file_id, size))  # expired, or the file changed
    process = THUMBNAIL_SIZES[size]
    wanted = {size: {"image_thumbnail_process": process, "video_thumbnail_process": process}}
    item = pds.files.get(pds.drive_id, file_id, thumbnail_processes=wanted)
    url = (item.get("thumbnail_urls") or {}).get(size)
    if not url:
        raise NotFound("This file has no thumbnail.")
    return pds.download(url)


# --- The info panel -------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _plain(value: float) -> str:
    """2.8 → "2.8", 4.0 → "4"."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def exposure_line(meta: JSON) -> str:
    """ "1/125 · f/2.8 · ISO 400 · 35 mm": the parts that are known."""
    parts = []
    if meta.get("exposure_time"):
        parts.append(str(meta["exposure_time"]))
    f_number = _number(meta.get("f_number"))
    if f_number:
        parts.append(f"f/{_plain(f_number)}")
    iso = _number(meta.get("iso"))
    if iso:
        parts.append(f"ISO {int(iso)}")
    focal = _number(meta.get("focal_length"))
    if focal:
        parts.append(f"{_plain(focal)} mm")
    return " · ".join(parts)


def camera_line(meta: JSON) -> str:
    make, model = str(meta.get("camera_make") or "").strip(), str(meta.get("camera_model") or "").strip()
    if make and model.lower().startswith(make.lower()):
        return model  # "Canon" and "Canon EOS R5"
    return " ".join(part for part in (make, model) if part)


def place_line(meta: JSON) -> str:
    if meta.get("address_line"):
        return str(meta["address_line"])
    parts = [meta.get(key) for key in ("district", "city", "province", "country")]
    seen: list[str] = []
    for part in parts:
        if part and str(part) not in seen:
            seen.append(str(part))
    return ", ".join(seen)


def zone_label(moment: datetime, time: str) -> str:
    """ "UTC+08:00", or "UTC" (also when the zone it was taken in is not known)."""
    if time.endswith("Z"):
        return "UTC"
    offset = moment.utcoffset()
    if offset is None:
        return ""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


@dataclass
class PhotoInfo:
    item: JSON
    kind: str
    taken: datetime | None  # naive: the wall clock it was taken by
    zone: str
    time_source: str
    camera: str
    lens: str
    exposure: str
    width: int | None
    height: int | None
    place: str
    location: str
    duration: float | None
    codecs: str
    failed: str  # why the file could not be read, when it could not
    tags: list[TagChip] = field(default_factory=list)  # image analysis: each a search for itself
    text: str = ""  # the text read in the photo

    @property
    def megapixels(self) -> str:
        if not self.width or not self.height or self.kind != "image":
            return ""
        return _plain(self.width * self.height / 1_000_000)


def photo_info(*, pds: UserPds, file_id: str) -> PhotoInfo:
    item = pds.files.get(pds.drive_id, file_id)
    if item.get("type") != "file":
        raise NotFound("That is not a photo or a video.")
    kind = "video" if item.get("category") == "video" else "image"
    found = item.get("video_media_metadata") if kind == "video" else item.get("image_media_metadata")
    meta: JSON = found if isinstance(found, dict) else {}
    time = capture_time(item)
    moment = parse_time(time)
    streams = [
        str(stream.get("code_name") or "")
        for key in ("video_media_video_stream", "video_media_audio_stream")
        for stream in (meta.get(key) or [])
        if isinstance(stream, dict)
    ]
    width, height = _number(meta.get("width")), _number(meta.get("height"))
    return PhotoInfo(
        item=item,
        kind=kind,
        taken=moment.replace(tzinfo=None) if moment else None,
        zone=zone_label(moment, time) if moment else "",
        time_source=str(meta.get("time_source") or ""),
        camera=camera_line(meta),
        lens=str(meta.get("lens_model") or ""),
        exposure=exposure_line(meta),
        width=int(width) if width else None,
        height=int(height) if height else None,
        place=place_line(meta),
        location=str(meta.get("location") or ""),
        duration=_number(meta.get("duration")),
        codecs=" · ".join(codec for codec in streams if codec),
        failed=str(item.get("media_reason") or "") if item.get("media_state") == "failed" else "",
        tags=tag_chips(meta) if kind == "image" else [],
        text=photo_text(meta) if kind == "image" else "",
    )


# --- Video ------------------------------------------------------------------------------------


@dataclass
class Playback:
    """How a video plays: "finished" (from `url`), "running" (its rendition is being made),
    "failed" (it cannot be played here; download it) or "none" (no rendition was offered)."""

    state: str
    url: str = ""
    content_type: str = ""


def video_playback(*, pds: UserPds, file_id: str) -> Playback:
    answer = photos_api(pds).video_play_info(pds.drive_id, file_id)
    info = answer.get("video_preview_play_info") or {}
    tasks = [
        task
        for key in ("quick_video_list", "offline_video_transcoding_list", "live_transcoding_task_list")
        for task in (info.get(key) or [])
        if isinstance(task, dict)
    ]
    states = [str(task.get("status") or "") for task in tasks]
    for task in tasks:
        if task.get("status") == "finished" and task.get("url"):
            return Playback(state="finished", url=str(task["url"]))
    if "running" in states:
        return Playback(state="running")
    if "failed" in states:
        return Playback(state="failed")
    return Playback(state="none")


def video_stream_item(*, pds: UserPds, file_id: str) -> tuple[JSON, str]:
    """The video (name, and the type its playable bytes have) and the signed URL to play."""
    playback = video_playback(pds=pds, file_id=file_id)
    if playback.state != "finished":
        raise NotFound("This video is not ready to play.")
    item = pds.files.get(pds.drive_id, file_id)
    own = str(item.get("content_type") or "")
    # The original when the browser plays it as it is; else the rendition, an MP4.
    content_type = own if own.startswith(PLAYABLE_TYPES) else "video/mp4"
    return {"name": item.get("name", "video"), "content_type": content_type}, playback.url
