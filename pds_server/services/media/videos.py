"""Videos: probe, poster frame and browser-playable rendition (to be built: see the
interface ingest.py uses)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pds_server.models import Blob, MediaInfo
from pds_server.services.media.images import NotAnalysable


@dataclass
class VideoRead:
    facts: dict[str, Any] = field(default_factory=dict)  # MediaInfo columns
    poster_jpeg: bytes | None = None


def video_read(path: str) -> VideoRead:
    raise NotAnalysable("video reading is not built yet")


def poster_thumbnails(blob: Blob, jpeg: bytes) -> None:
    """The FIXED_PROCESSES thumbnails of the video, from its poster."""


def rendition_needed(facts: dict[str, Any]) -> str:
    return MediaInfo.RenditionState.NONE


def rendition_queue(media_pk: int) -> None:
    """Queue the rendition task after the commit."""
