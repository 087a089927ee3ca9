"""Signing in to Drive with the OAuth code flow against the live embedded PDS."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.contrib.auth import get_user_model

from accounts import crypto
from accounts.models import Credential, PdsIdentity, PendingRevocation
from accounts.services import revocation, signin
from pds_server.models import RefreshToken
from tests.drive_helpers import pds_signin, sign_in, start_signin


def test_sign_in_lands_on_the_drive_and_keeps_tokens_encrypted(drive_url, alice):
    session, authorize_url = start_signin(drive_url, "/")
    query = parse_qs(urlsplit(authorize_url).query)
    assert authorize_url.startswith(f"{drive_url}/v2/oauth/authorize?")
    assert query["redirect_uri"] == [f"{drive_url}/accounts/callback/"]
    assert query["code_challenge_method"] == ["S256"] and len(query["state"][0]) >= 32
    before = session.cookies.get("drive_sessionid")
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    assert callback.startswith(f"{drive_url}/accounts/callback/?")
    assert session.get(callback, allow_redirects=False).headers["Location"] == "/"
    assert session.cookies.get("drive_sessionid") != before  # the session id was rotated

    page = session.get(f"{drive_url}/")
    assert page.status_code == 200 and "My drive" in page.text and "Alice" in page.text

    user = get_user_model().objects.get()
    identity = PdsIdentity.objects.get(user=user)
    assert (identity.domain_id, identity.pds_user_id) == ("demo", "alice")
    assert not user.has_usable_password()
    credential = Credential.objects.get(user=user)
    access = crypto.decrypt(credential.access_token_encrypted)
    assert access and access not in credential.access_token_encrypted
    assert credential.key_id == crypto.primary_key_id() and credential.default_drive_id


def test_signing_in_again_reuses_the_same_django_user(drive_url, alice):
    sign_in(drive_url)
    sign_in(drive_url)
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("tamper", ["missing", "wrong"])
def test_state_missing_or_wrong_is_refused(drive_url, alice, tamper):
    session, authorize_url = start_signin(drive_url)
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    params = parse_qs(urlsplit(callback).query)
    forged = (
        {"code": params["code"][0]} if tamper == "missing" else {"code": params["code"][0], "state": "forged-state"}
    )
    answer = session.get(f"{drive_url}/accounts/callback/", params=forged, allow_redirects=False)
    assert answer.status_code == 400 and "Sign-in failed" in answer.text
    assert session.get(f"{drive_url}/", allow_redirects=False).status_code == 302
    assert not Credential.objects.exists()


def test_state_is_single_use(drive_url, alice):
    session, authorize_url = start_signin(drive_url)
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    assert session.get(callback, allow_redirects=False).status_code == 302
    session.post(f"{drive_url}/accounts/logout/", headers={"X-CSRFToken": session.cookies.get("drive_csrftoken", "")})
    replay = session.get(callback, allow_redirects=False)
    assert replay.status_code == 400 and "already used" in replay.text


def test_state_expires(drive_url, alice, monkeypatch):
    session, authorize_url = start_signin(drive_url)
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    monkeypatch.setattr(signin, "OAUTH_REQUEST_LIFETIME", -1)
    answer = session.get(callback, allow_redirects=False)
    assert answer.status_code == 400 and "expired" in answer.text


def test_state_from_another_browser_is_refused(drive_url, alice):
    session, authorize_url = start_signin(drive_url)
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    other_browser = requests.Session()
    answer = other_browser.get(callback, allow_redirects=False)
    assert answer.status_code == 400


def test_access_denied_gets_a_clear_page_and_no_session(drive_url, alice):
    session, authorize_url = start_signin(drive_url)
    page = session.get(authorize_url)
    from tests.pds_server.oauth_helpers import post_form

    consent = post_form(session, authorize_url, page, action="signin", username="alice", password="alice-password-1")
    denied = post_form(session, authorize_url, consent, action="consent", decision="deny")
    answer = session.get(denied.headers["Location"], allow_redirects=False)
    assert answer.status_code == 400 and "did not allow" in answer.text
    assert session.get(f"{drive_url}/", allow_redirects=False).status_code == 302


@pytest.mark.parametrize(
    "next_path, landing",
    [("//evil.example/x", "/"), ("https://evil.example/", "/"), ("/folders/abc?x=1", "/folders/abc?x=1")],
)
def test_next_must_be_same_site(drive_url, alice, next_path, landing):
    session, authorize_url = start_signin(drive_url, next_path)
    callback = pds_signin(session, authorize_url, "alice", "alice-password-1")
    assert session.get(callback, allow_redirects=False).headers["Location"] == landing


def test_redirect_uri_never_comes_from_the_host_header(drive_url, alice):
    port = drive_url.rsplit(":", 1)[1]
    evil = requests.get(
        f"http://127.0.0.1:{port}/accounts/login/", headers={"Host": "evil.example"}, allow_redirects=False
    )
    assert evil.status_code == 400  # not an allowed host
    # An allowed host that differs from DRIVE_SITE_URL still gets the configured redirect URI.
    other = requests.get(f"http://127.0.0.1:{port}/accounts/login/", allow_redirects=False)
    assert parse_qs(urlsplit(other.headers["Location"]).query)["redirect_uri"] == [f"{drive_url}/accounts/callback/"]
    assert "127.0.0.1" not in drive_url


def test_logout_is_post_only_and_revokes_at_the_pds(drive_url, alice):
    session = sign_in(drive_url)
    assert session.get(f"{drive_url}/accounts/logout/").status_code == 405
    page = session.get(f"{drive_url}/")
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    answer = session.post(f"{drive_url}/accounts/logout/", data={"csrfmiddlewaretoken": token}, allow_redirects=False)
    assert answer.status_code == 302
    assert not Credential.objects.exists()
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
    assert session.get(f"{drive_url}/", allow_redirects=False).status_code == 302


def test_logout_without_csrf_is_refused(drive_url, alice):
    session = sign_in(drive_url)
    assert session.post(f"{drive_url}/accounts/logout/").status_code == 403
    assert Credential.objects.exists()


def test_logout_while_the_pds_is_down_queues_the_revocation(drive_url, alice, settings):
    session = sign_in(drive_url)
    page = session.get(f"{drive_url}/")
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    settings.PDS_ENDPOINT = "http://127.0.0.1:9"  # nothing listens there
    answer = session.post(f"{drive_url}/accounts/logout/", data={"csrfmiddlewaretoken": token}, allow_redirects=False)
    assert answer.status_code == 302 and not Credential.objects.exists()
    pending = PendingRevocation.objects.get()
    settings.PDS_ENDPOINT = drive_url
    assert revocation.pending_revocation_retry(revocation_id=pending.pk) is True
    assert RefreshToken.objects.filter(revoked_at__isnull=True).count() == 0
