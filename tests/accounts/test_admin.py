"""Django admin shows each user's PDS link and credential state, never a token."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test import Client

from accounts import crypto
from accounts.models import Credential
from pds_server.models import AccessToken, RefreshToken
from tests.drive_helpers import sign_in


def admin_client() -> Client:
    admin = get_user_model().objects.create_superuser("admin", "admin@example.com", "admin-password-1")
    client = Client()
    client.force_login(admin)
    return client


def test_credential_admin_lists_state_and_refreshes_without_showing_tokens(drive_url, alice):
    sign_in(drive_url)
    credential = Credential.objects.get()
    access = crypto.decrypt(credential.access_token_encrypted)
    refresh = crypto.decrypt(credential.refresh_token_encrypted)
    client = admin_client()
    listing = client.get("/admin/accounts/credential/")
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "alice @ demo" in text and credential.key_id in text
    detail = client.get(f"/admin/accounts/credential/{credential.pk}/change/").content.decode()
    for secret in (access, refresh, credential.access_token_encrypted, credential.refresh_token_encrypted):
        assert secret not in text and secret not in detail
    answer = client.post("/admin/accounts/credential/", {"action": "refresh_now", "_selected_action": [credential.pk]})
    assert answer.status_code == 302
    assert Credential.objects.get().refresh_count == 1
    client.post("/admin/accounts/credential/", {"action": "revoke", "_selected_action": [credential.pk]})
    assert not Credential.objects.exists()
    assert not RefreshToken.objects.filter(revoked_at__isnull=True).exists()


def test_pds_token_admin_never_shows_token_values(drive_url, alice):
    sign_in(drive_url)
    client = admin_client()
    for model in ("accesstoken", "refreshtoken"):
        page = client.get(f"/admin/pds_server/{model}/")
        assert page.status_code == 200
        text = page.content.decode()
        assert "alice" in text
        for row in list(AccessToken.objects.all()) + list(RefreshToken.objects.all()):
            assert row.token_hash not in text
