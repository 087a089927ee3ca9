"""The rules a careful authorization server follows, each as a negative test over HTTP."""

from __future__ import annotations

import base64
import json
import time
import uuid
from datetime import timedelta

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from django.db import connections
from django.utils import timezone

from pds_server.models import App, AuthorizationCode, RefreshToken
from pds_server.services.apps import app_create, rsa_key_pair
from tests.conftest import NATIVE_REDIRECT_URI, REDIRECT_URI
from tests.pds_server.oauth_helpers import (
    api,
    assertion,
    authorize_url,
    pkce_pair,
    redirect_params,
    sign_in_and_consent,
    token_request,
    web_server_tokens,
)

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def get_code(pds_url, app, username="alice", password="alice-password-1", redirect_uri=REDIRECT_URI, **params) -> str:
    answer = sign_in_and_consent(
        requests.Session(),
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=redirect_uri, response_type="code", **params),
        username,
        password,
    )
    return redirect_params(answer)["code"]


@pytest.fixture
def alice(make_user):
    return make_user("alice", password="alice-password-1")


# --- authorize ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://evil.test/accounts/callback/",
        REDIRECT_URI + "x",
        REDIRECT_URI.rstrip("/"),
        REDIRECT_URI + "?next=1",
        REDIRECT_URI.upper(),
        "",
    ],
)
def test_unregistered_redirect_uri_gets_an_error_page_never_a_redirect(pds_url, web_app, redirect_uri):
    app, _ = web_app
    page = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=redirect_uri, response_type="code"),
        allow_redirects=False,
    )
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert "redirect_uri is not registered" in page.text


def test_unknown_client_gets_an_error_page(pds_url, domain):
    page = requests.get(
        authorize_url(pds_url, client_id="nope", redirect_uri=REDIRECT_URI, response_type="code"), allow_redirects=False
    )
    assert page.status_code == 400 and "Location" not in page.headers and "unknown" in page.text


def test_disabled_client_gets_an_error_page(pds_url, web_app):
    app, _ = web_app
    App.objects.filter(pk=app.pk).update(enabled=False)
    page = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code"),
        allow_redirects=False,
    )
    assert page.status_code == 400


def test_wrong_response_type_for_the_app_type_redirects_with_an_error(pds_url, web_app):
    # A response type the server lacks; `token` for a web-server app is unauthorized_client
    # (RFC 6749 section 4.2.2.1): tests/pds_server/test_oauth_strict.py.
    app, _ = web_app
    answer = requests.get(
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="id_token", state="q"),
        allow_redirects=False,
    )
    assert redirect_params(answer)["error"] == "unsupported_response_type"


def test_scope_beyond_the_apps_scopes_is_refused(pds_url, domain):
    app, _ = app_create(
        domain=domain, name="Narrow", app_type=App.AppType.WEB_SERVER, redirect_uris=[REDIRECT_URI], scopes=["FILE.ALL"]
    )
    answer = requests.get(
        authorize_url(
            pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code", scope="FILE.ALL,USER.ALL"
        ),
        allow_redirects=False,
    )
    assert redirect_params(answer)["error"] == "invalid_scope"


def test_native_app_without_pkce_is_refused(pds_url, native_app):
    answer = requests.get(
        authorize_url(pds_url, client_id=native_app.app_id, redirect_uri=NATIVE_REDIRECT_URI, response_type="code"),
        allow_redirects=False,
    )
    assert redirect_params(answer)["error"] == "invalid_request"


def test_pkce_plain_method_is_refused(pds_url, native_app):
    verifier, _ = pkce_pair()
    answer = requests.get(
        authorize_url(
            pds_url,
            client_id=native_app.app_id,
            redirect_uri=NATIVE_REDIRECT_URI,
            response_type="code",
            code_challenge=verifier[:43],
            code_challenge_method="plain",
        ),
        allow_redirects=False,
    )
    assert redirect_params(answer)["error"] == "invalid_request"


