"""The BasicUI handshake's server side (accounts/services/basicui.py) against the live
embedded PDS: which origins may hand Drive a token, which tokens it takes, and the page and
endpoint the browser uses (tests/e2e/test_basicui_browser.py drives them in Chromium)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import crypto
from accounts.errors import CredentialDead
from accounts.models import Credential, PdsIdentity
from accounts.services.basicui import (
    BASICUI_AUTH_MODE,
    DEFAULT_TOKEN_LIFETIME,
    MAX_TOKEN_LIFETIME,
    AccountRefused,
    BasicUIOff,
    HandedToken,
    OriginRefused,
    TokenRefused,
    basicui_origin_check,
    basicui_token_accept,
    handed_token_parse,
)
from accounts.services.credentials import access_token_for, credential_store
from drive_site.settings.drive import basicui_origin_problem
from pds_client import Token
from pds_server.models import App, RefreshToken
from tests.accounts.test_jwt_mode import django_sign_in
from tests.drive_helpers import sign_in
from tests.factories import AppFactory, DomainFactory, PdsUserFactory
from tests.pds_server.oauth_helpers import assertion
from tests.test_settings import import_settings

SITE = "https://site.example"


def mint_token(base: str, private_key: str, app: App, user_id: str, *, domain_id: str = "demo") -> dict:
    """What the site's server does (PDS "Access for JWT applications"): a user's token from its
    JWT app, asked of the domain's host (`{domain}.pds.localhost` chooses another domain)."""
    port = base.rsplit(":", 1)[1]
    headers = {} if domain_id == "demo" else {"Host": f"{domain_id}.{django_settings.PDS_HOST_SUFFIX}:{port}"}
    reply = requests.post(
        f"http://127.0.0.1:{port}/v2/oauth/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "client_id": app.app_id,
            "assertion": assertion(private_key, app_id=app.app_id, sub=user_id, aud=domain_id),
        },
        headers=headers,
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def other_domain_token(base: str, rsa_keys: tuple[str, str]) -> str:
    """An access token of bob in the domain `acme`, minted by acme's own JWT app."""
    acme = DomainFactory(domain_id="acme", name="Acme")
    PdsUserFactory(domain=acme, user_id="bob")
    app = AppFactory(domain=acme, name="Acme site", app_type=App.AppType.JWT, redirect_uris=[], public_key=rsa_keys[1])
    return mint_token(base, rsa_keys[0], app, "bob", domain_id="acme")["access_token"]


@pytest.fixture
def site(drive_url, settings) -> str:
    settings.DRIVE_BASICUI_ORIGINS = [SITE]
    return drive_url


# --- origins -----------------------------------------------------------------------------


def test_no_origin_may_hand_a_token_while_the_list_is_empty(settings):
    settings.DRIVE_BASICUI_ORIGINS = []
    with pytest.raises(BasicUIOff):
        basicui_origin_check(SITE)


@pytest.mark.parametrize(
    "origin",
    [None, "", "null", "https://evil.example", "http://site.example", "https://site.example:8443",
     "https://site.example/", "HTTPS://SITE.EXAMPLE", "https://sub.site.example", "https://site.example.evil"],
)  # fmt: skip
def test_only_an_origin_of_the_list_exactly_may_hand_a_token(settings, origin):
    settings.DRIVE_BASICUI_ORIGINS = [SITE, "http://127.0.0.1:9000"]
    assert basicui_origin_check(SITE) == SITE
    assert basicui_origin_check("http://127.0.0.1:9000") == "http://127.0.0.1:9000"
    with pytest.raises(OriginRefused):
        basicui_origin_check(origin)


# --- the message -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [None, "a-token", {}, {"access_token": ""}, {"access_token": "  "}, {"access_token": 42}]
)
def test_a_message_without_an_access_token_is_refused(body):
    with pytest.raises(TokenRefused, match="no access token"):
        handed_token_parse(body)


