"""Ingest: read a photo's or video's bytes once per blob, keep what they say (MediaInfo),
render its fixed thumbnails, and give each file its capture time.

New content (services/revisions.content_commit) calls `media_on_new_content`: content read
before (an instant upload, a copy, a restore) takes its facts at once; new content queues
`ingest_media` after the commit. The task is idempotent: run twice, it finds the blob read
and only links the file. A worker killed while reading leaves the blob pending and the
broker gives the task back; after MAX_ATTEMPTS starts the blob is not analysable, so a file
that kills its reader cannot take workers down forever.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from pds_server.models import Blob, File, MediaInfo
from pds_server.routers import PDS_DB
from pds_server.services.media.capture_time import time_from_file, time_from_name
from pds_server.services.media.images import NotAnalysable
from pds_server.services.media.raw import RAW_EXTENSIONS
from pds_server.storage import blob_store

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LINK_AT_ONCE = 1000  # more files waiting for one blob are linked by the sweep, a batch a time
# Images Pillow cannot draw (vector) are files, not photos.
NOT_PHOTOS = {"svg", "svgz", "ai", "eps", "psd"}


def media_kind(item: File) -> str | None:
    extension = item.file_extension.lower()
    if item.category == "image" and extension not in NOT_PHOTOS:
        return MediaInfo.Kind.IMAGE
    if item.category == "video":
        return MediaInfo.Kind.VIDEO
    return None


# --- New content ----------------------------------------------------------------------------


def media_on_new_content(item: File) -> None:
    """Set the unsaved `item`'s media fields for its new blob, queueing the read when the
    blob has not been read yet. Call inside the transaction that saves the file."""
    kind = media_kind(item) if item.blob_id else None
    media = MediaInfo.objects.filter(blob_id=item.blob_id or 0).first() if kind else None
    if kind is None or media is None or media.state == MediaInfo.State.PENDING:
        item.media, item.image_time, item.image_time_source = media, None, ""
        if kind is not None:
            # robust: a broker that is down must not turn a stored upload into an error (nor
            # skip the commit's other callbacks); the sweep queues the read later.
            transaction.on_commit(lambda: media_ingest_queue(item.pk), using=PDS_DB, robust=True)
        return
    item.media = media
    item.image_time, item.image_time_source = capture_time(item, media)
    if media.kind == MediaInfo.Kind.IMAGE and media.state == MediaInfo.State.DONE:
        # Analysed already, perhaps: then the task only groups its faces in this file's drive.
        from pds_server.services.analysis.pipeline import analysis_queue

        transaction.on_commit(lambda: analysis_queue(media.pk), using=PDS_DB, robust=True)


def media_ingest_queue(file_pk: int) -> None:
    from pds_server.tasks import ingest_media

    ingest_media.delay(file_pk)


# --- The task -------------------------------------------------------------------------------


def media_ingest(*, file_pk: int) -> str:
    """Read the file's blob if no one has, then link the file to what was read."""
    item = File.objects.select_related("blob").filter(pk=file_pk, type=File.Type.FILE).first()
    if item is None or item.blob is None:
        return "gone"
    kind = media_kind(item)
    if kind is None:
        return "not media"
    media = media_of_blob(item.blob, kind)
    if media.state == MediaInfo.State.PENDING:
        media = media_read(media, extension=item.file_extension.lower())
        file_media_link(item, media)
        from pds_server.services.analysis.pipeline import analysis_after_ingest

        analysis_after_ingest(media)
        return media.state
    file_media_link(item, media)
    return media.state


def media_of_blob(blob: Blob, kind: str) -> MediaInfo:
    try:
        with transaction.atomic(using=PDS_DB):
            media, _ = MediaInfo.objects.get_or_create(blob=blob, defaults={"kind": kind})
    except IntegrityError:  # made at this moment by another worker
        media = MediaInfo.objects.get(blob=blob)
    return media