def test_pds_sign_in_never_signs_into_the_drive_app(pds_url, web_app, alice):
    app, _ = web_app
    session = requests.Session()
    sign_in_and_consent(
        session,
        authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code"),
        "alice",
        "alice-password-1",
    )
    cookie = next(c for c in session.cookies if c.name == "pds_signin")
    assert cookie.path == "/v2/oauth/"
    assert "drive_sessionid" not in session.cookies
    admin = session.get(f"{pds_url}/admin/", allow_redirects=False)
    assert admin.status_code == 302 and "/admin/login/" in admin.headers["Location"]


def test_sign_in_is_throttled_after_repeated_failures(pds_url, web_app, alice, settings):
    app, _ = web_app
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    for _ in range(settings.PDS_SIGNIN_MAX_FAILURES):
        sign_in_and_consent(requests.Session(), url, "alice", "wrong")
    answer = sign_in_and_consent(requests.Session(), url, "alice", "alice-password-1")
    assert answer.status_code == 401 and "Too many" in answer.text


def test_sign_in_failures_count_across_processes(pds_url, web_app, alice, settings, domain):
    """Several gunicorn workers (or machines) answer sign-ins: failures recorded by another
    process count here too."""
    import os
    import subprocess
    import sys

    script = (
        "import django; django.setup()\n"
        "from django.test import RequestFactory\n"
        "from pds_server.models import Domain\n"
        "from pds_server.views import oauth\n"
        f"request = RequestFactory().post('/', {{'username': 'alice', 'password': 'wrong'}})\n"
        f"request.pds_domain = Domain.objects.get(pk={domain.pk})\n"
        f"for _ in range({settings.PDS_SIGNIN_MAX_FAILURES}): assert oauth._signin_attempt(request) == (None, 'bad_credentials')\n"  # noqa: E501
    )
    from tests.celery_worker import database_url

    env = {
        **os.environ,
        "DATABASE_URL": database_url("default"),
        "PDS_DATABASE_URL": database_url("pds"),
        "DRIVE_ROLE": "pds",
    }
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    app, _ = web_app
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    answer = sign_in_and_consent(requests.Session(), url, "alice", "alice-password-1")
    assert answer.status_code == 401 and "Too many" in answer.text


# --- authorization codes ---------------------------------------------------------------


def exchange(pds_url, app, secret, code, redirect_uri=REDIRECT_URI, **extra):
    return token_request(
        pds_url,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        client_id=app.app_id,
        client_secret=secret,
        **extra,
    )


