"""OAuth strictness: no credentials in URLs, no parameter twice (RFC 6749 sections 2.3.1 and
3.1), unauthorized_client for a grant the app may not use (4.1.2.1, 4.2.2.1), short-lived
implicit tokens (RFC 9700), and a sign-out that ends the PDS sign-in."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import requests

from pds_server.services import tokens
from tests.conftest import BROWSER_REDIRECT_URI, REDIRECT_URI
from tests.pds_server.oauth_helpers import authorize_url, redirect_params, sign_in_and_consent


@pytest.fixture
def alice(make_user):
    return make_user("alice", password="alice-password-1")


def new_code(pds_url, app, session: requests.Session | None = None) -> str:
    answer = sign_in_and_consent(
        session or requests.Session(),
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code"),
        "alice",
        "alice-password-1",
    )
    return redirect_params(answer)["code"]


def code_form(app, code: str) -> list[tuple[str, str]]:
    return [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", app.app_id),
    ]


def assert_invalid_request(reply: requests.Response, mentions: str) -> None:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert body["error"] == "invalid_request" and mentions in body["error_description"]


# --- the token endpoint ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["client_secret", "code", "grant_type"])
def test_token_parameters_in_the_query_string_are_refused(pds_url, web_app, alice, name):
    app, secret = web_app
    form = [*code_form(app, new_code(pds_url, app)), ("client_secret", secret)]
    query = {name: dict(form)[name]}
    body = [(key, value) for key, value in form if key != name]  # the request would succeed with it in the body
    reply = requests.post(f"{pds_url}/v2/oauth/token?{urlencode(query)}", data=body, timeout=30)
    assert_invalid_request(reply, name)


def test_a_client_secret_given_twice_is_refused(pds_url, web_app, alice):
    app, secret = web_app
    form = [*code_form(app, new_code(pds_url, app)), ("client_secret", "wrong"), ("client_secret", secret)]
    reply = requests.post(f"{pds_url}/v2/oauth/token", data=form, timeout=30)
    assert_invalid_request(reply, "client_secret")


def test_a_parameter_given_twice_in_json_is_refused(pds_url, web_app, alice):
    app, secret = web_app
    pairs = [f'"{key}": {json.dumps(value)}' for key, value in code_form(app, new_code(pds_url, app))]
    raw = "{" + ", ".join([*pairs, '"client_secret": "wrong"', f'"client_secret": {json.dumps(secret)}']) + "}"
    reply = requests.post(
        f"{pds_url}/v2/oauth/token", data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert_invalid_request(reply, "client_secret")


def test_a_parameter_in_both_query_and_body_is_refused(pds_url, web_app, alice):
    app, secret = web_app
    form = [*code_form(app, new_code(pds_url, app)), ("client_secret", secret), ("lang", "en_US")]
    reply = requests.post(f"{pds_url}/v2/oauth/token?lang=zh_CN", data=form, timeout=30)
    assert_invalid_request(reply, "lang")


def test_basic_authentication_and_a_secret_in_the_body_together_are_refused(pds_url, web_app, alice):
    app, secret = web_app
    form = [*code_form(app, new_code(pds_url, app)), ("client_secret", secret)]
    reply = requests.post(f"{pds_url}/v2/oauth/token", data=form, auth=(app.app_id, secret), timeout=30)
    assert_invalid_request(reply, "one client authentication method")


def test_revoke_and_legacy_endpoints_are_as_strict(pds_url, web_app):
    app, secret = web_app
    twice = [("token", "x" * 43), ("client_id", app.app_id), ("client_secret", "wrong"), ("client_secret", secret)]
    assert_invalid_request(requests.post(f"{pds_url}/v2/oauth/revoke", data=twice, timeout=30), "client_secret")
    body = {"app_id": app.app_id, "refresh_token": "x" * 43}
    in_url = requests.post(f"{pds_url}/v2/account/token?client_secret={secret}", json=body, timeout=30)
    assert_invalid_request(in_url, "client_secret")
    raw = f'{{"app_id": "{app.app_id}", "client_secret": "wrong", "client_secret": "{secret}", "token": "t"}}'
    repeated = requests.post(
        f"{pds_url}/v2/account/revoke", data=raw, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert_invalid_request(repeated, "client_secret")


# --- the authorize endpoint -----------------------------------------------------------------


APP = "the web app's client_id"


@pytest.mark.parametrize(
    "params",
    [
        [("client_id", APP), ("redirect_uri", "http://evil.test/cb"), ("redirect_uri", REDIRECT_URI)],
        [("client_id", APP), ("redirect_uri", REDIRECT_URI), ("redirect_uri", REDIRECT_URI)],
        [("client_id", "other"), ("client_id", APP), ("redirect_uri", REDIRECT_URI)],
    ],
)
def test_authorize_with_client_id_or_redirect_uri_twice_shows_an_error_page(pds_url, web_app, params):
    app, _ = web_app
    query = urlencode([("response_type", "code"), *[(key, app.app_id if v == APP else v) for key, v in params]])
    page = requests.get(f"{pds_url}/v2/oauth/authorize?{query}", allow_redirects=False, timeout=30)
    assert page.status_code == 400 and "Location" not in page.headers
    assert "only once" in page.text


def test_authorize_with_another_parameter_twice_redirects_invalid_request(pds_url, web_app):
    app, _ = web_app
    params = [
        ("response_type", "code"),
        ("client_id", app.app_id),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "FILE.ALL"),
        ("scope", "USER.ALL"),
    ]
    answer = requests.get(f"{pds_url}/v2/oauth/authorize?{urlencode(params)}", allow_redirects=False, timeout=30)
    assert answer.headers["Location"].startswith(REDIRECT_URI + "?")
    assert redirect_params(answer)["error"] == "invalid_request"


def test_implicit_grant_for_a_web_server_app_is_unauthorized_client(pds_url, web_app):
    app, _ = web_app
    answer = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="token", state="q"),
        allow_redirects=False,
        timeout=30,
    )
    params = redirect_params(answer)
    assert params["error"] == "unauthorized_client" and params["state"] == "q"


def test_code_grant_for_a_browser_app_is_unauthorized_client(pds_url, browser_app):
    answer = requests.get(
        authorize_url(pds_url, client_id=browser_app.app_id, redirect_uri=BROWSER_REDIRECT_URI, response_type="code"),
        allow_redirects=False,
        timeout=30,
    )
    assert redirect_params(answer)["error"] == "unauthorized_client"


# --- implicit-flow tokens live at most an hour ------------------------------------------------


def implicit_token(pds_url, browser_app) -> dict:
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(pds_url, client_id=browser_app.app_id, redirect_uri=BROWSER_REDIRECT_URI, response_type="token"),
        "alice",
        "alice-password-1",
    )
    return redirect_params(answer)


def test_implicit_tokens_live_at_most_an_hour(pds_url, browser_app, alice, settings):
    assert settings.PDS_ACCESS_TOKEN_LIFETIME > 3600
    assert 3500 < int(implicit_token(pds_url, browser_app)["expires_in"]) <= 3600
    settings.PDS_IMPLICIT_TOKEN_LIFETIME = 600
    assert 500 < int(implicit_token(pds_url, browser_app)["expires_in"]) <= 600


def test_implicit_lifetime_is_capped_at_an_hour_whatever_is_set(browser_app, settings):
    settings.PDS_IMPLICIT_TOKEN_LIFETIME = 7200
    browser_app.access_token_lifetime = 86400
    assert tokens.access_token_lifetime(browser_app, "implicit") == 3600
    assert tokens.access_token_lifetime(browser_app, "authorization_code") == 86400


# --- signing out of the PDS -------------------------------------------------------------------


def signed_in_browser(pds_url, app) -> requests.Session:
    session = requests.Session()
    new_code(pds_url, app, session)
    assert any(cookie.name == "pds_signin" for cookie in session.cookies)
    return session


def authorize_asks_for_a_password(pds_url, app, session: requests.Session) -> bool:
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    page = session.get(url, allow_redirects=False, timeout=30)
    return page.status_code == 200 and 'name="password"' in page.text


def test_logout_ends_the_pds_sign_in_and_returns_to_a_registered_origin(pds_url, web_app, alice):
    app, _ = web_app
    session = signed_in_browser(pds_url, app)
    assert not authorize_asks_for_a_password(pds_url, app, session)  # remembered until now

    back = "http://drive.test/accounts/signed-out/"  # same origin as the registered REDIRECT_URI
    params = {"client_id": app.app_id, "redirect_uri": back, "state": "s1"}
    answer = session.get(f"{pds_url}/v2/oauth/logout", params=params, allow_redirects=False, timeout=30)
    assert answer.status_code == 302 and answer.headers["Location"] == back + "?state=s1"
    assert not any(cookie.name == "pds_signin" for cookie in session.cookies)
    assert authorize_asks_for_a_password(pds_url, app, session)


@pytest.mark.parametrize(
    "back",
    [
        "http://evil.test/accounts/signed-out/",
        "https://drive.test/accounts/signed-out/",
        "http://drive.test:8080/",
        "http://drive.test@evil.test/",
        "http://drive.test\\@evil.test/",
        "javascript:alert(1)//drive.test",
        "//drive.test/",
    ],
)
def test_logout_never_redirects_elsewhere(pds_url, web_app, alice, back):
    app, _ = web_app
    session = signed_in_browser(pds_url, app)
    params = {"client_id": app.app_id, "redirect_uri": back}
    answer = session.post(f"{pds_url}/v2/oauth/logout", data=params, allow_redirects=False, timeout=30)
    assert answer.status_code == 200 and "Location" not in answer.headers
    assert "You are signed out" in answer.text
    assert authorize_asks_for_a_password(pds_url, app, session)


def test_logout_of_an_unknown_client_shows_the_signed_out_page(pds_url, web_app, alice):
    app, _ = web_app
    session = signed_in_browser(pds_url, app)
    params = {"client_id": "nope", "redirect_uri": REDIRECT_URI, "lang": "zh_CN"}
    answer = session.get(f"{pds_url}/v2/oauth/logout", params=params, allow_redirects=False, timeout=30)
    assert answer.status_code == 200 and "你已退出登录" in answer.text
    assert authorize_asks_for_a_password(pds_url, app, session)
