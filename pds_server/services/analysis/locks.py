"""One analysis job per drive at a time, without the Drive row's lock: that row is the
quota lock every upload takes, and a re-clustering of 100,000 faces must not hold uploads.
PostgreSQL: a transaction-scoped advisory lock keyed by (job, drive). SQLite has one writer
at a time anyway, so there is nothing to add."""

from __future__ import annotations

from django.db import connections

from pds_server.routers import PDS_DB

FACES, SIMILAR = 15_001, 15_002  # the advisory lock's first key: which job


def drive_job_lock(job: int, drive_pk: int) -> None:
    """Hold the (job, drive) lock to the end of the current transaction."""
    connection = connections[PDS_DB]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [job, drive_pk])
