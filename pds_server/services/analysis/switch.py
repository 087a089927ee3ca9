"""The per-domain switch of image analysis. Off: the domain's drives lose their people and
similar-photo clusters, and analyses no file of a domain with analysis on refers to are
deleted (tags, text and faces with them) — what the models derived is not kept for a domain
that does not want it. On again: its photos are queued for analysis."""

from __future__ import annotations

from django.db import transaction

from pds_server.models import Domain, FaceGroup, File, ImageAnalysis, PersonFace, SimilarImageCluster
from pds_server.routers import PDS_DB


def analysis_switch(domain: Domain, *, enabled: bool) -> int:
    """Set the switch; returns the analyses removed (off) or the photos queued (on)."""
    Domain.objects.filter(pk=domain.pk).update(image_analysis_enabled=enabled)
    domain.image_analysis_enabled = enabled
    if enabled:
        return analysis_queue_domain(domain)
    return analysis_remove(domain)


def analysis_remove(domain: Domain) -> int:
    with transaction.atomic(using=PDS_DB):
        SimilarImageCluster.objects.filter(drive__domain=domain).delete()
        PersonFace.objects.filter(drive__domain=domain).delete()
        FaceGroup.objects.filter(drive__domain=domain).delete()
        still_wanted = File.objects.filter(drive__domain__image_analysis_enabled=True, media__isnull=False).values(
            "media_id"
        )
        removed, _ = ImageAnalysis.objects.exclude(media_id__in=still_wanted).delete()
    return removed


def analysis_queue_domain(domain: Domain) -> int:
    from pds_server.services.analysis.backfill import backfill_batches
    from pds_server.services.analysis.pipeline import analysis_queue

    queued = 0
    for pks in backfill_batches(domain_id=domain.domain_id):
        for pk in pks:
            analysis_queue(pk)
        queued += len(pks)
    return queued


def analysis_switch_apply(domain_pk: int) -> int:
    """Bring what is stored in line with the domain's switch as it is now (the admin's save
    queues this: deleting a big library's analysis does not belong in a web request)."""
    domain = Domain.objects.filter(pk=domain_pk).first()
    if domain is None:
        return 0
    return analysis_queue_domain(domain) if domain.image_analysis_enabled else analysis_remove(domain)
