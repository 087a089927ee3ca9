"""JWT mode: Django's own users sign in with a password; the server obtains their PDS token
with the JWT application. No password ever reaches the PDS."""

from __future__ import annotations

import re
from datetime import timedelta

import requests
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import crypto
from accounts.models import Credential
from accounts.services.jwt_mode import pds_user_id_for
from pds_server.models import AccessToken, PdsUser


def django_sign_in(base: str, username: str, password: str) -> requests.Response:
    session = requests.Session()
    form = session.get(f"{base}/accounts/login/")
    assert form.status_code == 200 and 'name="password"' in form.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = session.post(
        f"{base}/accounts/login/",
        data={"csrfmiddlewaretoken": csrf, "username": username, "password": password, "next": "/"},
        allow_redirects=False,
    )
    return session, answer


def test_django_user_signs_in_with_a_password_and_sees_their_auto_created_drive(jwt_drive):
    user = get_user_model().objects.create_user("walter", password="site-password-1", first_name="Walter")
    session, answer = django_sign_in(jwt_drive, "walter", "site-password-1")
    assert answer.status_code == 302 and answer.headers["Location"] == "/"
    page = session.get(f"{jwt_drive}/")
    assert page.status_code == 200 and "My drive" in page.text
    pds_user = PdsUser.objects.get(user_id=pds_user_id_for(user))
    assert pds_user.default_drive_id  # created at the first logon
    assert AccessToken.objects.get(user=pds_user).grant_type == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert pds_user.password == ""  # the PDS never saw a password
    credential = Credential.objects.get(user=user)
    assert credential.auth_mode == "jwt" and crypto.decrypt(credential.access_token_encrypted)


def test_wrong_password_is_refused_without_calling_the_pds(jwt_drive):
    get_user_model().objects.create_user("walter", password="site-password-1")
    _, answer = django_sign_in(jwt_drive, "walter", "nope")
    assert answer.status_code == 200 and "didn't match" in answer.text
    assert not PdsUser.objects.exists()


def test_jwt_token_is_minted_again_before_expiry(jwt_drive):
    get_user_model().objects.create_user("walter", password="site-password-1")
    session, _ = django_sign_in(jwt_drive, "walter", "site-password-1")
    session.get(f"{jwt_drive}/")
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(minutes=2))
    assert session.get(f"{jwt_drive}/").status_code == 200
    assert AccessToken.objects.filter(grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer").count() == 2
    assert Credential.objects.get().refresh_count == 1
