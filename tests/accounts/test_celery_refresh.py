"""A real Celery worker (started here, on the filesystem broker and on Redis) refreshes a
credential whose access token lives a few seconds; the next request uses the new token.
Afterwards no plaintext token is in the database, the broker or the worker's log."""

from __future__ import annotations

import shutil
import time

import pytest
from django.conf import settings as django_settings
from django.db import connections

from accounts import crypto
from accounts.models import Credential
from accounts.tasks import refresh_expiring_credentials
from drive_site.celery import app as celery_app
from pds_server.models import App
from tests.celery_worker import redis_server, start_worker
from tests.drive_helpers import sign_in


@pytest.fixture(params=["filesystem", "redis"])
def broker_url(request, tmp_path):
    if request.param == "filesystem":
        shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
        (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
        yield "filesystem://"
        return
    with redis_server(tmp_path) as url:
        yield url


@pytest.mark.slow
def test_worker_refreshes_a_short_lived_token_and_the_next_request_uses_it(
    drive_url, web_app, alice, settings, broker_url, tmp_path
):
    app, _ = web_app
    App.objects.filter(pk=app.pk).update(access_token_lifetime=5)
    session = sign_in(drive_url)
    App.objects.filter(pk=app.pk).update(access_token_lifetime=None)
    first = Credential.objects.get()
    first_access = crypto.decrypt(first.access_token_encrypted)
    first_refresh = crypto.decrypt(first.refresh_token_encrypted)

    log_path = tmp_path / "worker.log"
    worker = start_worker(broker_url, log_path, settings)
    try:
        with celery_app.connection_for_write(broker_url) as connection:
            refresh_expiring_credentials.apply_async(connection=connection)  # what beat sends every minute
        deadline = time.monotonic() + 60
        while Credential.objects.get().refresh_count == 0:
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"the worker did not refresh:\n{log_path.read_text()}"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(20)

    refreshed = Credential.objects.get()
    new_access = crypto.decrypt(refreshed.access_token_encrypted)
    new_refresh = crypto.decrypt(refreshed.refresh_token_encrypted)
    assert new_access != first_access and new_refresh != first_refresh
    time.sleep(max(0.0, (first.access_expires_at.timestamp() + 0.5) - time.time()))  # the old token is dead now
    page = session.get(f"{drive_url}/")
    assert page.status_code == 200 and "My drive" in page.text
    assert Credential.objects.get().refresh_count == 1  # the page used the worker's token

    secrets_seen = [first_access, first_refresh, new_access, new_refresh]
    worker_log = log_path.read_text()
    assert "refresh_credential" in worker_log and "succeeded" in worker_log
    broker_files = [p for p in django_settings.BROKER_DIR.rglob("*") if p.is_file()]
    for value in secrets_seen:
        assert value not in worker_log, "a token reached the worker's log"
        for path in broker_files:
            assert value not in path.read_text(errors="ignore"), f"a token reached the broker file {path}"
    with connections["default"].cursor() as cursor:
        for table in connections["default"].introspection.table_names(cursor):
            cursor.execute(f'SELECT * FROM "{table}"')
            dump = repr(cursor.fetchall())
            for value in secrets_seen:
                assert value not in dump, f"a plaintext token is in {table}"