def test_expires_in_is_taken_when_sane():
    assert handed_token_parse({"access_token": "t"}) == HandedToken("t", DEFAULT_TOKEN_LIFETIME)
    assert handed_token_parse({"access_token": "t", "expires_in": 600}).expires_in == 600
    assert handed_token_parse({"access_token": "t", "expires_in": "600"}).expires_in == 600
    assert handed_token_parse({"access_token": "t", "expires_in": 10**9}).expires_in == MAX_TOKEN_LIFETIME
    with pytest.raises(TokenRefused, match="already expired"):
        handed_token_parse({"access_token": "t", "expires_in": 0})
    with pytest.raises(TokenRefused, match="not a number"):
        handed_token_parse({"access_token": "t", "expires_in": "soon"})
    assert handed_token_parse({"access_token": "t", "expires_in": 600.0}).expires_in == 600


@pytest.mark.parametrize(
    "expires_in", [float("inf"), float("-inf"), float("nan"), 1e400, 1.5, True, [600], {"s": 1}, "1e3", "6 00", "٣",
                   10**9 + 1, "9" * 40],
)  # fmt: skip
def test_expires_in_that_is_no_sane_whole_number_of_seconds_is_refused(expires_in):
    with pytest.raises(TokenRefused, match="not a number of seconds"):
        handed_token_parse({"access_token": "t", "expires_in": expires_in})


# --- the token, checked at the PDS --------------------------------------------------------


def test_a_users_token_signs_in_that_user_and_is_kept_encrypted(site, alice, jwt_app, rsa_keys):
    minted = mint_token(site, rsa_keys[0], jwt_app, "alice")
    user = basicui_token_accept(origin=SITE, message={"access_token": minted["access_token"], "expires_in": 600}).user
    identity = PdsIdentity.objects.get(user=user)
    assert (identity.domain_id, identity.pds_user_id) == ("demo", "alice")
    credential = Credential.objects.get(user=user)
    assert credential.auth_mode == BASICUI_AUTH_MODE
    assert crypto.decrypt(credential.access_token_encrypted) == minted["access_token"]
    assert minted["access_token"] not in credential.access_token_encrypted
    assert credential.refresh_token_encrypted == ""  # nothing renews it: the session ends with it
    left = credential.access_expires_at - timezone.now()
    assert timedelta(seconds=590) < left <= timedelta(seconds=600)
    alice.refresh_from_db()
    assert alice.default_drive_id and credential.default_drive_id == alice.default_drive_id

    # The same PDS user handed over again is the same Django user; the site's refresh token is
    # not kept (it is its app's), and a token without expires_in is taken to live 7200 s.
    token = mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"]
    again = basicui_token_accept(origin=SITE, message={"access_token": token, "refresh_token": "the-sites"}).user
    assert again == user and get_user_model().objects.count() == 1
    credential = Credential.objects.get(user=user)
    assert crypto.decrypt(credential.access_token_encrypted) == token and credential.refresh_token_encrypted == ""
    left = credential.access_expires_at - timezone.now()
    assert timedelta(seconds=DEFAULT_TOKEN_LIFETIME - 10) < left <= timedelta(seconds=DEFAULT_TOKEN_LIFETIME)


def test_a_token_the_pds_does_not_know_is_refused(site, alice):
    with pytest.raises(TokenRefused, match="did not accept"):
        basicui_token_accept(origin=SITE, message={"access_token": "not-a-token", "expires_in": 600})
    assert not Credential.objects.exists()


def test_a_token_of_another_domain_is_refused(site, alice, rsa_keys):
    token = other_domain_token(site, rsa_keys)
    with pytest.raises(TokenRefused):
        basicui_token_accept(origin=SITE, message={"access_token": token, "expires_in": 600})
    assert not Credential.objects.exists() and not get_user_model().objects.exists()


def test_a_token_the_pds_takes_but_of_a_domain_other_than_drives_is_refused(site, alice, jwt_app, rsa_keys, settings):
    # The endpoint answers for "demo", but this Drive serves "acme": Drive checks the domain itself.
    settings.PDS_DOMAIN_ID = "acme"
    token = mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"]
    with pytest.raises(TokenRefused, match="another domain"):
        basicui_token_accept(origin=SITE, message={"access_token": token, "expires_in": 600})
    assert not Credential.objects.exists()


