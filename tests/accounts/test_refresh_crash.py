"""Crashes lose nothing: a worker that dies after the PDS rotated its users' refresh tokens and
before its own commit keeps the old ones, and refreshing again within the PDS's retry grace
(PDS_REFRESH_REUSE_GRACE_SECONDS) gets fresh tokens instead of ending those sign-ins."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts import crypto
from accounts.models import Credential
from accounts.services import credentials
from accounts.services.credentials import access_token_for, credentials_refresh_batch
from pds_server.models import AccessToken, RefreshToken
from pds_server.services import tokens
from tests.accounts.test_batch_refresh import expiring_credentials, pds_accepts


class WorkerKilled(Exception):
    """Stands in for SIGKILL: raised inside the worker's transaction, after the PDS answered."""


def killed(*args, **kwargs):
    raise WorkerKilled


@pytest.fixture
def grace(settings):
    settings.PDS_REFRESH_REUSE_GRACE_SECONDS = 120
    return settings


def stored_refresh_token(credential: Credential) -> str:
    return crypto.decrypt(Credential.objects.get(pk=credential.pk).refresh_token_encrypted)


def crash_in_the_batch(monkeypatch, stored: list[Credential]) -> None:
    """The PDS commits the rotation; the worker's write of the answers never commits."""
    before = [stored_refresh_token(credential) for credential in stored]
    with monkeypatch.context() as patch:
        patch.setattr(credentials, "_rows_write", killed)
        with pytest.raises(WorkerKilled):
            credentials_refresh_batch(credential_ids=[credential.pk for credential in stored], margin=900)
    assert [stored_refresh_token(credential) for credential in stored] == before
    assert all(RefreshToken.objects.get(token_hash=tokens.digest(raw)).rotated_at for raw in before)
    assert AccessToken.objects.filter(grant_type="refresh_token", revoked_at__isnull=True).count() == len(stored)


def test_a_batch_after_a_worker_died_mid_batch_refreshes_every_credential(
    drive_url, web_app, make_user, monkeypatch, grace
):
    app, _ = web_app
    stored = expiring_credentials(app, make_user, ["alice", "bob", "carol"])
    crash_in_the_batch(monkeypatch, stored)
    lost = set(AccessToken.objects.filter(grant_type="refresh_token").values_list("pk", flat=True))
    # Meanwhile the users keep working with the access tokens they have.
    assert all(pds_accepts(drive_url, credential) for credential in stored)

    outcome = credentials_refresh_batch(credential_ids=[credential.pk for credential in stored], margin=900)

    assert outcome.refreshed == 3 and outcome.now == [] and outcome.later == []
    for credential in stored:
        after = Credential.objects.get(pk=credential.pk)
        assert after.dead_at is None and after.refresh_count == 1 and after.access_expires_at > timezone.now()
        assert pds_accepts(drive_url, credential)
    # What the dead worker was given is revoked at the PDS.
    assert not AccessToken.objects.filter(pk__in=lost, revoked_at__isnull=True).exists()
    # The stored tokens rotate as usual from here on.
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    again = credentials_refresh_batch(credential_ids=[credential.pk for credential in stored], margin=900)
    assert again.refreshed == 3
    assert not Credential.objects.filter(dead_at__isnull=False).exists()


def test_a_single_refresh_after_a_crash_keeps_the_user_signed_in(drive_url, web_app, make_user, monkeypatch, grace):
    app, _ = web_app
    (stored,) = expiring_credentials(app, make_user, ["alice"])
    before = stored_refresh_token(stored)
    with monkeypatch.context() as patch:
        patch.setattr(credentials, "_token_store", killed)
        with pytest.raises(WorkerKilled):
            access_token_for(stored.user)
    assert stored_refresh_token(stored) == before
    assert RefreshToken.objects.get(token_hash=tokens.digest(before)).rotated_at is not None

    access = access_token_for(stored.user)

    after = Credential.objects.get(pk=stored.pk)
    assert after.dead_at is None and after.refresh_count == 1
    assert access == crypto.decrypt(after.access_token_encrypted) and pds_accepts(drive_url, stored)


def test_without_the_grace_the_same_crash_ends_those_sign_ins(drive_url, web_app, make_user, monkeypatch, grace):
    grace.PDS_REFRESH_REUSE_GRACE_SECONDS = 0
    app, _ = web_app
    stored = expiring_credentials(app, make_user, ["alice", "bob"])
    crash_in_the_batch(monkeypatch, stored)

    outcome = credentials_refresh_batch(credential_ids=[credential.pk for credential in stored], margin=900)

    assert outcome.refreshed == 0
    assert Credential.objects.filter(dead_at__isnull=False).count() == 2
    assert not any(pds_accepts(drive_url, credential) for credential in stored)


def test_beat_claims_again_within_the_grace_a_credential_whose_task_was_lost(drive_url, web_app, make_user, grace):
    from accounts.tasks import refresh_expiring_credentials

    app, _ = web_app
    (stored,) = expiring_credentials(app, make_user, ["alice"])
    claimed_at = timezone.now()
    assert refresh_expiring_credentials.run() == 1  # its task is queued, and lost with its worker
    held_until = Credential.objects.get(pk=stored.pk).refresh_queued_until
    # The first sweep after the hold, at most one beat interval later, queues it again in time.
    sweep_interval = timedelta(seconds=grace.DRIVE_BEAT_REFRESH_INTERVAL)
    assert held_until - claimed_at + sweep_interval <= timedelta(seconds=grace.PDS_REFRESH_REUSE_GRACE_SECONDS)
    assert refresh_expiring_credentials.run() == 0  # not before the hold ends
    Credential.objects.update(refresh_queued_until=timezone.now())  # the hold has ended
    assert refresh_expiring_credentials.run() == 1