def media_read(media: MediaInfo, *, extension: str = "") -> MediaInfo:
    """Read the blob's bytes (once) into `media`, done or not analysable. `extension` (of the
    file that asked) tells camera RAW from other TIFF-shaped bytes."""
    MediaInfo.objects.filter(pk=media.pk).update(attempts=F("attempts") + 1)
    media.refresh_from_db()
    if media.state != MediaInfo.State.PENDING:  # another worker read it meanwhile
        return media
    if media.attempts > MAX_ATTEMPTS:
        return media_fail(media, f"reading did not finish in {MAX_ATTEMPTS} attempts")
    blob = media.blob
    try:
        with blob_local_path(blob) as path:
            if media.kind == MediaInfo.Kind.IMAGE:
                facts = image_ingest(blob, path, raw=extension in RAW_EXTENSIONS)
            else:
                facts = video_ingest(media, path)
    except NotAnalysable as error:
        return media_fail(media, str(error))
    if facts.get("latitude") is not None:
        from pds_server.services.media.places import place_of

        facts.update(place_of(facts["latitude"], facts["longitude"]))
    old_poster = MediaInfo.objects.filter(pk=media.pk).values_list("poster_name", flat=True).first()
    for column, value in facts.items():
        setattr(media, column, value)
    media.state, media.reason, media.analysed_at = MediaInfo.State.DONE, "", timezone.now()
    media.save()
    if old_poster and old_poster != media.poster_name:  # read again: the earlier poster goes
        blob_store().delete(old_poster)
    if media.rendition_state == MediaInfo.RenditionState.RUNNING:  # queued once the row says so
        from pds_server.services.media import videos

        videos.rendition_queue(media.pk)
    return media


def image_ingest(blob: Blob, path: str, *, raw: bool = False) -> dict:
    from pds_server.services.media.images import image_read
    from pds_server.services.media.raw import raw_read
    from pds_server.services.thumbnails import thumbnails_pregenerate

    read = raw_read(path) if raw else image_read(path)
    try:
        thumbnails_pregenerate(blob, read.picture)
    finally:
        read.picture.close()
    return read.facts


def video_ingest(media: MediaInfo, path: str) -> dict:
    """Probe the video in a separate process with time and memory limits (services/media/
    videos.py), keep its poster frame and render the poster's thumbnails."""
    from pds_server.services.media import videos

    read = videos.video_read(path)
    facts = dict(read.facts)
    if read.poster_jpeg:
        store = blob_store()
        name = store.save_bytes(f"thumbnails/{media.blob.sha1}/poster.jpg", read.poster_jpeg)
        facts["poster_name"] = name
        videos.poster_thumbnails(media.blob, read.poster_jpeg)
    facts["rendition_state"] = videos.rendition_needed(facts)
    return facts


def media_fail(media: MediaInfo, reason: str) -> MediaInfo:
    log.info("media of blob %s is not analysable: %s", media.blob_id, reason)
    media.state, media.reason, media.analysed_at = MediaInfo.State.FAILED, reason[:255], timezone.now()
    media.save(update_fields=["state", "reason", "analysed_at"])
    return media


def file_media_link(item: File, media: MediaInfo) -> None:
    """Point the file at `media` and set its capture time, unless its content changed
    meanwhile; and the same for the blob's other files still waiting for it (a copy or an
    equal upload made while it was being read)."""
    waiting = File.objects.filter(blob_id=media.blob_id).filter(
        Q(pk=item.pk) | Q(media__isnull=True) | Q(image_time__isnull=True, image_time_source="")
    )
    for other in waiting.order_by("pk")[:LINK_AT_ONCE]:
        if media_kind(other) != media.kind:
            continue
        image_time, source = capture_time(other, media)
        File.objects.filter(pk=other.pk, blob_id=media.blob_id).update(
            media=media, image_time=image_time, image_time_source=source
        )


def capture_time(item: File, media: MediaInfo) -> tuple[datetime | None, str]:
    """When the file's photo was taken, and where that came from: its own metadata
    ("exif"), a date in its name ("name"), else the file's time ("file"). A file that is
    not analysable is not a photo: it has none, and stays off the timeline."""
    if media.state != MediaInfo.State.DONE:
        return None, ""
    if media.taken_at is not None:
        return media.taken_at, "exif"
    from_name = time_from_name(item.name)
    if from_name is not None:
        return from_name, "name"
    return time_from_file(item.local_created_at, item.local_modified_at, item.created_at), "file"


@contextlib.contextmanager
def blob_local_path(blob: Blob) -> Iterator[str]:
    """A path of the blob's bytes on this machine: the stored file itself on local disk,
    else one copy in a temporary file (S3), removed after."""
    store = blob_store()
    path = store.local_path(blob.storage_name)
    if path is not None:
        yield path
        return
    handle, temporary = tempfile.mkstemp(prefix="pds-media-")
    try:
        with os.fdopen(handle, "wb") as out, store.open_stream(blob.storage_name) as source:
            shutil.copyfileobj(source, out, 1024 * 1024)
        yield temporary
    finally:
        os.unlink(temporary)
