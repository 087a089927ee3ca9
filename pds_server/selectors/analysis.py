"""Reads of what image analysis found: a file's tags and text, and a drive's tags with their
counts and covers (`image/list_tags`), over what the caller's grant lists."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from pds_server.models import File, ImageAnalysis, ImageTag
from pds_server.selectors.photos import timeline_files
from pds_server.services.access import DriveGrant


def analysis_of_file(item: File) -> ImageAnalysis | None:
    """The done analysis of the file's photo, if its domain has analysis on."""
    if item.media_id is None or not item.drive.domain.image_analysis_enabled:
        return None
    return (
        ImageAnalysis.objects.filter(media_id=item.media_id, state=ImageAnalysis.State.DONE)
        .prefetch_related("tags")
        .first()
    )


def analysed_files(*, grant: DriveGrant) -> QuerySet[File]:
    """The grant's photos on the timeline whose analysis is done (none when the domain has it off)."""
    if not grant.drive.domain.image_analysis_enabled:
        return File.objects.none()
    return timeline_files(grant=grant).filter(media__analysis__state=ImageAnalysis.State.DONE)


def drive_tags(*, grant: DriveGrant) -> list[dict]:
    """Each tag on the grant's photos: how many photos have it, and a cover — the photo that
    has it with the highest confidence. One grouped count, then one indexed query per tag
    (the vocabulary is small)."""
    files = analysed_files(grant=grant)
    counts = (
        files.values("media__analysis__tags__tag")
        .exclude(media__analysis__tags__tag__isnull=True)
        .annotate(count=Count("pk", distinct=True))
        .order_by("-count", "media__analysis__tags__tag")
    )
    tags = []
    for row in counts:
        tag = row["media__analysis__tags__tag"]
        best = (
            ImageTag.objects.filter(tag=tag, analysis__media__files__in=files)
            .order_by("-confidence", "analysis_id")
            .values_list("analysis__media_id", "confidence")
            .first()
        )
        cover = files.filter(media_id=best[0]).select_related("drive__domain", "media").first() if best else None
        tags.append({"tag": tag, "count": row["count"], "cover": cover, "confidence": best[1] if best else None})
    return tags