def test_code_is_single_use_and_replay_revokes_what_it_issued(pds_url, web_app, alice):
    app, secret = web_app
    code = get_code(pds_url, app)
    first = exchange(pds_url, app, secret, code)
    assert first.status_code == 200
    replay = exchange(pds_url, app, secret, code)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    assert api(pds_url, "user/get", first.json()["access_token"]).status_code == 401
    refresh = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=first.json()["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert refresh.status_code == 400


def test_code_lives_at_most_ten_minutes_and_expires(pds_url, web_app, alice):
    app, secret = web_app
    code = get_code(pds_url, app)
    record = AuthorizationCode.objects.get()
    assert record.expires_at - record.created_at <= timedelta(minutes=10)
    AuthorizationCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    reply = exchange(pds_url, app, secret, code)
    assert reply.status_code == 400 and "expired" in reply.json()["error_description"]


def test_code_is_bound_to_its_client(pds_url, web_app, domain, alice):
    app, _ = web_app
    other, other_secret = app_create(
        domain=domain, name="Other", app_type=App.AppType.WEB_SERVER, redirect_uris=[REDIRECT_URI]
    )
    code = get_code(pds_url, app)
    reply = exchange(pds_url, other, other_secret, code)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_code_is_bound_to_its_redirect_uri(pds_url, domain, alice):
    app, secret = app_create(
        domain=domain,
        name="Two",
        app_type=App.AppType.WEB_SERVER,
        redirect_uris=[REDIRECT_URI, "http://drive.test/other/"],
    )
    code = get_code(pds_url, app)
    reply = exchange(pds_url, app, secret, code, redirect_uri="http://drive.test/other/")
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("secret", ["", "wrong-secret"])
def test_web_server_app_must_prove_its_secret(pds_url, web_app, alice, secret):
    app, _ = web_app
    code = get_code(pds_url, app)
    reply = exchange(pds_url, app, secret, code)
    assert reply.status_code == 401
    body = reply.json()
    assert body["error"] == "invalid_client" and body["code"].startswith("InvalidClient") and body["message"]


def test_client_secret_basic_is_accepted(pds_url, web_app, alice):
    app, secret = web_app
    code = get_code(pds_url, app)
    reply = requests.post(
        f"{pds_url}/v2/oauth/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        auth=(app.app_id, secret),
    )
    assert reply.status_code == 200, reply.text


def test_unsupported_grant_type(pds_url, web_app):
    app, secret = web_app
    reply = token_request(
        pds_url, grant_type="password", client_id=app.app_id, client_secret=secret, username="a", password="b"
    )
    assert reply.status_code == 400 and reply.json()["error"] == "unsupported_grant_type"


# --- PKCE ------------------------------------------------------------------------------


def native_code(pds_url, native_app, challenge):
    return get_code(
        pds_url, native_app, redirect_uri=NATIVE_REDIRECT_URI, code_challenge=challenge, code_challenge_method="S256"
    )


def native_exchange(pds_url, native_app, code, verifier):
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": NATIVE_REDIRECT_URI,
        "client_id": native_app.app_id,
    }
    if verifier is not None:
        form["code_verifier"] = verifier
    return token_request(pds_url, **form)


@pytest.mark.parametrize("bad_verifier", [None, "short", "x" * 129, "wrong-" + "v" * 50])
def test_pkce_verifier_must_match(pds_url, native_app, alice, bad_verifier):
    _, challenge = pkce_pair()
    code = native_code(pds_url, native_app, challenge)
    reply = native_exchange(pds_url, native_app, code, bad_verifier)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_verifier_for_a_code_issued_without_challenge_is_rejected(pds_url, web_app, alice):
    app, secret = web_app
    code = get_code(pds_url, app)
    verifier, _ = pkce_pair()
    reply = exchange(pds_url, app, secret, code, code_verifier=verifier)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_web_server_app_may_add_pkce(pds_url, web_app, alice):
    app, secret = web_app
    verifier, challenge = pkce_pair()
    code = get_code(pds_url, app, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(pds_url, app, secret, code).status_code == 400  # challenge sent, verifier missing
    code = get_code(pds_url, app, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(pds_url, app, secret, code, code_verifier=verifier).status_code == 200


# --- refresh tokens --------------------------------------------------------------------


def test_refresh_may_not_widen_scope_but_may_narrow_it(pds_url, domain, alice):
    app, secret = app_create(
        domain=domain,
        name="Files only",
        app_type=App.AppType.WEB_SERVER,
        redirect_uris=[REDIRECT_URI],
        scopes=["FILE.ALL", "USER.ALL"],
    )
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "alice", "alice-password-1")
    wider = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=token["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
        scope="FILE.ALL USER.ALL DRIVE.ALL",
    )
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=token["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
        scope="USER.ALL",
    )
    assert narrower.status_code == 200 and narrower.json()["scope"] == "USER.ALL"


def test_refresh_token_is_bound_to_its_client(pds_url, web_app, domain, alice):
    app, secret = web_app
    other, other_secret = app_create(
        domain=domain, name="Other", app_type=App.AppType.WEB_SERVER, redirect_uris=[REDIRECT_URI]
    )
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "alice", "alice-password-1")
    reply = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=token["refresh_token"],
        client_id=other.app_id,
        client_secret=other_secret,
    )
    assert reply.status_code == 400


