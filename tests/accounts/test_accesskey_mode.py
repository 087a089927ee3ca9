"""AccessKey mode (DRIVE_AUTH_MODE=accesskey): Django's own users sign in with a password;
Drive gets each one's PDS token with requests signed by an AccessKey pair made by
`pds_createaccesskey`, creating the user at the PDS the first time."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from accounts import crypto
from accounts.models import Credential
from accounts.services.jwt_mode import pds_user_id_for
from pds_server.models import AccessToken, AuditLog, PdsUser
from tests.accounts.test_jwt_mode import django_sign_in


@pytest.fixture
def accesskey_drive(live_server, domain, settings) -> str:
    out = StringIO()
    call_command("pds_createaccesskey", "--domain", "demo", "--json", stdout=out)
    key = json.loads(out.getvalue())
    settings.DRIVE_AUTH_MODE = "accesskey"
    settings.DRIVE_SITE_URL = live_server.url
    settings.PDS_ENDPOINT = live_server.url
    settings.PDS_ACCESS_KEY_ID = key["access_key_id"]
    settings.PDS_ACCESS_KEY_SECRET = key["access_key_secret"]
    return live_server.url


def test_a_django_user_signs_in_and_drive_gets_their_token_with_the_accesskey(accesskey_drive):
    user = get_user_model().objects.create_user("walter", password="site-password-1", first_name="Walter")
    session, answer = django_sign_in(accesskey_drive, "walter", "site-password-1")
    assert answer.status_code == 302
    page = session.get(f"{accesskey_drive}/")
    assert page.status_code == 200 and "My drive" in page.text
    pds_user = PdsUser.objects.get(user_id=pds_user_id_for(user))
    assert pds_user.default_drive_id and pds_user.nick_name == "Walter" and pds_user.password == ""
    assert AccessToken.objects.get(user=pds_user).grant_type == "accesskey"
    credential = Credential.objects.get(user=user)
    assert credential.auth_mode == "accesskey" and crypto.decrypt(credential.access_token_encrypted)
    assert credential.refresh_token_encrypted == ""
    signed = AuditLog.objects.filter(action_type="accesskey.use").values_list("detail__path", flat=True)
    assert set(signed) == {"/v2/user/get_access_token", "/v2/user/create"}


def test_the_token_is_got_again_before_expiry_and_kept_while_the_key_is_refused(accesskey_drive, settings):
    get_user_model().objects.create_user("walter", password="site-password-1")
    session, _ = django_sign_in(accesskey_drive, "walter", "site-password-1")
    assert session.get(f"{accesskey_drive}/").status_code == 200
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=2))
    assert session.get(f"{accesskey_drive}/").status_code == 200
    assert AccessToken.objects.filter(grant_type="accesskey").count() == 2
    assert Credential.objects.get().refresh_count == 1

    # A refusal of the key (here: a wrong secret) is the drive service's trouble, not the
    # user's: the token held, still valid, keeps working and the credential stays alive.
    settings.PDS_ACCESS_KEY_SECRET = "not-the-secret"
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=2))
    page = session.get(f"{accesskey_drive}/")
    assert page.status_code == 200 and "My drive" in page.text
    assert AccessToken.objects.filter(grant_type="accesskey").count() == 2
    credential = Credential.objects.get()
    assert credential.dead_at is None and credential.refresh_failures == 1


def test_a_user_the_pds_disabled_is_signed_out(accesskey_drive):
    user = get_user_model().objects.create_user("walter", password="site-password-1")
    session, _ = django_sign_in(accesskey_drive, "walter", "site-password-1")
    assert session.get(f"{accesskey_drive}/").status_code == 200
    PdsUser.objects.filter(user_id=pds_user_id_for(user)).update(status="disabled")
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=2))
    page = session.get(f"{accesskey_drive}/", allow_redirects=False)
    assert page.status_code in (200, 302) and Credential.objects.get().dead_at is not None
