"""Celery tasks of the embedded PDS. Each takes ids, re-reads rows and calls a service."""

from celery import shared_task

from pds_server.services.async_tasks import async_task_run
from pds_server.services.housekeeping import expired_grants_purge
from pds_server.services.uploads import uploads_expire


@shared_task(name="pds_server.tasks.purge_expired_grants")
def purge_expired_grants() -> dict:
    return expired_grants_purge()


@shared_task(name="pds_server.tasks.expire_uploads")
def expire_uploads() -> int:
    return uploads_expire()


@shared_task(name="pds_server.tasks.run_async_task")
def run_async_task(task_pk: int) -> None:
    async_task_run(task_pk=task_pk)