@pytest.mark.parametrize("field", ["idle_expires_at", "family_expires_at"])
def test_refresh_token_idle_and_absolute_lifetimes(pds_url, web_app, alice, field):
    app, secret = web_app
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "alice", "alice-password-1")
    RefreshToken.objects.update(**{field: timezone.now() - timedelta(seconds=1)})
    reply = token_request(
        pds_url,
        grant_type="refresh_token",
        refresh_token=token["refresh_token"],
        client_id=app.app_id,
        client_secret=secret,
    )
    assert reply.status_code == 400 and reply.json()["code"] == "RefreshTokenExpired"


def test_secrets_and_tokens_are_stored_hashed(pds_url, web_app, alice):
    app, secret = web_app
    token = web_server_tokens(pds_url, app.app_id, secret, REDIRECT_URI, "alice", "alice-password-1")
    with connections["pds"].cursor() as cursor:
        for table in (
            "pds_server_app",
            "pds_server_accesstoken",
            "pds_server_refreshtoken",
            "pds_server_authorizationcode",
        ):
            cursor.execute(f"SELECT * FROM {table}")
            dump = repr(cursor.fetchall())
            for value in (secret, token["access_token"], token["refresh_token"]):
                assert value not in dump, f"{table} holds a plaintext secret"


# --- JWT bearer ------------------------------------------------------------------------


def jwt_exchange(pds_url, app, signed):
    return token_request(pds_url, grant_type=JWT_BEARER, client_id=app.app_id, assertion=signed)


def test_jwt_happy_path_for_an_existing_user(pds_url, jwt_app, rsa_keys, alice):
    reply = jwt_exchange(pds_url, jwt_app, assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="alice"))
    assert reply.status_code == 200 and reply.json()["user_id"] == "alice"


def unsigned(claims: dict, header: dict) -> str:
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).decode().rstrip("=")  # noqa: E731
    return f"{encode(header)}.{encode(claims)}."


def base_claims(app, **override):
    now = int(time.time())
    claims = {
        "iss": app.app_id,
        "sub": "alice",
        "sub_type": "user",
        "aud": "demo",
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
    }
    claims.update(override)
    return {key: value for key, value in claims.items() if value is not None}


def test_jwt_alg_none_is_rejected(pds_url, jwt_app, alice):
    reply = jwt_exchange(pds_url, jwt_app, unsigned(base_claims(jwt_app), {"alg": "none", "typ": "JWT"}))
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_jwt_hs256_signed_with_the_public_key_is_rejected(pds_url, jwt_app, rsa_keys, alice):
    # The classic key-confusion attack: HMAC keyed with the (public) RSA key.
    import hashlib
    import hmac as hmac_module

    header = {"alg": "HS256", "typ": "JWT"}
    head_and_body = unsigned(base_claims(jwt_app), header)[:-1]
    signature = hmac_module.new(rsa_keys[1].encode(), head_and_body.encode(), hashlib.sha256).digest()
    forged = head_and_body + "." + base64.urlsafe_b64encode(signature).decode().rstrip("=")
    reply = jwt_exchange(pds_url, jwt_app, forged)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_jwt_key_carried_in_the_header_is_rejected(pds_url, jwt_app, alice):
    attacker_private, attacker_public = rsa_key_pair()
    public_numbers = serialization.load_pem_public_key(attacker_public.encode()).public_numbers()
    as_b64 = lambda n: base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).decode().rstrip("=")  # noqa: E731
    jwk = {"kty": "RSA", "n": as_b64(public_numbers.n), "e": as_b64(public_numbers.e)}
    signed = assertion(attacker_private, app_id=jwt_app.app_id, sub="alice", headers={"jwk": jwk})
    reply = jwt_exchange(pds_url, jwt_app, signed)
    assert reply.status_code == 400 and "header" in reply.json()["error_description"]


def test_jwt_signed_by_another_key_is_rejected(pds_url, jwt_app, alice):
    other_private, _ = rsa_key_pair()
    reply = jwt_exchange(pds_url, jwt_app, assertion(other_private, app_id=jwt_app.app_id, sub="alice"))
    assert reply.status_code == 400


