"""Keeping the access token fresh: refresh under a lock, 401 retry, invalid_grant, PDS
outages, and encryption key rotation."""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.utils import timezone

from accounts import crypto
from accounts.errors import CredentialDead
from accounts.models import Credential
from accounts.services import credentials
from pds_server.models import AccessToken, RefreshToken
from pds_server.services.tokens import family_revoke
from tests.drive_helpers import sign_in


def expire_now(credential: Credential | None = None) -> Credential:
    credential = credential or Credential.objects.get()
    Credential.objects.filter(pk=credential.pk).update(access_expires_at=timezone.now() - timedelta(seconds=1))
    return Credential.objects.get(pk=credential.pk)


def pds_refreshes() -> int:
    """Refreshes as the PDS records them: access tokens issued by the refresh grant."""
    return AccessToken.objects.filter(grant_type="refresh_token").count()


def test_twenty_concurrent_requests_at_expiry_cause_exactly_one_refresh(drive_url, alice):
    session = sign_in(drive_url)
    expire_now()
    cookies = session.cookies.get_dict()

    def open_drive(_):
        import requests

        return requests.get(f"{drive_url}/", cookies=cookies, allow_redirects=False, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(open_drive, range(20)))
    assert statuses == [200] * 20
    assert pds_refreshes() == 1
    credential = Credential.objects.get()
    assert credential.refresh_count == 1 and credential.access_expires_at > timezone.now() + timedelta(hours=1)


def test_request_refreshes_when_less_than_five_minutes_remain(drive_url, alice):
    sign_in(drive_url)
    credential = Credential.objects.get()
    old = crypto.decrypt(credential.access_token_encrypted)
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=4))
    new = credentials.access_token_for(credential.user)
    assert new != old and pds_refreshes() == 1
    # With more than five minutes left, the stored token is used as it is.
    assert credentials.access_token_for(credential.user) == new and pds_refreshes() == 1


def test_a_401_from_the_pds_triggers_one_refresh_and_one_retry(drive_url, alice):
    session = sign_in(drive_url)
    credential = Credential.objects.get()
    AccessToken.objects.update(revoked_at=timezone.now())  # the PDS no longer accepts it
    page = session.get(f"{drive_url}/")
    assert page.status_code == 200 and "My drive" in page.text
    assert Credential.objects.get(pk=credential.pk).refresh_count == 1


def test_invalid_grant_is_final_and_signs_the_user_out_with_a_reason(drive_url, alice):
    session = sign_in(drive_url)
    for family in RefreshToken.objects.values_list("family", flat=True).distinct():
        family_revoke(family)  # an administrator revoked the grant at the PDS
    expire_now()
    first = session.get(f"{drive_url}/", allow_redirects=False)
    assert first.status_code == 302 and "/accounts/login/" in first.headers["Location"]
    landing = session.get(f"{drive_url}/accounts/signed-out/")
    assert "sign in again" in landing.text.lower()
    credential = Credential.objects.get()
    assert credential.dead_at is not None and "Please sign in again" in credential.dead_reason
    # Nothing retries a dead credential: the beat sweep skips it.
    assert credential.pk not in credentials.credentials_expiring(within_seconds=3600)
    with pytest.raises(CredentialDead):
        credentials.access_token_for(credential.user)


def test_beat_sweep_queues_a_credential_once_until_the_hold_ends(drive_url, alice):
    sign_in(drive_url)
    credential = expire_now()
    assert credentials.credentials_expiring(within_seconds=900, hold_seconds=300) == [credential.pk]
    # The next sweep, a minute later while the queue is still draining, does not queue it again.
    assert credentials.credentials_expiring(within_seconds=900, hold_seconds=300) == []
    # A refresh that never happened (the worker died) is queued again after the hold.
    Credential.objects.filter(pk=credential.pk).update(refresh_queued_until=timezone.now() - timedelta(seconds=1))
    assert credentials.credentials_expiring(within_seconds=900) == [credential.pk]
    # Once refreshed it expires later and is left alone.
    credentials.credential_refresh(credential_id=credential.pk, margin=900)
    Credential.objects.filter(pk=credential.pk).update(refresh_queued_until=None)
    assert credentials.credentials_expiring(within_seconds=900) == []


