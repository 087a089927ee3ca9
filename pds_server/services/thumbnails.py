"""Thumbnails of images: OSS `image/resize` processes rendered by Pillow once per blob and
size, and kept beside the blob."""

from __future__ import annotations

import io

from django.db import IntegrityError, transaction

from pds_server import errors
from pds_server.models import Blob, Thumbnail
from pds_server.routers import PDS_DB
from pds_server.services.downloads import DEFAULT_THUMBNAIL
from pds_server.storage import blob_store

THUMBNAIL_MAX_SOURCE = 64 * 1024 * 1024
RESIZE_MODES = ("lfit", "mfit", "fill", "pad", "fixed")


def parse_image_process(process: str) -> dict:
    """OSS syntax: image/resize,m_fill,h_128,w_128,limit_0 (m: lfit, mfit, fill, pad, fixed)."""
    if not process.startswith("image/resize"):
        raise errors.InvalidParameter("Only image/resize is supported.", code="InvalidParameter.ImageThumbnailProcess")
    options: dict = {"m": "lfit", "w": 0, "h": 0, "limit": 1}
    for item in process.split("/", 1)[1].split(",")[1:]:
        key, _, value = item.partition("_")
        if key in ("w", "h", "limit") and value.isdigit():
            options[key] = int(value)
        elif key == "m" and value in RESIZE_MODES:
            options["m"] = value
    options["w"], options["h"] = min(options["w"], 4096), min(options["h"], 4096)
    if not options["w"] and not options["h"]:
        raise errors.InvalidParameter("image/resize needs w or h.", code="InvalidParameter.ImageThumbnailProcess")
    return options


# The sizes pages ask for, rendered at ingest from the one decode of the photo (or the
# video's poster), so that no page waits for a thumbnail and no size is made per window:
# the file list's square, the Photos grid and the viewer's screen-sized picture.
FIXED_PROCESSES = (
    DEFAULT_THUMBNAIL,
    "image/resize,m_lfit,w_480,h_480",
    "image/resize,m_lfit,w_1920,h_1920",
)


def process_spec(options: dict) -> str:
    return f"{options['m']}-{options['w']}x{options['h']}-{options['limit']}"


def thumbnail_render(blob: Blob, options: dict) -> bytes:
    from PIL import Image, ImageOps

    from pds_server.services.media.images import register_formats

    register_formats()
    from pds_server.services.media.images import MAX_PIXELS

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # a web process decodes no more than this
    image: Image.Image
    with blob_store().open(thumbnail_source(blob, options)) as handle:  # at most THUMBNAIL_MAX_SOURCE bytes
        image = Image.open(handle)
        image.draft("RGB", (4096, 4096))
        image = ImageOps.exif_transpose(image)
        return thumbnail_of_picture(image, options)


def thumbnail_source(blob: Blob, options: dict) -> str:
    """What a size not made at ingest is drawn from: the largest fixed thumbnail when it is
    big enough (camera RAW and HEIC need no second decode, and big photos decode fast), else
    a video's poster, else the bytes themselves."""
    largest = parse_image_process(FIXED_PROCESSES[-1])
    if max(options["w"], options["h"]) <= largest["w"]:
        made = Thumbnail.objects.filter(blob=blob, spec=process_spec(largest)).first()
        if made is not None:
            return made.storage_name
    media = getattr(blob, "media", None)
    return (media and media.poster_name) or blob.storage_name


def thumbnail_of_picture(image, options: dict) -> bytes:
    """JPEG bytes of `image` (orientation already applied) resized as `options` say."""
    from PIL import ImageOps

    image.thumbnail((8192, 8192))
    width, height = image.size
    w = options["w"] or round(width * options["h"] / height)
    h = options["h"] or round(height * options["w"] / width)
    if options["limit"] and (w > width or h > height):
        w, h = min(w, width), min(h, height)
    if options["m"] == "fill":
        image = ImageOps.fit(image, (w, h))
    elif options["m"] == "fixed":
        image = image.resize((w, h))
    else:
        image = image.copy()
        image.thumbnail((w, h))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85)
    return out.getvalue()


def thumbnail_keep(blob: Blob, spec: str, data: bytes) -> Thumbnail:
    store = blob_store()
    name = store.save_bytes(f"thumbnails/{blob.sha1}/{spec}.jpg", data)
    try:
        with transaction.atomic(using=PDS_DB):
            return Thumbnail.objects.create(blob=blob, spec=spec, storage_name=name, size=len(data))
    except IntegrityError:  # made at the same moment elsewhere: keep theirs
        theirs = Thumbnail.objects.select_related("blob").get(blob=blob, spec=spec)
        if theirs.storage_name != name:  # on S3 both wrote the same key: it is theirs now
            store.delete(name)
        return theirs


def thumbnails_pregenerate(blob: Blob, picture) -> None:
    """The FIXED_PROCESSES thumbnails of a picture ingest has decoded; those made already stay."""
    have = set(Thumbnail.objects.filter(blob=blob).values_list("spec", flat=True))
    for process in FIXED_PROCESSES:
        options = parse_image_process(process)
        spec = process_spec(options)
        if spec not in have:
            thumbnail_keep(blob, spec, thumbnail_of_picture(picture, options))


def thumbnail_get_or_create(*, sha1: str, process: str) -> Thumbnail:
    """The cached thumbnail of the blob `sha1` for `process`, rendered on first use."""
    blob = Blob.objects.select_related("media").filter(sha1=sha1).first()
    if blob is None:
        raise errors.NotFound("File")
    options = parse_image_process(process or DEFAULT_THUMBNAIL)
    spec = process_spec(options)
    cached = Thumbnail.objects.select_related("blob").filter(blob=blob, spec=spec).first()
    if cached is not None:
        return cached
    if blob.size > THUMBNAIL_MAX_SOURCE and thumbnail_source(blob, options) == blob.storage_name:
        raise errors.InvalidParameter(
            "The image is too large for a thumbnail.", code="InvalidParameter.ImageThumbnailProcess"
        )
    try:
        data = thumbnail_render(blob, options)
    except Exception:  # not an image Pillow can read, or a decompression bomb
        raise errors.InvalidParameter(
            "This file has no thumbnail.", code="InvalidParameter.ImageThumbnailProcess"
        ) from None
    return thumbnail_keep(blob, spec, data)
