"""Camera RAW photos (DNG, CR2, CR3, NEF, ARW, ORF, RW2, RAF, PEF, SRW) through rawpy
(LibRaw in its wheel): the picture from the embedded preview when the camera wrote one
large enough, else a half-size development of the sensor data; EXIF from the TIFF
structure most RAW formats share, with LibRaw's own readings where EXIF is silent."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageOps

from pds_server.services.media.images import (
    DECODE_SIDE,
    MAX_PIXELS,
    ImageRead,
    NotAnalysable,
    exif_facts,
    exposure_text,
    reason_of,
)

RAW_EXTENSIONS = {"raw", "cr2", "cr3", "nef", "nrw", "arw", "dng", "orf", "rw2", "raf", "pef", "srw"}
# EXIF of TIFF-based RAW files sits near the start; more is not read for it.
EXIF_HEAD = 4 * 1024 * 1024
# A preview smaller than this on its longest side is not used for the viewer's picture.
MIN_PREVIEW_SIDE = 1024
# LibRaw's `flip` as the EXIF orientation it stands for.
FLIP_ORIENTATION = {0: 1, 3: 3, 5: 8, 6: 6}


def raw_read(path: str) -> ImageRead:
    import rawpy

    facts = _tiff_exif(path)
    try:
        with rawpy.imread(path) as raw:
            sizes = raw.sizes
            if sizes.width * sizes.height > MAX_PIXELS:
                raise NotAnalysable(f"more than {MAX_PIXELS // 1_000_000} megapixels")
            facts.update(_libraw_facts(raw, facts))
            orientation = FLIP_ORIENTATION.get(sizes.flip, 1)
            facts.setdefault("orientation", orientation)
            width, height = sizes.width, sizes.height
            if orientation in (5, 6, 7, 8):
                width, height = height, width
            picture = _preview(raw, orientation)
            if picture is None:  # developed: LibRaw turns it itself
                picture = Image.fromarray(raw.postprocess(half_size=True, use_camera_wb=True, output_bps=8))
    except NotAnalysable:
        raise
    except Exception as error:  # LibRaw's errors and anything else the bytes provoke
        raise NotAnalysable(reason_of(error, path)) from None
    facts.update(width=width, height=height)
    picture.thumbnail((DECODE_SIDE, DECODE_SIDE))
    return ImageRead(facts=facts, picture=picture)


def _tiff_exif(path: str) -> dict[str, Any]:
    with open(path, "rb") as handle:
        head = handle.read(EXIF_HEAD)
    if head[:4] not in (b"II*\x00", b"MM\x00*"):
        return {}
    exif = Image.Exif()
    try:
        exif.load(head)
        return exif_facts(exif)
    except Exception:  # a sub-directory past what was read, or a broken one: LibRaw's readings only
        return {}


def _libraw_facts(raw, known: dict[str, Any]) -> dict[str, Any]:
    other, lens = raw.other, raw.lens
    facts: dict[str, Any] = {}
    if not known.get("iso") and other.iso_speed > 0:
        facts["iso"] = int(other.iso_speed)
    if not known.get("exposure_time") and exposure_text(other.shutter_speed):
        facts["exposure_time"] = exposure_text(other.shutter_speed)
    if not known.get("f_number") and other.aperture > 0:
        facts["f_number"] = round(other.aperture, 2)
    if not known.get("focal_length") and other.focal_length > 0:
        facts["focal_length"] = round(other.focal_length, 2)
    if not known.get("lens_model") and lens.model:
        facts["lens_model"] = lens.model.replace("\x00", "")[:128]
    return facts


def _preview(raw, orientation: int) -> Image.Image | None:
    import rawpy

    try:
        thumb = raw.extract_thumb()
    except (rawpy.LibRawNoThumbnailError, rawpy.LibRawUnsupportedThumbnailError):
        return None
    picture: Image.Image
    if thumb.format == rawpy.ThumbFormat.JPEG:
        picture = Image.open(io.BytesIO(thumb.data))
        picture.draft("RGB", (DECODE_SIDE, DECODE_SIDE))
        picture.load()
    else:
        picture = Image.fromarray(thumb.data)
    if max(picture.size) < MIN_PREVIEW_SIDE:
        return None
    return ImageOps.exif_transpose(_with_orientation(picture, orientation))


def _with_orientation(picture: Image.Image, orientation: int) -> Image.Image:
    picture.getexif()[0x0112] = orientation
    return picture
