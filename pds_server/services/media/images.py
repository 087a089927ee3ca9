"""What a photo's bytes say: size, orientation, EXIF (time with its offset, camera, lens,
exposure, GPS), read with Pillow (HEIC/HEIF through pillow-heif). A file Pillow cannot
read, or that would decode to more pixels than a worker should hold, is NotAnalysable."""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

from PIL import ExifTags, Image, ImageOps, TiffImagePlugin

from pds_server.services.media.capture_time import believable

# A decoded picture larger than this is refused: ~300 MB as RGB. JPEGs decode at a reduced
# scale (draft), so the limit applies to what is decoded: a 200-megapixel phone photo
# decodes at 1/8 to 3 megapixels. Pillow's own bomb check (made an error) stops anything
# whose header claims more than OPEN_MAX_PIXELS before a byte is decoded.
MAX_PIXELS = 100_000_000
OPEN_MAX_PIXELS = 800_000_000
# The longest side ingest decodes to: the largest fixed thumbnail (services/thumbnails.py).
DECODE_SIDE = 1920
# Longer animations are not photos (and a GIF of 100,000 frames is an attack on whoever
# plays it); counted from the GIF's blocks without decoding them.
MAX_FRAMES = 10_000
EXIF_VALUE_LIMIT = 512  # longer values (maker notes, previews) stay out of the stored EXIF

_heif_registered = False


class NotAnalysable(Exception):
    """The bytes cannot be read as what their name says; the reason is shown to admins."""


def register_formats() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


@dataclass
class ImageRead:
    facts: dict[str, Any]  # MediaInfo columns
    picture: Image.Image  # decoded, orientation applied, at most DECODE_SIDE on its longest side


def image_read(path: str) -> ImageRead:
    register_formats()
    Image.MAX_IMAGE_PIXELS = OPEN_MAX_PIXELS
    frames = gif_frame_count(path, limit=MAX_FRAMES)
    if frames is not None and frames > MAX_FRAMES:
        raise NotAnalysable(f"an animation of more than {MAX_FRAMES} frames")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as opened:
                facts = exif_facts_or_none(opened)
                raw_width, raw_height = opened.size
                # JPEG decodes at 1/2, 1/4 or 1/8 when the result still covers the size asked
                # for in both directions: asking for the photo's own shape lets a 4000×3000
                # photo decode at 2000×1500 (a 1920×1920 box would need all of its 3000 rows).
                scale = min(1.0, DECODE_SIDE / max(raw_width, raw_height, 1))
                opened.draft("RGB", (max(1, round(raw_width * scale)), max(1, round(raw_height * scale))))
                if opened.size[0] * opened.size[1] > MAX_PIXELS:
                    raise NotAnalysable(f"more than {MAX_PIXELS // 1_000_000} megapixels")
                opened.seek(0)  # the first frame of an animation, never all of them
                opened.load()
                picture = ImageOps.exif_transpose(opened) or opened
    except NotAnalysable:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise NotAnalysable(f"more than {OPEN_MAX_PIXELS // 1_000_000} megapixels") from None
    except Exception as error:  # Pillow raises many kinds for bad bytes: all mean the same here
        raise NotAnalysable(reason_of(error, path)) from None
    orientation = facts.get("orientation") or 1
    if orientation in (5, 6, 7, 8):
        raw_width, raw_height = raw_height, raw_width
    facts.update(width=raw_width, height=raw_height)
    picture.thumbnail((DECODE_SIDE, DECODE_SIDE))
    return ImageRead(facts=facts, picture=picture)


def reason_of(error: Exception, path: str) -> str:
    """The error's words for admins and the file's owner, without the path it was read from
    (a storage location is nobody's business)."""
    text = (str(error) or type(error).__name__).replace(f"'{path}'", "the file").replace(path, "the file")
    return text[:200]


def exif_facts_or_none(opened: Image.Image) -> dict[str, Any]:
    """What the EXIF says; a broken EXIF block leaves the picture readable, only unexplained."""
    try:
        return exif_facts(opened.getexif())
    except Exception:  # any value odd enough to break reading it (a huge rational, say)
        return {}


def gif_frame_count(path: str, *, limit: int) -> int | None:
    """How many frames a GIF holds (stopping past `limit`), by walking its block structure;
    None when the file is not a GIF. A malformed GIF counts what it has; Pillow judges the rest."""
    with open(path, "rb") as handle:
        data = handle.read(13)
        if data[:3] != b"GIF":
            return None
        flags = data[10] if len(data) == 13 else 0
        if flags & 0x80:  # global colour table
            handle.seek(3 * (2 ** ((flags & 7) + 1)), 1)
        frames = 0
        while frames <= limit:
            introducer = handle.read(1)
            if introducer == b",":  # image descriptor
                descriptor = handle.read(9)
                if len(descriptor) < 9:
                    break
                frames += 1
                if descriptor[8] & 0x80:  # local colour table
                    handle.seek(3 * (2 ** ((descriptor[8] & 7) + 1)), 1)
                handle.read(1)  # LZW minimum code size
            elif introducer == b"!":  # extension: label, then sub-blocks
                handle.read(1)
            else:  # trailer, end of file, or garbage
                break
            while True:  # data sub-blocks up to a zero-length one
                size = handle.read(1)
                if not size or size == b"\x00":
                    break
                handle.seek(size[0], 1)
        return frames


# --- EXIF ---------------------------------------------------------------------------------

_TAGS = ExifTags.TAGS
_GPS_TAGS = ExifTags.GPSTAGS


