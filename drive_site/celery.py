"""The Celery app. Periodic tasks are declared here, in code."""

import os

from celery import Celery, signals
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drive_site.settings")
# One thread per process for the models' maths (numpy's BLAS, faiss's OpenMP): workers run
# one process per core, and a second thread per process only doubled the CPU a photo's
# analysis took (measured: 51 ms of tagging became 102 ms of CPU for the same wall time).
# Set before anything imports numpy; an installation may still override them.
for _threads in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_threads, "1")

app = Celery("drive_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.task_prerun.connect
@signals.task_postrun.connect
def close_old_connections(**kwargs):
    """What Django does around each request: drop connections that are broken or older than
    CONN_MAX_AGE, keep the others (settings.CELERY_DB_REUSE_MAX stops Celery's closing)."""
    from django.db import close_old_connections

    close_old_connections()


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def hide_secrets_in_worker_logs(logger, **kwargs):
    """Celery replaces the root logger's handlers with its own, so Django's LOGGING filter
    does not reach a worker's or beat's log: put the same filter on Celery's handlers. (A
    task failing on a signed URL would otherwise print its signature.)"""
    from drive_site.logging import HideSecrets

    for handler in logger.handlers:
        if not any(isinstance(existing, HideSecrets) for existing in handler.filters):
            handler.addFilter(HideSecrets())


app.conf.beat_schedule = {
    # Keep every signed-in user's access token fresh ahead of expiry.
    "accounts-refresh-expiring-credentials": {
        "task": "accounts.tasks.refresh_expiring_credentials",
        "schedule": settings.DRIVE_BEAT_REFRESH_INTERVAL,
    },
    # Uploads never completed in time: remove their parts and release their quota.
    "pds-expire-uploads": {
        "task": "pds_server.tasks.expire_uploads",
        "schedule": crontab(minute="*/10"),
    },
    # Async jobs whose worker died (their lease ran out): queue them again, or fail them.
    "pds-sweep-async-tasks": {
        "task": "pds_server.tasks.sweep_async_tasks",
        "schedule": settings.PDS_ASYNC_SWEEP_INTERVAL,
    },
    # Temporary and unreferenced blob storage files left by killed processes (pds_fsck's safe part).
    "pds-clean-storage": {
        "task": "pds_server.tasks.clean_storage",
        "schedule": crontab(minute=41),
    },
    # Each domain's revision retention (count and age; the latest and keep_forever stay).
    "pds-prune-revisions": {
        "task": "pds_server.tasks.prune_revisions",
        "schedule": crontab(minute=29, hour="*/6"),
    },
    # Expired authorization codes, tokens and used JWT ids are dead weight: drop them hourly.
    "pds-purge-expired-grants": {
        "task": "pds_server.tasks.purge_expired_grants",
        "schedule": crontab(minute=17),
    },
    # Photos and videos whose ingest task was lost (services/media/backfill.py).
    "pds-sweep-media": {
        "task": "pds_server.tasks.sweep_media",
        "schedule": crontab(minute="*/10"),
    },
    # Photos whose analysis task was lost, or whose faces a drive has not grouped (services/analysis/backfill.py).
    "pds-sweep-analysis": {
        "task": "pds_server.tasks.sweep_analysis",
        "schedule": crontab(minute="5-59/10"),
    },
    # People: merge each drive's face groups that came together, place groupless faces, and
    # bring counts and covers up to date (services/analysis/face_groups.py).
    "pds-recluster-faces": {
        "task": "pds_server.tasks.recluster_all_faces",
        "schedule": crontab(minute=47),
    },
    # Audit log rows past PDS_AUDIT_LOG_RETENTION_DAYS, and expired audit exports: daily.
    "pds-purge-audit-logs": {
        "task": "pds_server.tasks.purge_audit_logs",
        "schedule": crontab(hour=3, minute=23),
    },
}
