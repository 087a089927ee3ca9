"""A domain's app policy (allow all but a list, or deny all but a list) and native apps'
loopback redirects on any port (RFC 8252 section 7.3), over real HTTP."""

from __future__ import annotations

import random

import requests

from pds_server.models import App, Domain
from tests.factories import AppFactory
from tests.pds_server.oauth_helpers import (
    api,
    authorize_url,
    pkce_pair,
    redirect_params,
    sign_in_and_consent,
    token_request,
    web_server_tokens,
)


def policy(effect: str, *app_ids: str) -> None:
    Domain.objects.filter(domain_id="demo").update(
        app_access_effect=effect, app_access_except_app_ids="\n".join(app_ids)
    )


def test_an_allowed_apps_tokens_stop_working_once_the_domain_refuses_it(pds_url, web_app, make_user):
    app, secret = web_app
    make_user("alice")
    tokens = web_server_tokens(pds_url, app.app_id, secret, app.redirect_uri_list[0], "alice", "correct horse battery")
    assert api(pds_url, "user/get", tokens["access_token"]).status_code == 200

    policy("allow", app.app_id)  # allow all but this one
    refused = api(pds_url, "user/get", tokens["access_token"])
    assert refused.status_code == 401 and refused.json()["code"] == "AccessTokenInvalid"
    page = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=app.redirect_uri_list[0], response_type="code"),
        timeout=30,
    )
    assert page.status_code == 400 and "does not allow this application" in page.text
    refresh = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert refresh.status_code == 400 and refresh.json()["code"] == "UnauthorizedClient"

    policy("allow")  # the list emptied: allowed again, and the same token works
    assert api(pds_url, "user/get", tokens["access_token"]).status_code == 200


def test_deny_all_but_a_list(pds_url, web_app, make_user, domain):
    app, secret = web_app
    other = AppFactory(domain=domain, name="Other", app_type=App.AppType.WEB_SERVER, redirect_uris=["http://o.test/cb"])
    make_user("alice")
    policy("deny", app.app_id)
    tokens = web_server_tokens(pds_url, app.app_id, secret, app.redirect_uri_list[0], "alice", "correct horse battery")
    assert api(pds_url, "user/get", tokens["access_token"]).status_code == 200
    page = requests.get(
        authorize_url(pds_url, client_id=other.app_id, redirect_uri="http://o.test/cb", response_type="code"),
        timeout=30,
    )
    assert page.status_code == 400 and "does not allow this application" in page.text


def native_authorize(pds_url: str, app: App, redirect_uri: str, challenge: str) -> requests.Response:
    return requests.get(
        authorize_url(
            pds_url,
            client_id=app.app_id,
            redirect_uri=redirect_uri,
            response_type="code",
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        allow_redirects=False,
        timeout=30,
    )


def test_a_native_loopback_redirect_matches_on_any_port(pds_url, domain, make_user):
    make_user("alice")
    app = AppFactory(
        domain=domain,
        name="Desktop",
        app_type=App.AppType.NATIVE,
        redirect_uris=["http://127.0.0.1/callback", "http://[::1]/callback"],
    )
    port = random.randint(20000, 60000)
    redirect_uri = f"http://127.0.0.1:{port}/callback"
    verifier, challenge = pkce_pair()
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(
            pds_url,
            client_id=app.app_id,
            redirect_uri=redirect_uri,
            response_type="code",
            code_challenge=challenge,
            code_challenge_method="S256",
        ),
        "alice",
        "correct horse battery",
    )
    assert answer.headers["Location"].startswith(f"{redirect_uri}?")
    code = redirect_params(answer)["code"]
    reply = token_request(
        pds_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        client_id=app.app_id,
        code_verifier=verifier,
    )
    assert reply.status_code == 200 and reply.json()["user_id"] == "alice"

    assert native_authorize(pds_url, app, f"http://[::1]:{port}/callback", challenge).status_code == 200
    for refused in (
        f"http://127.0.0.1:{port}/other",  # another path
        f"http://localhost:{port}/callback",  # a name, not the loopback literal (RFC 8252 section 8.3)
        f"https://127.0.0.1:{port}/callback",  # another scheme
        f"http://127.0.0.2:{port}/callback",
        f"http://user@127.0.0.1:{port}/callback",
    ):
        assert native_authorize(pds_url, app, refused, challenge).status_code == 400, refused
    # PKCE stays required for native apps, loopback or not.
    no_pkce = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=redirect_uri, response_type="code"),
        allow_redirects=False,
        timeout=30,
    )
    assert redirect_params(no_pkce)["error"] == "invalid_request"


def test_a_web_server_apps_loopback_uri_stays_exact(pds_url, domain):
    app = AppFactory(
        domain=domain, name="Local web", app_type=App.AppType.WEB_SERVER, redirect_uris=["http://127.0.0.1:8000/cb"]
    )
    page = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri="http://127.0.0.1:8001/cb", response_type="code"),
        timeout=30,
    )
    assert page.status_code == 400


def test_loopback_uris_with_whitespace_or_controls_are_refused(pds_url, domain):
    app = AppFactory(
        domain=domain, name="Desktop", app_type=App.AppType.NATIVE, redirect_uris=["http://127.0.0.1/callback"]
    )
    _, challenge = pkce_pair()
    for sneaky in (
        " http://127.0.0.1:5000/callback",
        "http://127.0.0.1:50\n00/callback",
        "http://127.0.0.1:5000/call\tback",
    ):
        assert native_authorize(pds_url, app, sneaky, challenge).status_code == 400, repr(sneaky)


def test_an_accesskeys_own_app_can_revoke_its_tokens_under_deny_all(pds_url, domain, make_user):
    from pds_server.services.accesskeys import accesskey_create, accesskey_user_token

    alice = make_user("alice")
    created = accesskey_create(domain=domain)
    policy("deny")
    issued = accesskey_user_token(access_key=created.access_key, user=alice)
    assert api(pds_url, "user/get", issued.access_token_value).status_code == 200
    revoked = requests.post(
        f"{pds_url}/v2/oauth/revoke",
        data={"token": issued.access_token_value, "client_id": created.access_key.app.app_id},
        timeout=30,
    )
    assert revoked.status_code == 200, revoked.text
    assert api(pds_url, "user/get", issued.access_token_value).status_code == 401
