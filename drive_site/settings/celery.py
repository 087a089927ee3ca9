"""Celery (drive_site/celery.py reads the CELERY_* names). The default broker keeps its
queue in files under the data directory; Redis with CELERY_BROKER_URL=redis://…"""

from __future__ import annotations

from .base import DATA_DIR
from .env import env

BROKER_DIR = DATA_DIR / "broker"
# A host in the URL, or kombu warns "No hostname was supplied" on every connection.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Every folder of kombu's filesystem transport under the data directory: the control
    # folder (exchange tables) defaults to ./control, in whatever directory a process started.
    # DriveSiteConfig.ready creates them.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
# Image analysis runs on its own queue: a worker started with `-Q analysis` on another machine
# adds analysis capacity; the web's own work never waits behind a backfill of photos.
CELERY_TASK_ROUTES = {
    f"pds_server.tasks.{name}": {"queue": "analysis"}
    for name in (
        "analyse_image",
        "cluster_similar_images",
        "recluster_faces",  # reads every face of a drive
        "recluster_all_faces",
    )
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Celery's Django fixup closes the database connections after every task unless this is
# set: on PostgreSQL a new connection per token refresh cost more CPU than the refresh.
# Connections live by Django's rules instead (drive_site/celery.py), as around a request.
CELERY_DB_REUSE_MAX = 10**9

# Async jobs of the embedded PDS (pds_server/services/async_tasks.py): each chunk of rows
# is one transaction, so a big copy never holds the database's write lock for long, and
# the job's row keeps where it stopped. A worker holds a job by a lease renewed with every
# chunk; the sweep (every PDS_ASYNC_SWEEP_INTERVAL seconds) queues again a job whose lease
# expired (its worker died), and fails it after PDS_ASYNC_MAX_ATTEMPTS tries.
PDS_ASYNC_CHUNK_SIZE = env.int("PDS_ASYNC_CHUNK_SIZE", default=500)
PDS_ASYNC_LEASE_SECONDS = env.int("PDS_ASYNC_LEASE_SECONDS", default=60)
PDS_ASYNC_MAX_ATTEMPTS = env.int("PDS_ASYNC_MAX_ATTEMPTS", default=3)
PDS_ASYNC_SWEEP_INTERVAL = env.int("PDS_ASYNC_SWEEP_INTERVAL", default=30)
