"""Backfill and sweep of image analysis. The photos still to analyse are found afresh each
time (read by ingest, in a drive of a domain with analysis on, and with no analysis, one
still pending, or one by older models), so a backfill stopped anywhere resumes by running
again, and running it twice analyses nothing twice (the task skips what is done)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pds_server.models import LISTED, File, ImageAnalysis, MediaInfo, PersonFace
from pds_server.services.analysis.pipeline import MODEL_VERSION, analysis_queue
from pds_server.services.batches import pk_batches


def backfill_media(*, domain_id: str | None = None) -> QuerySet[MediaInfo]:
    wanted = File.objects.filter(LISTED, media__isnull=False, drive__domain__image_analysis_enabled=True)
    if domain_id:
        wanted = wanted.filter(drive__domain__domain_id=domain_id)
    return MediaInfo.objects.filter(
        Q(analysis__isnull=True)
        | Q(analysis__state=ImageAnalysis.State.PENDING)
        | (Q(analysis__state=ImageAnalysis.State.DONE) & ~Q(analysis__model_version=MODEL_VERSION)),
        Exists(wanted.filter(media_id=OuterRef("pk"))),
        kind=MediaInfo.Kind.IMAGE,
        state=MediaInfo.State.DONE,
    )


def backfill_batches(*, domain_id: str | None = None, batch: int = 500) -> Iterator[list[int]]:
    """The pks of the photos to analyse, in pk order, a batch at a time."""
    return pk_batches(backfill_media(domain_id=domain_id), batch=batch)


SWEEP_AGE = timedelta(minutes=10)
SWEEP_LIMIT = 2000


def analysis_sweep() -> int:
    """Queue again photos read more than SWEEP_AGE ago and still not analysed (their task was
    lost), and photos whose faces a drive holding them has not grouped (a copy or an equal
    upload into another drive after the analysis). The task is idempotent either way."""
    stale = backfill_media().filter(analysed_at__lt=timezone.now() - SWEEP_AGE).order_by("pk")
    pks = set(stale.values_list("pk", flat=True)[:SWEEP_LIMIT])
    grouped = PersonFace.objects.filter(drive_id=OuterRef("drive_id"), face__analysis__media_id=OuterRef("media_id"))
    ungrouped = (
        File.objects.filter(
            LISTED,
            drive__domain__image_analysis_enabled=True,
            media__analysis__state=ImageAnalysis.State.DONE,
            media__analysis__faces__isnull=False,
        )
        .exclude(Exists(grouped))
        .values_list("media_id", flat=True)
        .distinct()
    )
    pks.update(ungrouped[:SWEEP_LIMIT])
    for pk in sorted(pks):
        analysis_queue(pk)
    return len(pks)
