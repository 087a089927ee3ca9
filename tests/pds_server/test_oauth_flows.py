"""Every OAuth flow of the embedded PDS, end to end over HTTP against the live server."""

from __future__ import annotations

import requests

from pds_server.models import AccessToken, Consent, Drive, PdsUser
from tests.conftest import BROWSER_REDIRECT_URI, NATIVE_REDIRECT_URI, REDIRECT_URI
from tests.pds_server.oauth_helpers import (
    api,
    assertion,
    authorize_url,
    pkce_pair,
    post_form,
    redirect_params,
    sign_in_and_consent,
    token_request,
    web_server_tokens,
)

TOKEN_FIELDS = {
    "access_token",
    "refresh_token",
    "expires_in",
    "expire_time",
    "token_type",
    "user_id",
    "user_name",
    "nick_name",
    "role",
    "domain_id",
    "default_drive_id",
}


def test_web_server_code_flow_with_sign_in_and_consent(pds_url, web_app, make_user):
    app, secret = web_app
    make_user("alice", password="alice-password-1")
    session = requests.Session()
    url = authorize_url(
        pds_url,
        client_id=app.app_id,
        redirect_uri=REDIRECT_URI,
        response_type="code",
        state="xyz",
        scope="FILE.ALL,USER.ALL,DRIVE.ALL",
    )

    page = session.get(url)
    assert page.status_code == 200 and "Sign in" in page.text
    consent_page = post_form(session, url, page, action="signin", username="alice", password="alice-password-1")
    assert consent_page.status_code == 200
    # The scopes in plain words, never their codes.
    assert "Allow access?" in consent_page.text
    assert "See, upload, change and delete your files and folders" in consent_page.text
    assert "FILE.ALL" not in consent_page.text
    answer = post_form(session, url, consent_page, action="consent", decision="allow")
    assert answer.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(answer)
    assert params["state"] == "xyz"

    reply = token_request(
        pds_url,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=REDIRECT_URI,
        client_id=app.app_id,
        client_secret=secret,
    )
    assert reply.status_code == 200, reply.text
    assert reply.headers["Cache-Control"] == "no-store"
    token = reply.json()
    assert TOKEN_FIELDS <= token.keys()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 7000 and token["expire_time"].endswith("Z")
    assert token["user_name"] == "alice" and token["domain_id"] == "demo"
    # Personal space: the drive was created at the first logon.
    assert token["default_drive_id"] == PdsUser.objects.get(user_id="alice").default_drive_id != ""

    me = api(pds_url, "user/get", token["access_token"])
    assert me.status_code == 200 and me.json()["user_id"] == "alice"
    drive = api(pds_url, "drive/get_default_drive", token["access_token"]).json()
    assert drive["drive_id"] == token["default_drive_id"] and drive["owner"] == "alice"

    # A second authorization reuses the PDS sign-in and the recorded consent: straight back.
    again = session.get(url, allow_redirects=False)
    assert again.status_code == 302 and "code=" in again.headers["Location"]
    assert Drive.objects.filter(owner="alice").count() == 1


def test_consent_denied_redirects_with_access_denied(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("bob", password="bob-password-22")
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code", state="st"),
        "bob",
        "bob-password-22",
        consent="deny",
    )
    assert redirect_params(answer) == {
        "error": "access_denied",
        "error_description": "The user denied the request.",
        "state": "st",
    }
    assert not Consent.objects.exists()


def test_hide_consent_skips_the_consent_page(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("carol", password="carol-password-3")
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(
            pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code", hide_consent="True"
        ),
        "carol",
        "carol-password-3",
        consent=None,
    )
    assert "code" in redirect_params(answer)


def test_wrong_password_shows_the_form_again(pds_url, web_app, make_user):
    app, _ = web_app
    make_user("dave", password="dave-password-4")
    session = requests.Session()
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    page = session.get(url)
    answer = post_form(session, url, page, action="signin", username="dave", password="nope")
    assert answer.status_code == 401 and "wrong" in answer.text
    assert "pds_signin" not in session.cookies


def test_sign_in_page_speaks_chinese_with_lang_zh_cn(pds_url, web_app):
    app, _ = web_app
    page = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code", lang="zh_CN")
    )
    assert page.status_code == 200 and "登录" in page.text and 'lang="zh-CN"' in page.text


def test_native_flow_with_pkce_needs_no_secret(pds_url, native_app, make_user):
    make_user("erin", password="erin-password-5")
    verifier, challenge = pkce_pair()
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(
            pds_url,
            client_id=native_app.app_id,
            redirect_uri=NATIVE_REDIRECT_URI,
            response_type="code",
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        "erin",
        "erin-password-5",
    )
    code = redirect_params(answer)["code"]
    reply = token_request(
        pds_url,
        grant_type="code",
        code=code,
        redirect_uri=NATIVE_REDIRECT_URI,
        client_id=native_app.app_id,
        code_verifier=verifier,
    )
    assert reply.status_code == 200, reply.text
    assert api(pds_url, "user/get", reply.json()["access_token"]).json()["user_name"] == "erin"


