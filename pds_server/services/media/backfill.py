"""Backfill: ingest for files stored before ingest existed (or whose task was lost). The
files still to read are found afresh each time (no media yet, or media still pending), so
a backfill stopped anywhere resumes by running again, and running it twice reads nothing
twice (the task skips what is done)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from pds_server.models import File, MediaInfo
from pds_server.services.batches import pk_batches
from pds_server.services.media.ingest import NOT_PHOTOS


def backfill_files(*, domain_id: str | None = None) -> QuerySet[File]:
    files = File.objects.filter(
        Q(media__isnull=True)
        | Q(media__state=MediaInfo.State.PENDING)
        | Q(media__state=MediaInfo.State.DONE, image_time__isnull=True),  # read, but this file not linked
        type=File.Type.FILE,
        status=File.Status.AVAILABLE,
        blob__isnull=False,
        category__in=("image", "video"),
    ).exclude(file_extension__in=NOT_PHOTOS)
    if domain_id:
        files = files.filter(drive__domain__domain_id=domain_id)
    return files


def backfill_batches(*, domain_id: str | None = None, batch: int = 500) -> Iterator[list[int]]:
    """The pks of the files to read, in pk order, a batch at a time."""
    return pk_batches(backfill_files(domain_id=domain_id), batch=batch)


SWEEP_AGE = timedelta(minutes=10)
SWEEP_LIMIT = 2000


def media_sweep() -> int:
    """Queue again the reads of files stored more than SWEEP_AGE ago and still unread: their
    task was lost (a broker without redelivery, a worker killed before it acknowledged).
    The blob's attempt count ends a file that kills its readers."""
    from pds_server.services.media.ingest import media_ingest_queue
    from pds_server.services.media.videos import rendition_queue

    stale = backfill_files().filter(updated_at__lt=timezone.now() - SWEEP_AGE).order_by("pk")
    pks = list(stale.values_list("pk", flat=True)[:SWEEP_LIMIT])
    for pk in pks:
        media_ingest_queue(pk)
    # Renditions still "running" well past the time a rendition may take: their task was lost.
    overdue = timezone.now() - SWEEP_AGE - timedelta(seconds=settings.PDS_MEDIA_RENDITION_TIMEOUT)
    renditions = MediaInfo.objects.filter(
        rendition_state=MediaInfo.RenditionState.RUNNING, analysed_at__lt=overdue
    ).values_list("pk", flat=True)[:SWEEP_LIMIT]
    for media_pk in renditions:
        rendition_queue(media_pk)
    return len(pks) + len(renditions)


def media_reread(media_pks: list[int]) -> int:
    """Read these blobs again (an administrator's action after fixing a reader, say): back to
    pending with no attempts, and one of each blob's files queued. Returns the files queued."""
    from pds_server.services.media.ingest import media_ingest_queue

    MediaInfo.objects.filter(pk__in=media_pks).update(state=MediaInfo.State.PENDING, reason="", attempts=0)
    queued = 0
    for media_pk in media_pks:
        file_pk = File.objects.filter(media_id=media_pk).values_list("pk", flat=True).first()
        if file_pk is None:  # no file links it yet: any file with the blob
            blob_id = MediaInfo.objects.filter(pk=media_pk).values_list("blob_id", flat=True).first()
            file_pk = File.objects.filter(blob_id=blob_id).values_list("pk", flat=True).first() if blob_id else None
        if file_pk is not None:
            media_ingest_queue(file_pk)
            queued += 1
    return queued