def test_a_token_from_an_origin_not_in_the_list_is_not_even_checked(site, alice, jwt_app, rsa_keys):
    token = mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"]
    with pytest.raises(OriginRefused):
        basicui_token_accept(origin="https://evil.example", message={"access_token": token, "expires_in": 600})
    assert not Credential.objects.exists()


# --- the page and the endpoint --------------------------------------------------------------


def test_accesstoken_at_the_documented_address_opens_the_page(site):
    page = requests.get(f"{site}/accesstoken", params={"origin": SITE}, allow_redirects=False, timeout=30)
    assert page.status_code == 200 and 'src="/static/js/basicui.js"' in page.text
    assert f'data-origin="{SITE}"' in page.text
    # Never in a frame; but the site stays its opener (Django's default COOP would cut it).
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert page.headers["Cross-Origin-Opener-Policy"] == "unsafe-none"
    assert "no-store" in page.headers["Cache-Control"]


@pytest.mark.parametrize("origin", ["https://evil.example", None])
def test_an_origin_not_in_the_list_gets_a_clear_page_and_no_script(site, origin):
    page = requests.get(f"{site}/accesstoken", params={"origin": origin}, timeout=30)
    assert page.status_code == 403 and "may not sign you in" in page.text
    assert "basicui.js" not in page.text and page.headers["Cross-Origin-Opener-Policy"] == "same-origin"


def test_with_the_feature_off_the_page_says_so(drive_url, settings):
    settings.DRIVE_BASICUI_ORIGINS = []
    page = requests.get(f"{drive_url}/accesstoken", params={"origin": SITE}, timeout=30)
    assert page.status_code == 404 and "does not accept sign-ins handed over" in page.text
    assert "basicui.js" not in page.text


def page_session(base: str) -> requests.Session:
    session = requests.Session()
    assert session.get(f"{base}/accesstoken", params={"origin": SITE}, timeout=30).status_code == 200
    return session


def post_token(session: requests.Session, base: str, body: dict, csrf: bool = True) -> requests.Response:
    headers = {"X-CSRFToken": session.cookies["drive_csrftoken"]} if csrf else {}
    return session.post(f"{base}/accounts/accesstoken/token", json=body, headers=headers, timeout=30)


def test_the_endpoint_signs_the_browser_in_and_the_drive_works(site, alice, jwt_app, rsa_keys):
    session = page_session(site)
    minted = mint_token(site, rsa_keys[0], jwt_app, "alice")
    answer = post_token(session, site, {"origin": SITE, "access_token": minted["access_token"], "expires_in": 7200})
    assert answer.status_code == 200 and answer.json() == {"next": "/"}
    drive = session.get(f"{site}/", allow_redirects=False, timeout=30)
    assert drive.status_code == 200 and "My drive" in drive.text and "Alice" in drive.text


def test_the_endpoint_needs_the_csrf_token(site, alice, jwt_app, rsa_keys):
    session = page_session(site)
    minted = mint_token(site, rsa_keys[0], jwt_app, "alice")
    answer = post_token(session, site, {"origin": SITE, "access_token": minted["access_token"]}, csrf=False)
    assert answer.status_code == 403
    assert not Credential.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        ({"origin": "https://evil.example", "access_token": "x"}, 403, "may not sign you in"),
        ({"access_token": "x"}, 403, "may not sign you in"),
        ({"origin": SITE, "access_token": "not-a-token"}, 403, "did not accept"),
        ({"origin": SITE}, 403, "no access token"),
    ],
)
def test_the_endpoint_refuses_with_a_readable_message(site, alice, body, status, message):
    session = page_session(site)
    answer = post_token(session, site, body)
    assert answer.status_code == status and message in answer.json()["error"]
    assert session.get(f"{site}/", allow_redirects=False, timeout=30).status_code == 302  # still signed out


