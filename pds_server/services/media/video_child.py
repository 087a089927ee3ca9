"""The process that opens videos, started by videos.py for each one:

    python -m pds_server.services.media.video_child probe SOURCE POSTER_JPEG
    python -m pds_server.services.media.video_child render SOURCE TARGET_MP4

Whatever a hostile file makes FFmpeg do stays in here: the address space is capped
(RLIMIT_AS, from PDS_CHILD_MEMORY) before FFmpeg is loaded, and the parent waits a
wall-clock timeout and kills it. Only the demuxers of video containers are allowed, so a
text file naming other files (concat, playlists) opens nothing. It answers one JSON line
on stdout: the facts, or {"error": ..., "memory": bool}. No Django in here.
"""

from __future__ import annotations

import errno
import json
import os
import re
import resource
import sys
from datetime import UTC, datetime
from fractions import Fraction
from typing import Any

# The demuxers of video files people keep (QuickTime/MP4, Matroska/WebM, AVI, ASF/WMV,
# MPEG-TS/PS, FLV, Ogg, MXF, raw H.264/HEVC); never concat, HLS, DASH, image2 or the like.
FORMATS = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,asf,mpegts,mpeg,flv,ogg,mxf,h264,hevc,m4v,dv,rm"
POSTER_SIDE = 1920
POSTER_AT = 1.0  # seconds in, for videos at least twice as long; else the first frame
POSTER_SEARCH_FRAMES = 300  # decoded after the seek before settling for what came
# The rendition: H.264 High (yuv420p) + AAC in an MP4 with its index in front, at most 1080p.
RENDITION_LONG, RENDITION_SHORT = 1920, 1080
ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)")


class Refused(Exception):
    """Not a video this reads; the message is the reason."""


def limit_resources() -> None:
    memory = int(os.environ.get("PDS_CHILD_MEMORY", "0") or 0)
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def open_input(path: str):
    import av

    try:
        return av.open(path, container_options={"format_whitelist": FORMATS, "protocol_whitelist": "file"})
    except av.error.ArgumentError:  # the demuxer FFmpeg recognised is not one of FORMATS
        raise Refused("not a video container this server reads") from None


def video_stream(container):
    for stream in container.streams.video:
        if not stream.disposition & 0x400:  # AV_DISPOSITION_ATTACHED_PIC: cover art
            return stream
    raise Refused("no video stream")


# --- Probe ------------------------------------------------------------------------------------


def probe(source: str, poster_path: str) -> dict[str, Any]:
    with open_input(source) as container:
        video = video_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        facts = stream_facts(container, video, audio)
        facts.update(tag_facts(container.metadata, video.metadata))
        frame = poster_frame(container, video, facts.get("duration") or 0)
    if frame is None:
        raise Refused("no frame of the video could be decoded")
    rotation = round((frame.rotation or 0) / 90) * 90 % 360
    width, height = display_size(frame.width, frame.height, video.sample_aspect_ratio)
    if rotation in (90, 270):
        width, height = height, width
    facts.update(width=width, height=height, rotation=rotation)
    poster_write(frame, video.sample_aspect_ratio, rotation, poster_path)
    return facts


def stream_facts(container, video, audio) -> dict[str, Any]:
    context = video.codec_context
    duration = container.duration / 1_000_000 if container.duration else None
    if not duration and video.duration and video.time_base:
        duration = float(video.duration * video.time_base)
    rate = video.average_rate or video.guessed_rate or video.base_rate
    frame_rate = float(rate) if rate and 0 < float(rate) < 1000 else None
    frame_count = video.frames or (round(duration * frame_rate) if duration and frame_rate else None)
    bit_rate = video.bit_rate or context.bit_rate or None
    audio_bit_rate = (audio.bit_rate or audio.codec_context.bit_rate or None) if audio else None
    if not bit_rate and container.bit_rate:
        bit_rate = max(container.bit_rate - (audio_bit_rate or 0), 0) or None
    return {
        "width": context.width,
        "height": context.height,
        "duration": round(duration, 3) if duration and 0 < duration < 10**7 else None,
        "frame_rate": round(frame_rate, 3) if frame_rate else None,
        "frame_count": frame_count if frame_count and 0 < frame_count < 2**31 else None,
        "video_codec": context.codec.canonical_name,
        "audio_codec": audio.codec_context.codec.canonical_name if audio else "",
        "bit_rate": bit_rate if bit_rate and 0 < bit_rate < 2**62 else None,
        "audio_bit_rate": audio_bit_rate if audio_bit_rate and 0 < audio_bit_rate < 2**62 else None,
        "container": container.format.name.split(",")[0],
        "pixel_format": context.format.name if context.format else "",
    }