class In:
    """A time `seconds` from when the test runs: parameters are made at collection, and the
    whole suite takes long enough that "ten minutes from now" would have passed by then."""

    def __init__(self, seconds: int):
        self.seconds = seconds

    def __repr__(self) -> str:
        return f"In({self.seconds})"


@pytest.mark.parametrize(
    "override, reason",
    [
        ({"iss": "someone-else"}, "issuer"),
        ({"aud": "other-domain"}, "aud"),
        ({"aud": ["demo"]}, "aud"),
        ({"jti": None}, "jti"),
        ({"jti": "short"}, "jti"),
        ({"exp": None}, "exp"),
        ({"exp": In(3600)}, "5 minutes"),
        ({"iat": In(600), "exp": In(660)}, "iat"),
        ({"nbf": In(600)}, "nbf"),
        ({"iat": In(-400), "exp": In(-200)}, "expired"),
        ({"sub": None}, "sub"),
        ({"sub_type": "robot"}, "sub_type"),
    ],
)
def test_jwt_claims_are_checked(pds_url, jwt_app, rsa_keys, alice, override, reason):
    now = int(time.time())
    override = {name: now + value.seconds if isinstance(value, In) else value for name, value in override.items()}
    claims = base_claims(jwt_app, **override)
    signed = jwt.encode(claims, rsa_keys[0], algorithm="RS256")
    reply = jwt_exchange(pds_url, jwt_app, signed)
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "invalid_grant"
    assert reason.lower() in reply.json()["error_description"].lower()


def test_jwt_jti_is_never_accepted_twice(pds_url, jwt_app, rsa_keys, alice):
    signed = assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="alice")
    assert jwt_exchange(pds_url, jwt_app, signed).status_code == 200
    replay = jwt_exchange(pds_url, jwt_app, signed)
    assert replay.status_code == 400 and "already used" in replay.json()["error_description"]


def test_jwt_unknown_user_without_auto_create(pds_url, jwt_app, rsa_keys):
    reply = jwt_exchange(pds_url, jwt_app, assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="ghost"))
    assert reply.status_code == 400 and reply.json()["code"] == "NotFound.User"


def test_jwt_service_subject_needs_permission(pds_url, domain, jwt_app, rsa_keys):
    refused = jwt_exchange(
        pds_url, jwt_app, assertion(rsa_keys[0], app_id=jwt_app.app_id, sub="demo", sub_type="service")
    )
    assert refused.status_code == 403
    service_app, _ = app_create(
        domain=domain, name="Ops", app_type=App.AppType.JWT, public_key=rsa_keys[1], allow_service_account=True
    )
    wrong_sub = jwt_exchange(
        pds_url, service_app, assertion(rsa_keys[0], app_id=service_app.app_id, sub="alice", sub_type="service")
    )
    assert wrong_sub.status_code == 400
    reply = jwt_exchange(
        pds_url, service_app, assertion(rsa_keys[0], app_id=service_app.app_id, sub="demo", sub_type="service")
    )
    assert reply.status_code == 200 and reply.json()["role"] == "superadmin"
    # A service token is an administrator: it may list the domain's users.
    assert api(pds_url, "user/list", reply.json()["access_token"]).status_code == 200


def test_jwt_app_cannot_use_other_grants_and_others_cannot_use_jwt(pds_url, jwt_app, web_app, rsa_keys, alice):
    app, secret = web_app
    signed = assertion(rsa_keys[0], app_id=app.app_id, sub="alice")
    reply = token_request(pds_url, grant_type=JWT_BEARER, client_id=app.app_id, client_secret=secret, assertion=signed)
    assert reply.status_code == 400 and reply.json()["error"] == "unauthorized_client"
    page = requests.get(
        authorize_url(pds_url, client_id=jwt_app.app_id, redirect_uri=REDIRECT_URI, response_type="code"),
        allow_redirects=False,
    )
    assert page.status_code == 400