def test_the_endpoint_refuses_a_token_of_another_domain(site, alice, rsa_keys):
    session = page_session(site)
    answer = post_token(session, site, {"origin": SITE, "access_token": other_domain_token(site, rsa_keys)})
    assert answer.status_code == 403 and "did not accept" in answer.json()["error"]
    assert session.get(f"{site}/", allow_redirects=False, timeout=30).status_code == 302


def test_the_session_ends_when_the_handed_token_expires(site, alice, jwt_app, rsa_keys):
    session = page_session(site)
    minted = mint_token(site, rsa_keys[0], jwt_app, "alice")
    post_token(session, site, {"origin": SITE, "access_token": minted["access_token"], "expires_in": 7200})
    # Within the refresh margin, a handed-over token is still used: nothing could renew it.
    Credential.objects.update(access_expires_at=timezone.now() + timedelta(seconds=60))
    assert session.get(f"{site}/", allow_redirects=False, timeout=30).status_code == 200
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    ended = session.get(f"{site}/", allow_redirects=False, timeout=30)
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/accounts/login/")
    assert not signed_in(session, site)


def test_expires_in_infinity_is_refused_with_a_message_not_a_500(site, alice):
    session = page_session(site)
    answer = session.post(
        f"{site}/accounts/accesstoken/token",
        data=f'{{"origin": "{SITE}", "access_token": "x", "expires_in": Infinity}}',
        headers={"X-CSRFToken": session.cookies["drive_csrftoken"], "Content-Type": "application/json"},
        timeout=30,
    )
    assert answer.status_code == 403 and "not a number of seconds" in answer.json()["error"]


# --- the session lives with the handed token, not with the Django user ---------------------


def basicui_sign_in(base: str, token: str, expires_in: int = 600) -> requests.Session:
    session = page_session(base)
    answer = post_token(session, base, {"origin": SITE, "access_token": token, "expires_in": expires_in})
    assert answer.status_code == 200, answer.text
    return session


def signed_in(session: requests.Session, base: str) -> bool:
    answer = session.get(f"{base}/", allow_redirects=False, timeout=30)
    return answer.status_code == 200 and "My drive" in answer.text


