"""Videos: what a video's bytes say, its poster frame, and a browser-playable rendition of
the videos browsers cannot play as they are.

FFmpeg (through PyAV) never runs in a worker's own process: each video is opened by a
child (video_child.py) with its address space capped (PDS_MEDIA_VIDEO_MEMORY_MB) and a
wall-clock timeout (PDS_MEDIA_VIDEO_TIMEOUT, PDS_MEDIA_RENDITION_TIMEOUT), so a file that
makes the decoder loop or balloon costs one child, never the worker: it ends not
analysable (or its rendition failed) with the reason.

The rendition (H.264 + AAC in an MP4, at most 1080p; made by video_rendition.py in the
task this queues) is derived data beside the blob, like its thumbnails and poster:
`thumbnails/<sha1>/rendition.mp4`, not counted in any quota, removed with the blob.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from pds_server.models import Blob, MediaInfo
from pds_server.routers import PDS_DB
from pds_server.services.media.images import NotAnalysable

CHILD = Path(__file__).with_name("video_child.py")
RenditionState = MediaInfo.RenditionState
# What every current browser plays as it is: container (FFmpeg's demuxer), video codecs,
# audio codecs ("" = silent). H.264 only as 8-bit 4:2:0 (High 10 and 4:2:2 are not played).
PLAYABLE = {
    "mov": ({"h264", "av1", "vp9"}, {"", "aac", "mp3", "opus", "flac"}),
    "matroska": ({"vp8", "vp9", "av1"}, {"", "opus", "vorbis"}),
}
H264_PIXELS = {"yuv420p", "yuvj420p"}


@dataclass
class VideoRead:
    facts: dict[str, Any] = field(default_factory=dict)  # MediaInfo columns (and "_" keys for rendition_needed)
    poster_jpeg: bytes | None = None


# --- The child process ------------------------------------------------------------------------


def child_run(command: str, source: str, target: str, *, timeout: float) -> dict[str, Any]:
    """Run video_child.py `command` on `source` under the limits; its answer, or
    NotAnalysable with the reason. The child gets no secrets: a minimal environment."""
    memory = settings.PDS_MEDIA_VIDEO_MEMORY_MB
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LC_ALL": "C.UTF-8",
        "MALLOC_ARENA_MAX": "2",  # glibc's per-thread arenas would eat the address space
        "PDS_CHILD_MEMORY": str(memory * 1024 * 1024),
    }
    try:
        done = subprocess.run(
            [sys.executable, "-I", str(CHILD), command, source, target],
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:  # run() has killed it
        raise NotAnalysable(f"reading the video took longer than {timeout:g} s") from None
    answer = child_answer(done.stdout)
    if done.returncode < 0:
        name = signal.Signals(-done.returncode).name if -done.returncode in signal.valid_signals() else "a signal"
        raise NotAnalysable(f"the video decoder stopped with {name} (memory limit {memory} MiB)")
    if answer is None:
        raise NotAnalysable(f"the video decoder ended without an answer (exit status {done.returncode})")
    if answer.get("memory"):
        raise NotAnalysable(f"the video decoder ran out of memory (limit {memory} MiB)")
    if answer.get("error"):
        raise NotAnalysable(f"not a readable video: {answer['error']}"[:255])
    return answer


def child_answer(output: bytes) -> dict[str, Any] | None:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    try:
        answer = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) else None


# --- Reading ------------------------------------------------------------------------------------

COLUMNS = (
    "width",
    "height",
    "duration",
    "frame_rate",
    "frame_count",
    "video_codec",
    "audio_codec",
    "bit_rate",
    "audio_bit_rate",
    "taken_offset",
    "latitude",
    "longitude",
)


def video_read(path: str) -> VideoRead:
    """Probe the video at `path` and take its poster frame, in a child process."""
    with tempfile.TemporaryDirectory(prefix="pds-video-") as folder:
        poster = os.path.join(folder, "poster.jpg")
        answer = child_run("probe", path, poster, timeout=settings.PDS_MEDIA_VIDEO_TIMEOUT)
        jpeg = Path(poster).read_bytes() if os.path.exists(poster) else None
    facts: dict[str, Any] = {column: answer[column] for column in COLUMNS if answer.get(column) is not None}
    for column in ("video_codec", "audio_codec"):
        facts[column] = str(answer.get(column) or "")[:32]
    if answer.get("taken_at"):
        facts["taken_at"] = datetime.fromisoformat(answer["taken_at"])
        facts.setdefault("taken_offset", None)
    # Not columns: what rendition_needed decides by (it takes them out).
    facts["_container"], facts["_pixel_format"] = answer.get("container", ""), answer.get("pixel_format", "")
    return VideoRead(facts=facts, poster_jpeg=jpeg)


def poster_thumbnails(blob: Blob, jpeg: bytes) -> None:
    """The FIXED_PROCESSES thumbnails of the video, from its poster."""
    from PIL import Image

    from pds_server.services.thumbnails import thumbnails_pregenerate

    with Image.open(io.BytesIO(jpeg)) as picture:
        picture.load()
        thumbnails_pregenerate(blob, picture)


# --- Renditions -----------------------------------------------------------------------------


def browser_plays(container: str, video_codec: str, audio_codec: str, pixel_format: str) -> bool:
    video_codecs, audio_codecs = PLAYABLE.get(container, (set(), set()))
    if video_codec not in video_codecs or audio_codec not in audio_codecs:
        return False
    return video_codec != "h264" or pixel_format in H264_PIXELS


def rendition_needed(facts: dict[str, Any]) -> str:
    """Whether a rendition is to be made: "running" when browsers cannot play the original,
    else "". Takes out of `facts` the "_" keys video_read put in for it."""
    container, pixel_format = facts.pop("_container", ""), facts.pop("_pixel_format", "")
    playable = browser_plays(container, facts.get("video_codec", ""), facts.get("audio_codec", ""), pixel_format)
    return RenditionState.NONE if playable else RenditionState.RUNNING


def rendition_queue(media_pk: int) -> None:
    """Queue the rendition task after the commit."""
    from pds_server.tasks import render_video

    transaction.on_commit(lambda: render_video.delay(media_pk), using=PDS_DB)
