"""The beat refresh in batches: one `/v2/oauth/token_batch` request for a task's credentials,
each credential refreshed, killed (invalid grant) or retried on its own."""

from __future__ import annotations

import shutil
import time
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import crypto
from accounts.models import Credential
from accounts.services.credentials import credential_store, credentials_refresh_batch
from accounts.tasks import refresh_credentials, refresh_expiring_credentials
from drive_site.celery import app as celery_app
from pds_client import Token
from pds_server.models import AccessToken, RefreshToken
from pds_server.serializers import token_to_pds
from pds_server.services import tokens
from tests.celery_worker import start_worker


def expiring_credentials(app, make_user, names: list[str]) -> list[Credential]:
    """Signed-in Drive users whose access tokens have just expired."""
    stored = []
    for name in names:
        issued = tokens.tokens_issue(
            app=app,
            user=make_user(name),
            scopes=sorted(app.scopes),
            grant_type="authorization_code",
            with_refresh_token=True,
        )
        user = get_user_model().objects.create_user(name)
        credential = credential_store(user=user, token=Token.from_body(token_to_pds(issued)), auth_mode="oauth")
        stored.append(credential)
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    return stored


def revoked_at_the_pds(credential: Credential) -> None:
    raw = crypto.decrypt(credential.refresh_token_encrypted)
    tokens.family_revoke(RefreshToken.objects.get(token_hash=tokens.digest(raw)).family)


def pds_accepts(base: str, credential: Credential) -> bool:
    access = crypto.decrypt(Credential.objects.get(pk=credential.pk).access_token_encrypted)
    answer = requests.post(f"{base}/v2/user/get", json={}, headers={"Authorization": f"Bearer {access}"}, timeout=30)
    return answer.status_code == 200


def queued_messages() -> set:
    return set((django_settings.BROKER_DIR / "queue").iterdir())


def test_a_batch_refreshes_each_credential_and_kills_only_the_one_with_an_invalid_grant(drive_url, web_app, make_user):
    app, _ = web_app
    alice, bob, carol = expiring_credentials(app, make_user, ["alice", "bob", "carol"])
    revoked_at_the_pds(bob)
    before = queued_messages()

    outcome = credentials_refresh_batch(credential_ids=[alice.pk, bob.pk, carol.pk, carol.pk + 1000], margin=900)

    assert outcome.refreshed == 2 and outcome.later == [] and outcome.now == [carol.pk + 1000]
    assert queued_messages() == before
    for credential in (alice, carol):
        after = Credential.objects.get(pk=credential.pk)
        assert after.refresh_count == 1 and after.dead_at is None and after.access_expires_at > timezone.now()
        assert pds_accepts(drive_url, credential)
    dead = Credential.objects.get(pk=bob.pk)
    assert dead.dead_at is not None and "sign in again" in dead.dead_reason
    assert crypto.decrypt(dead.refresh_token_encrypted) == crypto.decrypt(bob.refresh_token_encrypted)
    # One request: both rotations happened in one PDS transaction.
    assert len(set(RefreshToken.objects.exclude(rotated_at=None).values_list("rotated_at", flat=True))) == 1
    assert AccessToken.objects.filter(grant_type="refresh_token").count() == 2
    # Refreshed ones are left alone until they near expiry again; the dead one for good.
    again = credentials_refresh_batch(credential_ids=[alice.pk, bob.pk, carol.pk], margin=900)
    assert again.refreshed == 0 and again.now == [] and again.later == []


def test_a_task_refreshes_its_credentials_token_batch_at_a_time(drive_url, web_app, make_user, monkeypatch):
    from accounts import tasks

    monkeypatch.setattr(tasks, "TOKEN_BATCH", 2)  # 5 credentials: requests of 2, 2 and 1
    app, _ = web_app
    credentials = expiring_credentials(app, make_user, [f"user{n}" for n in range(5)])
    refresh_credentials.run([credential.pk for credential in credentials])
    assert set(Credential.objects.values_list("refresh_count", flat=True)) == {1}
    assert len(set(RefreshToken.objects.exclude(rotated_at=None).values_list("rotated_at", flat=True))) == 3


@pytest.mark.slow
def test_worker_batch_refresh_survives_one_invalid_grant(drive_url, web_app, make_user, settings, tmp_path):
    app, _ = web_app
    alice, bob, carol = expiring_credentials(app, make_user, ["alice", "bob", "carol"])
    revoked_at_the_pds(bob)
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
    log_path = tmp_path / "worker.log"
    worker = start_worker("filesystem://", log_path, settings)
    try:
        with celery_app.connection_for_write("filesystem://") as connection:
            refresh_expiring_credentials.apply_async(connection=connection)  # what beat sends every minute

        def settled() -> bool:
            rows = {row.pk: row for row in Credential.objects.all()}
            return (
                rows[bob.pk].dead_at is not None and rows[alice.pk].refresh_count == rows[carol.pk].refresh_count == 1
            )

        deadline = time.monotonic() + 60
        while not settled():
            assert worker.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, f"the worker did not refresh:\n{log_path.read_text()}"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(20)

    assert pds_accepts(drive_url, alice) and pds_accepts(drive_url, carol)
    assert Credential.objects.get(pk=bob.pk).refresh_count == 0
    worker_log = log_path.read_text()
    assert "accounts.tasks.refresh_credentials" in worker_log and "succeeded" in worker_log
    assert "accounts.tasks.refresh_credential[" not in worker_log  # nothing needed a retry
    for credential in Credential.objects.all():
        assert crypto.decrypt(credential.refresh_token_encrypted) not in worker_log


def test_a_failed_batch_retries_alone_only_the_credentials_about_to_expire(drive_url, web_app, make_user, settings):
    app, _ = web_app
    alice, bob = expiring_credentials(app, make_user, ["alice", "bob"])
    ends_later = timezone.now() + timedelta(seconds=settings.DRIVE_TOKEN_REFRESH_MARGIN + 300)
    Credential.objects.filter(pk=bob.pk).update(access_expires_at=ends_later)  # due for beat, not yet for requests
    settings.PDS_ENDPOINT = "http://127.0.0.1:9"  # the PDS cannot be reached

    outcome = credentials_refresh_batch(credential_ids=[alice.pk, bob.pk], margin=900)

    # Alice's token has ended: a retry of its own. Bob's is still good: the next sweep takes it.
    assert outcome.refreshed == 0 and outcome.later == [alice.pk] and outcome.now == []
    rows = Credential.objects.in_bulk([alice.pk, bob.pk])
    assert [rows[pk].refresh_failures for pk in (alice.pk, bob.pk)] == [1, 1]
    assert all(row.dead_at is None for row in rows.values())


def test_an_undecryptable_refresh_token_is_left_to_the_single_refresh(drive_url, web_app, make_user):
    app, _ = web_app
    alice, bob, carol = expiring_credentials(app, make_user, ["alice", "bob", "carol"])
    Credential.objects.filter(pk=bob.pk).update(refresh_token_encrypted="not-a-fernet-token")

    outcome = credentials_refresh_batch(credential_ids=[alice.pk, bob.pk, carol.pk], margin=900)

    assert outcome.refreshed == 2 and outcome.now == [bob.pk] and outcome.later == []
    assert pds_accepts(drive_url, alice) and pds_accepts(drive_url, carol)