def test_the_session_expires_with_the_token(site, alice, jwt_app, rsa_keys):
    from django.contrib.sessions.models import Session

    session = basicui_sign_in(site, mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"], expires_in=600)
    stored = Session.objects.get(session_key=session.cookies["drive_sessionid"])
    credential = Credential.objects.get()
    assert abs((stored.expire_date - credential.access_expires_at).total_seconds()) < 1
    cookie = next(cookie for cookie in session.cookies if cookie.name == "drive_sessionid")
    assert cookie.expires is not None and abs(cookie.expires - credential.access_expires_at.timestamp()) < 2
    assert signed_in(session, site)


def test_the_session_ends_with_its_token_and_never_rides_the_users_next_credential(site, alice, jwt_app, rsa_keys):
    handed = basicui_sign_in(site, mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"], expires_in=60)
    user = get_user_model().objects.get()
    # The handed token expires while that browser is idle; the person then signs in to Drive
    # themselves (OAuth): a new credential with a refresh token.
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    fresh = mint_token(site, rsa_keys[0], jwt_app, "alice")
    credential_store(
        user=user,
        token=Token(access_token=fresh["access_token"], refresh_token="rt", expires_in=7200, user_id="alice",
                    user_name="alice", nick_name="", domain_id="demo", default_drive_id="", role="user", scope=""),
        auth_mode=Credential.AuthMode.OAUTH,
    )  # fmt: skip
    assert not signed_in(handed, site)
    assert Credential.objects.get().auth_mode == Credential.AuthMode.OAUTH  # the person's own sign-in stays


def test_a_later_token_ends_the_session_of_the_earlier_one(site, alice, jwt_app, rsa_keys):
    first = basicui_sign_in(site, mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"])
    second = basicui_sign_in(site, mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"])
    assert signed_in(second, site)
    # The same credential row, another token: the first session was of that token only.
    ended = first.get(f"{site}/", allow_redirects=False, timeout=30)
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/accounts/login/")
    assert not signed_in(first, site) and signed_in(second, site)


def test_a_handed_token_revokes_the_users_oauth_grant_it_replaces(drive_url, alice, jwt_app, rsa_keys, settings):
    settings.DRIVE_BASICUI_ORIGINS = [SITE]
    sign_in(drive_url)  # alice's own OAuth sign-in: a grant with a refresh token
    oauth = Credential.objects.get()
    assert oauth.auth_mode == Credential.AuthMode.OAUTH and oauth.refresh_token_encrypted
    grant = RefreshToken.objects.get(revoked_at__isnull=True)
    basicui_sign_in(drive_url, mint_token(drive_url, rsa_keys[0], jwt_app, "alice")["access_token"])
    credential = Credential.objects.get()
    assert credential.auth_mode == BASICUI_AUTH_MODE and credential.refresh_token_encrypted == ""
    grant.refresh_from_db()
    assert grant.revoked_at is not None  # revoked at the PDS as at sign-out, not dropped


# --- Drive's own accounts are never handed over ---------------------------------------------


def test_a_pds_user_linked_to_a_drive_superuser_is_refused(site, domain, jwt_app, rsa_keys, settings):
    settings.DRIVE_AUTH_MODE = "jwt"
    root = get_user_model().objects.create_superuser("root", "root@x.test", "pw-123456789")
    pds_id = f"u{root.pk}"  # jwt_mode.pds_user_id_for
    PdsUserFactory(domain=domain, user_id=pds_id)
    session = page_session(site)
    token = mint_token(site, rsa_keys[0], jwt_app, pds_id)["access_token"]
    answer = post_token(session, site, {"origin": SITE, "access_token": token})
    assert answer.status_code == 403 and "administrator" in answer.json()["error"]
    assert session.get(f"{site}/admin/", allow_redirects=False, timeout=30).status_code == 302
    root.refresh_from_db()
    assert root.email == "root@x.test" and not Credential.objects.exists()


@pytest.mark.parametrize("mode", ["oauth", "jwt"])
def test_a_staff_account_is_refused_in_every_mode(site, alice, jwt_app, rsa_keys, settings, mode):
    def handed() -> dict:
        return {"access_token": mint_token(site, rsa_keys[0], jwt_app, "alice")["access_token"]}

    user = basicui_token_accept(origin=SITE, message=handed()).user
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    settings.DRIVE_AUTH_MODE = mode
    with pytest.raises(AccountRefused, match="administrator"):
        basicui_token_accept(origin=SITE, message=handed())


def test_in_jwt_mode_a_drive_user_with_a_password_signs_in_on_drives_page(site, domain, jwt_app, rsa_keys, settings):
    settings.DRIVE_AUTH_MODE = "jwt"
    walter = get_user_model().objects.create_user("walter", password="site-password-1")
    PdsUserFactory(domain=domain, user_id=f"u{walter.pk}")
    token = mint_token(site, rsa_keys[0], jwt_app, f"u{walter.pk}")["access_token"]
    with pytest.raises(AccountRefused, match="Drive's own sign-in page"):
        basicui_token_accept(origin=SITE, message={"access_token": token})
    assert not Credential.objects.exists() and not PdsIdentity.objects.exists()
    settings.DRIVE_AUTH_MODE = "oauth"  # there, Drive has no password users of its own
    assert basicui_token_accept(origin=SITE, message={"access_token": token}).user != walter


# --- JWT and AccessKey modes: an ended site token gives way to the server's own -------------


def test_jwt_mode_a_user_is_not_locked_out_after_a_handed_token_ends(jwt_drive, domain, jwt_app, rsa_keys, settings):
    settings.DRIVE_BASICUI_ORIGINS = [SITE]
    # One of Drive's own users without a Drive password (signed in by the existing user system).
    walter = get_user_model().objects.create_user("walter")
    PdsUserFactory(domain=domain, user_id=f"u{walter.pk}")
    handed = basicui_sign_in(jwt_drive, mint_token(jwt_drive, rsa_keys[0], jwt_app, f"u{walter.pk}")["access_token"])
    assert signed_in(handed, jwt_drive) and Credential.objects.get().auth_mode == BASICUI_AUTH_MODE
    Credential.objects.update(dead_at=timezone.now(), dead_reason="the site's token was revoked")
    assert not signed_in(handed, jwt_drive)
    walter.set_password("site-password-1")
    walter.save()
    session, answer = django_sign_in(jwt_drive, "walter", "site-password-1")
    assert answer.status_code == 302
    assert signed_in(session, jwt_drive)  # not signed out again: the server minted walter's own token
    assert signed_in(session, jwt_drive)
    credential = Credential.objects.get()
    assert credential.auth_mode == Credential.AuthMode.JWT and credential.dead_at is None
    assert not signed_in(handed, jwt_drive)


def test_jwt_mode_access_token_for_replaces_an_expired_site_token(jwt_drive, domain, jwt_app, rsa_keys, settings):
    settings.DRIVE_BASICUI_ORIGINS = [SITE]
    walter = get_user_model().objects.create_user("walter")
    PdsUserFactory(domain=domain, user_id=f"u{walter.pk}")
    token = mint_token(jwt_drive, rsa_keys[0], jwt_app, f"u{walter.pk}")["access_token"]
    assert basicui_token_accept(origin=SITE, message={"access_token": token}).user == walter
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    fresh = access_token_for(walter)
    assert fresh != token and Credential.objects.get().auth_mode == Credential.AuthMode.JWT


def test_jwt_mode_a_site_user_of_another_pds_id_is_not_minted_a_stranger(jwt_drive, alice, jwt_app, rsa_keys, settings):
    # alice is the site's user, not Drive's: the server would mint "u<pk>", another PDS user.
    settings.DRIVE_BASICUI_ORIGINS = [SITE]
    token = mint_token(jwt_drive, rsa_keys[0], jwt_app, "alice")["access_token"]
    user = basicui_token_accept(origin=SITE, message={"access_token": token}).user
    Credential.objects.update(access_expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(CredentialDead, match="expired"):
        access_token_for(user)
    assert Credential.objects.get().auth_mode == BASICUI_AUTH_MODE


# --- DRIVE_BASICUI_ORIGINS at start-up -------------------------------------------------------


@pytest.mark.parametrize(
    "origin",
    ["https://site.example", "https://site.example:8443", "http://localhost:8000", "http://127.0.0.1",
     "http://[::1]:9000", "https://10.0.0.1", "https://[2001:db8::1]"],
)  # fmt: skip
def test_an_origin_browsers_write_is_taken(origin):
    assert basicui_origin_problem(origin) is None


@pytest.mark.parametrize(
    ("origin", "problem"),
    [
        ("https://site.example:443", "default"),
        ("http://localhost:80", "default"),
        ("https://site.example:70000", "above 65535"),
        ("https://*.site.example", "wildcard"),
        ("https://site.example/app", "no path"),
        ("https://user@site.example", "is not an origin"),
        ("http://site.example", "plain http"),
        ("http://10.0.0.1:8080", "plain http"),
        ("https://[0:0:0:0:0:0:0:1]", "[::1]"),
        ("https://010.0.0.1", "IPv4"),
    ],
)
def test_an_origin_no_browser_writes_or_plain_http_is_refused(origin, problem):
    assert problem in basicui_origin_problem(origin)


def test_a_bad_origin_stops_start_up_with_a_clear_message(tmp_path):
    result = import_settings(tmp_path, DRIVE_BASICUI_ORIGINS="https://site.example,https://intranet.example:443")
    assert result.returncode != 0
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("django.core.exceptions.ImproperlyConfigured: DRIVE_BASICUI_ORIGINS")
    assert "'https://intranet.example:443'" in last_line and "leave it out" in last_line
    assert import_settings(tmp_path, DRIVE_BASICUI_ORIGINS="https://site.example,http://localhost:9000").returncode == 0
