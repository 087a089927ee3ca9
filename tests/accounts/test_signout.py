"""Signing out of Drive ends the PDS sign-in too: on a shared computer, the next person to
open Drive is asked for a password instead of being signed straight back in."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import requests

from tests.drive_helpers import sign_in, start_signin

REFRESH = re.compile(r'<meta http-equiv="refresh" content="0; url=([^"]+)">')


def sign_out(drive_url: str, session: requests.Session) -> requests.Response:
    """Press "Sign out" and follow where the browser is sent (the meta refresh included)."""
    page = session.get(f"{drive_url}/")
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    signing_out = session.post(f"{drive_url}/accounts/logout/", data={"csrfmiddlewaretoken": token})
    assert signing_out.url == f"{drive_url}/accounts/signing-out/", signing_out.url
    match = REFRESH.search(signing_out.text)
    assert match, signing_out.text[:500]
    return session.get(unescape(match.group(1)))


def test_after_signing_out_opening_drive_asks_for_a_password_again(drive_url, alice, settings):
    session = sign_in(drive_url)
    # Until sign-out the PDS remembers the person: opening Drive signs them straight in.
    _, authorize_url = start_signin(drive_url)
    assert session.get(authorize_url, allow_redirects=False).status_code == 302

    signed_out = sign_out(drive_url, session)
    assert signed_out.url == f"{drive_url}/accounts/signed-out/"
    assert "You are signed out" in signed_out.text
    assert not any(cookie.name == "pds_signin" for cookie in session.cookies)

    opened = session.get(f"{drive_url}/")  # the browser follows the sign-in redirects
    assert "/v2/oauth/authorize" in opened.url
    assert opened.status_code == 200 and 'name="password"' in opened.text


def test_sign_out_goes_through_the_pds_logout_of_drives_client(drive_url, alice, settings):
    session = sign_in(drive_url)
    page = session.get(f"{drive_url}/")
    token = page.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    session.post(f"{drive_url}/accounts/logout/", data={"csrfmiddlewaretoken": token}, allow_redirects=False)
    interstitial = session.get(f"{drive_url}/accounts/signing-out/")
    url = unescape(REFRESH.search(interstitial.text).group(1))
    parts = urlsplit(url)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{drive_url}/v2/oauth/logout"
    assert parse_qs(parts.query) == {
        "client_id": [settings.PDS_CLIENT_ID],
        "redirect_uri": [f"{drive_url}/accounts/signed-out/"],
    }
    settings.PDS_LOGOUT_URL = "https://pds.example.com/v2/oauth/logout"
    interstitial = session.get(f"{drive_url}/accounts/signing-out/")
    assert unescape(REFRESH.search(interstitial.text).group(1)).startswith("https://pds.example.com/v2/oauth/logout?")


def test_sign_out_in_jwt_mode_stays_on_drive(drive_url, settings, django_user_model):
    settings.DRIVE_AUTH_MODE = "jwt"
    django_user_model.objects.create_user("carol", password="carol-password-1")
    session = requests.Session()
    form = session.get(f"{drive_url}/accounts/login/")
    token = form.text.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    signed_in = session.post(
        f"{drive_url}/accounts/login/",
        data={"csrfmiddlewaretoken": token, "username": "carol", "password": "carol-password-1"},
        allow_redirects=False,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    token = session.cookies.get("drive_csrftoken")
    answer = session.post(f"{drive_url}/accounts/logout/", data={"csrfmiddlewaretoken": token}, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"] == "/accounts/signed-out/"
