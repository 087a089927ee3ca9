"""Periodic housekeeping of the embedded PDS."""

from celery import shared_task

from pds_server.services.housekeeping import expired_grants_purge


@shared_task(name="pds_server.tasks.purge_expired_grants")
def purge_expired_grants() -> dict:
    return expired_grants_purge()
