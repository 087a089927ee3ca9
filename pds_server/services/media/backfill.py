"""Backfill: ingest for files stored before ingest existed (or whose task was lost). The
files still to read are found afresh each time (no media yet, or media still pending), so
a backfill stopped anywhere resumes by running again, and running it twice reads nothing
twice (the task skips what is done)."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Q, QuerySet

from pds_server.models import File, MediaInfo
from pds_server.services.media.ingest import NOT_PHOTOS


def backfill_files(*, domain_id: str | None = None) -> QuerySet[File]:
    files = File.objects.filter(
        Q(media__isnull=True) | Q(media__state=MediaInfo.State.PENDING),
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
    after = 0
    while True:
        pks = list(
            backfill_files(domain_id=domain_id).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not pks:
            return
        yield pks
        after = pks[-1]
