"""Photos and videos for the Photos page's tests: real files uploaded to the live PDS and read
by ingest (media_ingest, the task's body, run here), and big libraries written straight into
the PDS's table."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from fractions import Fraction

import requests

from pds_server.models import Drive, File
from pds_server.routers import PDS_DB
from pds_server.services.media.ingest import media_ingest
from tests.drive_helpers import Browser
from tests.pds_server.media_files import photo


def upload_photo(person: Browser, name: str, *, parent: str = "root", drive_id: str = "", **exif) -> str:
    """Upload a JPEG with EXIF (tests.pds_server.media_files.photo) to the person's drive (or
    `drive_id`) and read it as the worker would; returns its file_id."""
    data = photo(**exif)
    drive_id = drive_id or person.drive_id
    body = {"drive_id": drive_id, "parent_file_id": parent, "name": name, "type": "file", "size": len(data)}
    created = person.pds("file/create", body)
    requests.put(created["part_info_list"][0]["upload_url"], data=data, timeout=30)
    ids = {"drive_id": drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
    person.pds("file/complete", ids)
    media_ingest(file_pk=File.objects.get(file_id=created["file_id"]).pk)
    return str(created["file_id"])


def h264_mp4(*, seconds: float = 2.0, size: tuple[int, int] = (320, 240), fps: int = 24) -> bytes:
    """A real H.264 MP4 (yuv420p, faststart-free but small), frames of changing colour."""
    import av
    import numpy

    out = io.BytesIO()
    with av.open(out, mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, fps)
        for index in range(int(seconds * fps)):
            pixels = numpy.zeros((size[1], size[0], 3), dtype=numpy.uint8)
            pixels[:, :, 0] = (index * 9) % 255
            pixels[:, : size[0] // 2, 1] = 180
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return out.getvalue()


def upload_video(person: Browser, name: str, data: bytes | None = None) -> str:
    done = person.upload(name, data or h264_mp4())
    media_ingest(file_pk=File.objects.get(file_id=done["file_id"]).pk)
    return done["file_id"]


def library(drive: Drive, model: File, count: int, *, newest: datetime, step: timedelta, prefix: str = "b") -> None:
    """`count` more photos like `model` (its blob, media and thumbnails), taken one `step`
    apart back from `newest`: rows written at once, as ingest would leave them."""
    rows = [
        File(
            file_id=f"{prefix}{index:039d}",
            drive=drive,
            parent_file_id="root",
            name=f"IMG_{index:06d}.jpg",
            type="file",
            size=model.size,
            content_type=model.content_type,
            category=model.category,
            file_extension=model.file_extension,
            content_hash=model.content_hash,
            content_hash_name=model.content_hash_name,
            crc64_hash=model.crc64_hash,
            blob=model.blob,
            revision_id=model.revision_id,
            media=model.media,
            image_time=newest - index * step,
            image_time_source="exif",
            created_at=model.created_at,
            updated_at=model.updated_at,
        )
        for index in range(count)
    ]
    File.objects.using(PDS_DB).bulk_create(rows, batch_size=2000)