def tag_facts(tags: dict[str, str], video_tags: dict[str, str]) -> dict[str, Any]:
    """Capture time and place from the container's tags: Apple's creationdate (local time
    with its zone) before creation_time (an instant, zone unknown); ISO 6709 positions."""
    facts: dict[str, Any] = {}
    for key, zoned in (("com.apple.quicktime.creationdate", True), ("creation_time", False)):
        taken = parse_time(tags.get(key) or video_tags.get(key) or "", zoned=zoned)
        if taken is not None:
            facts["taken_at"], facts["taken_offset"] = taken
            break
    for key in ("com.apple.quicktime.location.ISO6709", "location", "location-eng"):
        position = parse_iso6709(tags.get(key, ""))
        if position is not None:
            facts["latitude"], facts["longitude"] = position
            break
    return facts


def parse_time(text: str, *, zoned: bool) -> tuple[str, int | None] | None:
    """(ISO instant, minutes east of UTC or None). A zone is kept only from tags that hold
    the local time (Apple's); creation_time's "Z" says UTC, not where it was taken. Clocks
    never set (1904, 1970) say nothing."""
    text = text.strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        return None
    if moment.year < 1971 or moment.year > 2200:
        return None
    delta = moment.utcoffset()
    if delta is None:  # no zone: the wall clock, kept as UTC
        return moment.replace(tzinfo=UTC).isoformat(), None
    offset = int(delta.total_seconds() // 60) if zoned else None
    return moment.astimezone(UTC).isoformat(), offset


def parse_iso6709(text: str) -> tuple[float, float] | None:
    """ "+30.2500+120.1667/" (degrees), "+3015.00+12010.00/" (degrees and minutes) or with
    seconds, as ISO 6709 writes them."""
    match = ISO6709.match(text.strip())
    if not match:
        return None
    latitude, longitude = (iso6709_degrees(part, width) for part, width in zip(match.groups(), (2, 3), strict=True))
    if latitude is None or longitude is None or abs(latitude) > 90 or abs(longitude) > 180:
        return None
    if latitude == 0 and longitude == 0:
        return None
    return round(latitude, 6), round(longitude, 6)


def iso6709_degrees(part: str, width: int) -> float | None:
    sign = -1 if part[0] == "-" else 1
    whole, _, fraction = part[1:].partition(".")
    digits = len(whole)
    try:
        if digits == width:
            return sign * float(part[1:])
        if digits == width + 2:
            return sign * (int(whole[:width]) + float(whole[width:] + "." + (fraction or "0")) / 60)
        if digits == width + 4:
            seconds = float(whole[width + 2 :] + "." + (fraction or "0"))
            return sign * (int(whole[:width]) + int(whole[width : width + 2]) / 60 + seconds / 3600)
    except ValueError:
        return None
    return None


def display_size(width: int, height: int, aspect: Fraction | None) -> tuple[int, int]:
    if aspect and aspect > 0 and aspect != 1:
        return max(1, round(width * aspect)), height
    return width, height


def poster_frame(container, video, duration: float):
    """A frame about POSTER_AT seconds in (the first frame of a short video); damaged
    packets are skipped, as players do."""
    video.codec_context.thread_count = 1
    target = POSTER_AT if duration >= 2 * POSTER_AT else 0.0
    if target and video.time_base:
        try:
            container.seek(int(target / video.time_base) + (video.start_time or 0), stream=video)
        except Exception:  # not seekable: from the start
            container.seek(0)
            target = 0.0
    start = float(video.start_time * video.time_base) if video.start_time and video.time_base else 0.0
    found, count = None, 0
    for packet in container.demux(video):
        for frame in safe_decode(packet):
            found, count = frame, count + 1
            if frame.time is None or frame.time - start >= target - 0.02 or count >= POSTER_SEARCH_FRAMES:
                return found
    return found


def poster_write(frame, aspect: Fraction | None, rotation: int, path: str) -> None:
    width, height = display_size(frame.width, frame.height, aspect)
    scale = min(1.0, POSTER_SIDE / max(width, height))
    picture = frame.to_image(width=max(2, round(width * scale)), height=max(2, round(height * scale)))
    if rotation:
        picture = picture.rotate(rotation, expand=True)  # counter-clockwise, as the display matrix says
    picture.convert("RGB").save(path, "JPEG", quality=85)


# --- Render -----------------------------------------------------------------------------------


def render(source: str, target: str) -> dict[str, Any]:
    """Transcode to H.264 + AAC in an MP4 (index in front), keeping the timestamps (phones
    record at a variable frame rate) and the display rotation."""
    import av

    with open_input(source) as container, av.open(target, "w", format="mp4", options={"movflags": "+faststart"}) as out:
        video = video_stream(container)
        audio = container.streams.audio[0] if container.streams.audio else None
        video.codec_context.thread_count = 2
        width, height = rendition_size(video.codec_context.width, video.codec_context.height, video.sample_aspect_ratio)
        rate = video.average_rate or video.guessed_rate or Fraction(30)
        encoder = out.add_stream("libx264", rate=rate, options={"preset": "veryfast", "crf": "23", "profile": "high"})
        encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
        encoder.time_base = video.time_base
        encoder.codec_context.thread_count = 2
        rotated = False
        sound = out.add_stream("aac", rate=48000, layout="stereo") if audio else None
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=48000) if audio else None
        last_pts = None
        streams = [video] + ([audio] if audio else [])
        for packet in container.demux(*streams):
            for frame in safe_decode(packet):
                if packet.stream is video:
                    if not rotated:
                        if frame.rotation:
                            encoder.set_display_rotation(frame.rotation)
                        rotated = True
                    if frame.pts is None or (last_pts is not None and frame.pts <= last_pts):
                        continue
                    last_pts = frame.pts
                    picture = frame.reformat(width=width, height=height, format="yuv420p")
                    picture.pts, picture.time_base = frame.pts, frame.time_base
                    out.mux(encoder.encode(picture))
                elif sound is not None and resampler is not None:
                    for part in resampler.resample(frame):
                        out.mux(sound.encode(part))
        if last_pts is None:
            raise Refused("no frame of the video could be decoded")
        out.mux(encoder.encode(None))
        if sound is not None and resampler is not None:
            for part in resampler.resample(None):
                out.mux(sound.encode(part))
            out.mux(sound.encode(None))
    return {"size": os.path.getsize(target), "width": width, "height": height}