def test_a_503_while_refreshing_keeps_the_tokens_and_retries_later(drive_url, alice, settings, pds_answering_503):
    session = sign_in(drive_url)
    credential = Credential.objects.get()
    stored = (credential.access_token_encrypted, credential.refresh_token_encrypted)
    settings.PDS_ENDPOINT = pds_answering_503

    # Still valid for 4 minutes: the refresh fails quietly and the current token is used.
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=4))
    assert credentials.access_token_for(credential.user) == crypto.decrypt(stored[0])
    # Expired: the page says the service is unavailable; nothing is lost.
    expire_now()
    page = session.get(f"{drive_url}/")
    assert page.status_code == 503 and "unavailable" in page.text
    after = Credential.objects.get()
    assert (after.access_token_encrypted, after.refresh_token_encrypted) == stored
    assert after.dead_at is None and after.refresh_failures == 2

    settings.PDS_ENDPOINT = drive_url  # the PDS is back: the kept refresh token still works
    assert session.get(f"{drive_url}/").status_code == 200
    assert Credential.objects.get().refresh_failures == 0


def test_a_batch_refresh_hands_a_credential_the_pds_could_not_refresh_to_a_retrying_task(
    drive_url, alice, settings, pds_answering_503
):
    from django.conf import settings as django_settings

    from accounts.tasks import refresh_credentials

    sign_in(drive_url)
    credential = expire_now()
    settings.PDS_ENDPOINT = pds_answering_503
    queue = django_settings.BROKER_DIR / "queue"
    before = set(queue.iterdir())
    refresh_credentials.run([credential.pk, credential.pk + 1000])  # the second no longer exists
    messages = [json.loads(path.read_text()) for path in set(queue.iterdir()) - before]
    assert len(messages) == 1 and messages[0]["headers"]["task"] == "accounts.tasks.refresh_credential"
    assert json.loads(base64.b64decode(messages[0]["body"]))[0] == [credential.pk] and messages[0]["headers"]["eta"]
    assert Credential.objects.get().refresh_failures == 1
    settings.PDS_ENDPOINT = drive_url
    refresh_credentials.run([credential.pk])
    assert Credential.objects.get().refresh_count == 1


def test_key_rotation_keeps_everyone_signed_in(drive_url, alice, settings):
    session = sign_in(drive_url)
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]
    out = io.StringIO()
    call_command("rotate_token_keys", stdout=out)
    assert "Re-encrypted 1 credential" in out.getvalue()
    assert Credential.objects.get().key_id == crypto.key_id(new_key)
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]  # the old key is dropped
    assert session.get(f"{drive_url}/").status_code == 200
    # Without the key that encrypted them, tokens cannot be read: the command says so.
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(Exception, match="TOKEN_ENCRYPTION_KEYS"):
        call_command("rotate_token_keys", stdout=io.StringIO())


def test_an_access_token_is_decrypted_once_then_remembered():
    ciphertext = crypto.encrypt("the-access-token")
    assert crypto.decrypt_access_token(ciphertext) == "the-access-token"
    hits = crypto._access_token_decrypted.cache_info().hits
    assert crypto.decrypt_access_token(ciphertext) == "the-access-token"
    assert crypto._access_token_decrypted.cache_info().hits == hits + 1


def test_a_remembered_access_token_is_read_only_with_the_keys_that_decrypt_it(settings):
    ciphertext = crypto.encrypt("the-access-token")
    assert crypto.decrypt_access_token(ciphertext) == "the-access-token"
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the key that encrypted it is gone
    with pytest.raises(crypto.TokenKeyMissing):
        crypto.decrypt_access_token(ciphertext)