def test_browser_flow_returns_the_token_in_the_fragment_without_refresh_token(pds_url, browser_app, make_user):
    make_user("frank", password="frank-password-6")
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(
            pds_url, client_id=browser_app.app_id, redirect_uri=BROWSER_REDIRECT_URI, response_type="token", state="abc"
        ),
        "frank",
        "frank-password-6",
    )
    location = answer.headers["Location"]
    assert location.startswith(BROWSER_REDIRECT_URI + "#") and "?" not in location
    params = redirect_params(answer)
    assert params["state"] == "abc" and "refresh_token" not in params
    assert api(pds_url, "user/get", params["access_token"]).json()["user_name"] == "frank"


def test_jwt_bearer_with_auto_create_makes_the_user_and_drive(pds_url, jwt_app, rsa_keys):
    signed = assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="site-user-42", auto_create=True)
    reply = token_request(
        pds_url, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", client_id=jwt_app.app_id, assertion=signed
    )
    assert reply.status_code == 200, reply.text
    token = reply.json()
    assert TOKEN_FIELDS <= token.keys() and token["user_id"] == "site-user-42"
    drives = api(pds_url, "drive/list_my_drives", token["access_token"]).json()
    assert [drive["drive_id"] for drive in drives["items"]] == [token["default_drive_id"]]
    assert drives["next_marker"] == ""


def test_refresh_rotates_and_old_token_reuse_revokes_the_family(pds_url, web_app, make_user, settings):
    settings.PDS_REFRESH_REUSE_GRACE_SECONDS = 0  # a retry within the grace is no reuse: test_refresh_grace.py
    app, secret = web_app
    make_user("gina", password="gina-password-7")
    first = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "gina", "gina-password-7")
    reply = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert reply.status_code == 200, reply.text
    second = reply.json()
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    assert api(pds_url, "user/get", second["access_token"]).status_code == 200

    replay = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    # The whole family is gone: the newest refresh token and its access token too.
    assert api(pds_url, "user/get", second["access_token"]).json()["code"] == "AccessTokenInvalid"
    newest = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=second["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert newest.status_code == 400


def test_revoke_refresh_token_ends_the_grant(pds_url, web_app, make_user):
    app, secret = web_app
    make_user("hank", password="hank-password-8")
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "hank", "hank-password-8")
    reply = requests.post(
        f"{pds_url}/v2/oauth/revoke",
        data={"token": token["refresh_token"], "token_type_hint": "refresh_token"},
        auth=(app.app_id, secret),
    )
    assert reply.status_code == 200
    assert (
        token_request(
            pds_url,
            grant_type="refresh_token",
            refresh_token=token["refresh_token"],
            client_id=app.app_id,
            client_secret=secret,
        ).status_code
        == 400
    )
    assert api(pds_url, "user/get", token["access_token"]).status_code == 401
    # RFC 7009 section 2.2: an unknown token is not an error.
    assert (
        requests.post(
            f"{pds_url}/v2/oauth/revoke", data={"token": "unknown", "client_id": app.app_id, "client_secret": secret}
        ).status_code
        == 200
    )


def test_revoke_needs_the_client_secret(pds_url, web_app, make_user):
    app, secret = web_app
    make_user("ivan", password="ivan-password-9")
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "ivan", "ivan-password-9")
    reply = requests.post(f"{pds_url}/v2/oauth/revoke", data={"token": token["refresh_token"], "client_id": app.app_id})
    assert reply.status_code == 401
    assert api(pds_url, "user/get", token["access_token"]).status_code == 200


def test_revoke_access_token_only(pds_url, web_app, make_user):
    app, secret = web_app
    make_user("jane", password="jane-password-10")
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "jane", "jane-password-10")
    requests.post(
        f"{pds_url}/v2/oauth/revoke",
        data={"token": token["access_token"], "client_id": app.app_id, "client_secret": secret},
    )
    assert api(pds_url, "user/get", token["access_token"]).status_code == 401
    assert (
        token_request(
            pds_url,
            grant_type="refresh_token",
            refresh_token=token["refresh_token"],
            client_id=app.app_id,
            client_secret=secret,
        ).status_code
        == 200
    )


def test_legacy_account_token_and_revoke(pds_url, jwt_app, rsa_keys):
    signed = assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="legacy-user", auto_create=True)
    token = token_request(
        pds_url, grant_type="urn:ietf:params:oauth:grant-type:jwt-bearer", client_id=jwt_app.app_id, assertion=signed
    ).json()
    refreshed = requests.post(
        f"{pds_url}/v2/account/token",
        json={"app_id": jwt_app.app_id, "grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    new = refreshed.json()
    assert new["user_id"] == "legacy-user" and new["refresh_token"] != token["refresh_token"]
    revoked = requests.post(
        f"{pds_url}/v2/account/revoke", json={"app_id": jwt_app.app_id, "refresh_token": new["refresh_token"]}
    )
    assert revoked.status_code == 204 and revoked.content == b""
    assert AccessToken.objects.filter(revoked_at__isnull=True, user__user_id="legacy-user").count() == 0