def safe_decode(packet):
    """A packet's frames; a damaged packet gives none (as players skip it)."""
    import av

    try:
        return packet.decode()
    except av.error.InvalidDataError:
        return []


def rendition_size(width: int, height: int, aspect: Fraction | None) -> tuple[int, int]:
    """At most 1920x1080 (or 1080x1920), even sides, pixels made square."""
    width, height = display_size(width, height, aspect)
    long_side, short_side = max(width, height), min(width, height)
    scale = min(1.0, RENDITION_LONG / long_side, RENDITION_SHORT / short_side)
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


# --- Entry ------------------------------------------------------------------------------------


def main(argv: list[str]) -> int:
    limit_resources()
    command, source, target = argv[1], argv[2], argv[3]
    try:
        answer = (probe if command == "probe" else render)(source, target)
    except Refused as error:
        answer = {"error": str(error)}
    except MemoryError:
        answer = {"error": "out of memory", "memory": True}
    except Exception as error:  # FFmpeg's own message says what was wrong with the bytes
        # Out of address space, FFmpeg says ENOMEM, or EAGAIN when a thread cannot start.
        memory = isinstance(error, OSError) and error.errno in (errno.ENOMEM, errno.EAGAIN) or near_limit()
        answer = {"error": ffmpeg_message(error, source), "memory": memory}
    sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()
    return 0


def near_limit() -> bool:
    """Whether this process came within a tenth of its address-space limit: a library
    whose allocation failed there (x264 says "Generic error") ran out of memory."""
    memory = int(os.environ.get("PDS_CHILD_MEMORY", "0") or 0)
    try:
        with open("/proc/self/status") as status:
            peak = next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmPeak:")), 0)
    except OSError:
        return False
    return memory > 0 and peak > memory * 0.9


def ffmpeg_message(error: Exception, source: str) -> str:
    text = getattr(error, "strerror", None) or str(error) or type(error).__name__
    return text.replace(source, "").replace("''", "").strip(" :") or type(error).__name__


if __name__ == "__main__":
    sys.exit(main(sys.argv))
