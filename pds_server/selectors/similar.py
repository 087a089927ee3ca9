"""Reads of a drive's similar-image clusters (services/analysis/similar_clusters.py): a
page of clusters in keyset order, each with its live files best first."""

from __future__ import annotations

from django.db.models import F, Prefetch, Q, QuerySet

from pds_server.models import Drive, SimilarImageCluster
from pds_server.selectors.files import visible_files

ORDERS = ("desc", "asc")  # by the number of photos in a cluster (then by when it was found)


def best_first(files: QuerySet) -> QuerySet:
    """Largest pixel area, then sharpest, then oldest: the one to keep first."""
    return files.annotate(area=F("media__width") * F("media__height")).order_by(
        F("area").desc(nulls_last=True),
        F("media__analysis__sharpness").desc(nulls_last=True),
        "created_at",
        "pk",
    )


def cluster_page(
    *, drive: Drive, order: str, limit: int, after: tuple[int, int] | None
) -> tuple[list[SimilarImageCluster], bool]:
    """Up to `limit` clusters after the keyset `after` (image_count, pk) in `order`, their
    files (still in the drive, not trashed) prefetched best first as `live_files`; and
    whether more follow."""
    rows = SimilarImageCluster.objects.filter(drive=drive, drive__domain__image_analysis_enabled=True)
    if order == "asc":
        rows = rows.order_by("image_count", "pk")
        if after is not None:
            rows = rows.filter(Q(image_count__gt=after[0]) | Q(image_count=after[0], pk__gt=after[1]))
    else:
        rows = rows.order_by("-image_count", "-pk")
        if after is not None:
            rows = rows.filter(Q(image_count__lt=after[0]) | Q(image_count=after[0], pk__lt=after[1]))
    files = best_first(visible_files(drive=drive).select_related("media"))
    page: list[SimilarImageCluster] = list(
        rows.prefetch_related(Prefetch("files", queryset=files, to_attr="live_files"))[: limit + 1]
    )
    return page[:limit], len(page) > limit