def exif_facts(exif: Image.Exif) -> dict[str, Any]:
    base = dict(exif)
    detail = exif.get_ifd(ExifTags.IFD.Exif)
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    facts: dict[str, Any] = {}
    orientation = base.get(ExifTags.Base.Orientation)
    if isinstance(orientation, int) and 1 <= orientation <= 8:
        facts["orientation"] = orientation
    taken = _exif_time(
        detail.get(ExifTags.Base.DateTimeOriginal)
        or detail.get(ExifTags.Base.DateTimeDigitized)
        or base.get(ExifTags.Base.DateTimeOriginal),  # some RAW writers put it in IFD0
        detail.get(ExifTags.Base.OffsetTimeOriginal) or detail.get(ExifTags.Base.OffsetTime),
    )
    if taken is None:  # some cameras write only IFD0's DateTime
        taken = _exif_time(base.get(ExifTags.Base.DateTime), base.get(ExifTags.Base.OffsetTime))
    if taken is not None:
        facts["taken_at"], facts["taken_offset"] = taken
    facts["camera_make"] = _text(base.get(ExifTags.Base.Make))[:128]
    facts["camera_model"] = _text(base.get(ExifTags.Base.Model))[:128]
    facts["lens_model"] = _text(detail.get(ExifTags.Base.LensModel))[:128]
    exposure = _number(detail.get(ExifTags.Base.ExposureTime))
    if exposure and exposure_text(exposure):
        facts["exposure_time"] = exposure_text(exposure)
    for column, tag in (
        ("f_number", ExifTags.Base.FNumber),
        ("focal_length", ExifTags.Base.FocalLength),
    ):
        value = _number(detail.get(tag))
        if value:
            facts[column] = round(value, 2)
    iso = detail.get(ExifTags.Base.ISOSpeedRatings)
    if isinstance(iso, tuple) and iso:
        iso = iso[0]
    if isinstance(iso, int) and 0 < iso < 10_000_000:
        facts["iso"] = iso
    position = gps_position(gps)
    if position is not None:
        facts["latitude"], facts["longitude"] = position
    facts["exif"] = exif_json(base, detail, gps)
    return facts


def _exif_time(value: Any, offset: Any) -> tuple[datetime, int | None] | None:
    """EXIF "2021:07:04 18:30:00" and "+08:00" into the instant and minutes east of UTC;
    without an offset, the wall clock as UTC and None."""
    text = _text(value).strip()
    try:
        wall = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    minutes = _offset_minutes(_text(offset).strip())
    zone = UTC if minutes is None else timezone(timedelta(minutes=minutes))
    moment = believable(wall.replace(tzinfo=zone))  # "0000:00:00 00:00:00", year 9999 and worse
    return None if moment is None else (moment, minutes)


def _offset_minutes(text: str) -> int | None:
    if len(text) != 6 or text[0] not in "+-" or text[3] != ":" or not (text[1:3] + text[4:]).isdigit():
        return None
    minutes = int(text[1:3]) * 60 + int(text[4:])
    if minutes > 14 * 60:
        return None
    return -minutes if text[0] == "-" else minutes


def gps_position(gps: dict) -> tuple[float, float] | None:
    try:
        latitude = _degrees(gps[2]) * (-1 if _text(gps.get(1)).upper().startswith("S") else 1)
        longitude = _degrees(gps[4]) * (-1 if _text(gps.get(3)).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180) or (latitude == 0 and longitude == 0):
        return None
    return round(latitude, 6), round(longitude, 6)


def _degrees(value: Any) -> float:
    degrees, minutes, seconds = (float(part) for part in value)
    return degrees + minutes / 60 + seconds / 3600


def _number(value: Any) -> float | None:
    if isinstance(value, tuple) and len(value) == 2:  # (numerator, denominator)
        value = Fraction(*value) if value[1] else None
    try:
        number = float(value)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def exposure_text(seconds: float) -> str:
    """ "1/125" or "2.5" (seconds); "" for what no shutter does."""
    if not 1e-6 <= seconds <= 1e5:
        return ""
    if seconds >= 1:
        return f"{seconds:g}"
    return f"1/{round(1 / seconds)}"


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).replace("\x00", "").strip() if value is not None else ""


def _json_value(value: Any) -> Any:
    if isinstance(value, TiffImagePlugin.IFDRational | Fraction):
        number = _number(value)
        return None if number is None or not math.isfinite(number) else round(number, 6)
    if isinstance(value, bytes):
        return None if len(value) > 64 else value.hex()
    if isinstance(value, tuple | list):
        items = [_json_value(item) for item in value[:16]]
        return items
    if isinstance(value, float):
        return value if math.isfinite(value) else None  # JSON (and PostgreSQL) has no NaN or Infinity
    if isinstance(value, int):
        return value
    text = _text(value)
    return text if len(text) <= EXIF_VALUE_LIMIT else None


def exif_json(*ifds: dict) -> dict[str, Any]:
    """Every readable tag by its EXIF name ("Make", "DateTimeOriginal", "GPSLatitude"...)."""
    out: dict[str, Any] = {}
    for index, ifd in enumerate(ifds):
        names = _GPS_TAGS if index == 2 else _TAGS
        for tag, value in ifd.items():
            name = names.get(tag)
            if not name or name in ("ExifOffset", "GPSInfo", "MakerNote", "PrintImageMatching", "UserComment"):
                continue
            converted = _json_value(value)
            if converted is not None and converted != []:
                out[name] = converted
    return out


def exif_time_rfc3339(taken_at: datetime, offset: int | None) -> str:
    """The wire form: with the zone it was taken in when known, else as UTC."""
    if offset is None:
        return taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return taken_at.astimezone(timezone(timedelta(minutes=offset))).isoformat(timespec="seconds")
