"""Celery tasks of the embedded PDS. Each takes ids, re-reads rows and calls a service."""

from celery import shared_task
from django.db import DatabaseError

from pds_server.services.analysis.similar_clusters import cluster_task_run
from pds_server.services.async_tasks import async_task_run, async_tasks_sweep
from pds_server.services.audit import audit_logs_purge
from pds_server.services.audit_export import exports_purge
from pds_server.services.fsck import fsck_cleanup
from pds_server.services.housekeeping import expired_grants_purge
from pds_server.services.media.backfill import media_sweep
from pds_server.services.media.ingest import media_ingest
from pds_server.services.media.video_rendition import RenditionNotReady, rendition_make
from pds_server.services.revisions import revisions_prune
from pds_server.services.uploads import uploads_expire


@shared_task(name="pds_server.tasks.purge_expired_grants")
def purge_expired_grants() -> dict:
    return expired_grants_purge()


@shared_task(name="pds_server.tasks.expire_uploads")
def expire_uploads() -> int:
    return uploads_expire()


# Acknowledged when done, and given back to the broker if the worker process dies, where
# the broker can (Redis, RabbitMQ); the job's lease and the sweep cover the rest.
@shared_task(name="pds_server.tasks.run_async_task", acks_late=True, reject_on_worker_lost=True)
def run_async_task(task_pk: int) -> None:
    async_task_run(task_pk=task_pk)


@shared_task(name="pds_server.tasks.sweep_async_tasks")
def sweep_async_tasks() -> dict:
    return async_tasks_sweep()


@shared_task(name="pds_server.tasks.clean_storage")
def clean_storage() -> dict:
    """The safe part of `manage.py pds_fsck`: leftovers of killed processes and files no
    row refers to, once old enough that no request can still be writing them."""
    return fsck_cleanup()


@shared_task(name="pds_server.tasks.prune_revisions")
def prune_revisions() -> int:
    """Each domain's revision retention; safe to run twice, or at once."""
    return revisions_prune()


@shared_task(name="pds_server.tasks.purge_audit_logs")
def purge_audit_logs() -> dict:
    """Audit rows older than PDS_AUDIT_LOG_RETENTION_DAYS, and export files whose URL expired."""
    return {"rows": audit_logs_purge(), "exports": exports_purge()}


# Acknowledged when done: a worker killed while reading gives the file back, and the
# blob's attempt count (services/media/ingest.py) stops a file that kills every reader.
# Storage and database errors are transient; bytes that cannot be read are not (they end
# "not analysable" inside the service, never as a task failure).
@shared_task(
    name="pds_server.tasks.ingest_media",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=2,
    max_retries=5,
    # Where the pool enforces them (prefork, production): a read that outlasts them is
    # killed, given back, and counted as an attempt.
    soft_time_limit=240,
    time_limit=300,
)
def ingest_media(file_pk: int) -> str:
    return media_ingest(file_pk=file_pk)


@shared_task(name="pds_server.tasks.sweep_media")
def sweep_media() -> int:
    """Photos and videos whose read was lost: queue them again."""
    return media_sweep()


# A browser-playable copy of a video browsers cannot play (services/media/video_rendition.py): made
# in a child process under time and memory limits, so a hostile video fails it (kept as the
# rendition's state) instead of taking the worker; retried while the video's read is not
# saved yet, and on storage or database errors.
@shared_task(
    name="pds_server.tasks.render_video",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(RenditionNotReady, OSError, DatabaseError),
    retry_backoff=2,
    max_retries=8,
)
def render_video(media_pk: int) -> str:
    return rendition_make(media_pk=media_pk)


# Image analysis (services/analysis/pipeline.py), routed to the "analysis" queue (settings/
# celery.py) so that analysis capacity grows by starting workers on that queue elsewhere.
# Acknowledged when done: a killed worker gives the photo back, and the analysis's attempt
# count stops a photo that kills every analyser.
@shared_task(
    name="pds_server.tasks.analyse_image",
    acks_late=True,
    reject_on_worker_lost=True,
    autoretry_for=(OSError, DatabaseError),
    retry_backoff=2,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
)
def analyse_image(media_pk: int) -> str:
    from pds_server.services.analysis.pipeline import analyse_media

    return analyse_media(media_pk)


# People (services/analysis/face_groups.py): the periodic re-clustering of each drive's face
# groups, on the analysis queue (it reads every face of the drive).
@shared_task(name="pds_server.tasks.recluster_faces", acks_late=True)
def recluster_faces(drive_pk: int) -> dict:
    from pds_server.services.analysis.face_groups import recluster_faces as recluster

    return recluster(drive_pk)


@shared_task(name="pds_server.tasks.recluster_all_faces")
def recluster_all_faces() -> int:
    """Queue the re-clustering of every drive that has faces."""
    from pds_server.services.analysis.face_groups import drives_with_faces

    drive_pks = drives_with_faces()
    for drive_pk in drive_pks:
        recluster_faces.delay(drive_pk)
    return len(drive_pks)


@shared_task(name="pds_server.tasks.sweep_analysis")
def sweep_analysis() -> int:
    """Photos whose analysis was lost, or whose faces a drive has not grouped: queue them again."""
    from pds_server.services.analysis.backfill import analysis_sweep

    return analysis_sweep()


# `image/create_similar_image_cluster_task` (services/analysis/similar_clusters.py): an async
# job on the analysis queue; acknowledged when done, its lease and the sweep cover the rest
# (importing the service here registers the job with run_async_task in every worker).
@shared_task(name="pds_server.tasks.cluster_similar_images", acks_late=True, reject_on_worker_lost=True)
def cluster_similar_images(task_pk: int) -> None:
    cluster_task_run(task_pk=task_pk)


@shared_task(name="pds_server.tasks.apply_image_analysis_switch", acks_late=True, reject_on_worker_lost=True)
def apply_image_analysis_switch(domain_pk: int) -> int:
    """A domain's image analysis was switched: remove what it stored, or queue its photos."""
    from pds_server.services.analysis.switch import analysis_switch_apply

    return analysis_switch_apply(domain_pk)
