"""The OpenID Connect side of federation: an ID token from the provider, checked against the
provider's JWKS (signature, iss, aud, nonce, exp). The embedded PDS issues no ID tokens, so
the provider here is a small OpenID provider on loopback (an outside system, not this
server), and the PDS under test is the real live server."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import jwt
import pytest
from django.core.exceptions import ValidationError
from jwt.algorithms import RSAAlgorithm

from pds_server.models import FederatedIdentity, FederationProvider, PdsUser
from pds_server.services.apps import rsa_key_pair
from pds_server.services.federation import provider_secret_set
from pds_server.services.federation_oidc import discovery_forget
from tests.conftest import REDIRECT_URI
from tests.pds_server.test_federation import Browser

CLIENT_ID = "drive-at-idp"
CLIENT_SECRET = "s3cret: with/odd+chars"


class OpenIdProvider:
    """Discovery, JWKS and a token endpoint that checks the code, the PKCE verifier and the
    client's Basic credentials, then answers with the ID token the test set."""

    def __init__(self):
        self.private_key, public_key = rsa_key_pair()
        self.jwk = {**json.loads(RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(public_key))),
                    "kid": "k1", "use": "sig", "alg": "RS256"}  # fmt: skip
        self.expected: dict = {}
        self.discovery_changes: dict = {}  # a hostile or odd discovery document
        self.jwks: dict | None = None  # None: the key above
        self.id_token = ""
        self.token_requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self.handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sign(self, claims: dict, key: str | None = None, kid: str = "k1", algorithm: str = "RS256") -> str:
        return jwt.encode(claims, key or self.private_key, algorithm=algorithm, headers={"kid": kid})

    def handler(self):
        idp = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    self.answer(
                        200,
                        {
                            "issuer": idp.issuer,
                            "authorization_endpoint": f"{idp.issuer}/authorize",
                            "token_endpoint": f"{idp.issuer}/token",
                            "jwks_uri": f"{idp.issuer}/jwks",
                            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                            **idp.discovery_changes,
                        },
                    )
                elif self.path == "/jwks":
                    self.answer(200, {"keys": [idp.jwk]} if idp.jwks is None else idp.jwks)
                else:
                    self.answer(404, {})

            def do_POST(self):
                form = {
                    k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
                }
                idp.token_requests.append(form)
                client_id, _, secret = (
                    base64.b64decode(self.headers.get("Authorization", "")[6:]).decode().partition(":")
                )
                verifier = form.get("code_verifier", "")
                challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
                if (unquote(client_id), unquote(secret)) != (CLIENT_ID, CLIENT_SECRET):
                    self.answer(401, {"error": "invalid_client"})
                elif form.get("code") != idp.expected.get("code") or challenge != idp.expected.get("challenge"):
                    self.answer(400, {"error": "invalid_grant"})
                else:
                    self.answer(200, {"access_token": "idp-access", "token_type": "Bearer", "id_token": idp.id_token})

        return Handler


@pytest.fixture
def idp():
    provider = OpenIdProvider()
    discovery_forget(f"{provider.issuer}/.well-known/openid-configuration")  # a port used before
    yield provider
    discovery_forget(f"{provider.issuer}/.well-known/openid-configuration")
    provider.server.shutdown()
    provider.server.server_close()


@pytest.fixture
def oidc_env(live_server, domain, web_app, idp):
    provider = FederationProvider.objects.create(
        domain=domain,
        name="ram",
        label="RAM",
        client_id=CLIENT_ID,
        discovery_url=f"{idp.issuer}/.well-known/openid-configuration",
        scopes="openid profile email",
        create_users=True,
    )
    provider_secret_set(provider=provider, client_secret=CLIENT_SECRET)
    port = urlsplit(live_server.url).port
    return {"base": live_server.url, "host": f"localhost:{port}", "app": web_app[0], "provider": provider}


def start(env, **extra) -> tuple[Browser, dict]:
    browser = Browser(env["base"], env["host"])
    query = urlencode({"client_id": env["app"].app_id, "redirect_uri": REDIRECT_URI, "response_type": "code", **extra})
    started = browser.get(f"/v2/oauth/federation/ram/start?{query}")
    assert started.status_code == 302, started.text[:300]
    sent = {key: values[0] for key, values in parse_qs(urlsplit(started.headers["Location"]).query).items()}
    assert sent["scope"] == "openid profile email" and sent["nonce"]
    return browser, sent


def good_claims(idp: OpenIdProvider, sent: dict, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": idp.issuer,
        "aud": CLIENT_ID,
        "sub": "248289761001",
        "nonce": sent["nonce"],
        "iat": now,
        "exp": now + 300,
        "name": "Jane Roe",
        "preferred_username": "jane",
        "email": "jane@idp.test",
        "email_verified": True,
    }
    claims.update(changes)
    return {key: value for key, value in claims.items() if value is not None}


def come_back(browser: Browser, idp: OpenIdProvider, sent: dict, id_token: str):
    idp.expected = {"code": "code-1", "challenge": sent["code_challenge"]}
    idp.id_token = id_token
    return browser.get(f"/v2/oauth/federation/ram/callback?{urlencode({'code': 'code-1', 'state': sent['state']})}")


def test_a_valid_id_token_signs_in_and_creates_the_user(oidc_env, idp, domain):
    browser, sent = start(oidc_env)
    back = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent)))
    assert back.status_code == 302, back.text[:300]
    assert back.headers["Location"].startswith("/v2/oauth/authorize?")
    assert idp.token_requests[0]["redirect_uri"] == f"http://{oidc_env['host']}/v2/oauth/federation/ram/callback"
    identity = FederatedIdentity.objects.select_related("user").get(provider=oidc_env["provider"])
    assert identity.subject == "248289761001"
    # A verified email not in use is taken; a user name never is (password and LDAP find people by it).
    assert (identity.user.user_name, identity.user.nick_name, identity.user.email) == ("", "Jane Roe", "jane@idp.test")
    page = browser.get(back.headers["Location"])  # signed in on the PDS: its consent page for the app
    assert page.status_code == 200 and 'name="decision"' in page.text


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("wrong nonce", "nonce"),
        ("other audience", "Audience"),
        ("other issuer", "issuer"),
        ("expired", "expired"),
        ("other key", "Signature verification failed"),
        ("symmetric", "accepted algorithm"),
        ("no sub", "sub"),
    ],
)
def test_an_id_token_that_fails_a_check_is_refused(oidc_env, idp, case, message):
    browser, sent = start(oidc_env)
    claims = {
        "wrong nonce": good_claims(idp, sent, nonce="another"),
        "other audience": good_claims(idp, sent, aud="someone-else"),
        "other issuer": good_claims(idp, sent, iss="https://evil.test"),
        "expired": good_claims(idp, sent, exp=int(time.time()) - 3600),
        "no sub": good_claims(idp, sent, sub=None),
    }.get(case) or good_claims(idp, sent)
    if case == "other key":
        token = idp.sign(claims, key=rsa_key_pair()[0])
    elif case == "symmetric":
        token = idp.sign(claims, key=CLIENT_SECRET + "x" * 32, algorithm="HS256")
    else:
        token = idp.sign(claims)
    refused = come_back(browser, idp, sent, token)
    assert refused.status_code == 400
    assert message in refused.text, refused.text[:500]
    assert not PdsUser.objects.filter(creator="federation:ram").exists()


def test_prompt_login_asks_the_provider_for_a_new_sign_in_and_checks_auth_time(oidc_env, idp, domain):
    browser, sent = start(oidc_env, prompt="login")
    assert (sent["prompt"], sent["max_age"]) == ("login", "0")
    # The provider's single sign-on from before this sign-in started: refused.
    stale = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent, auth_time=int(time.time()) - 600)))
    assert stale.status_code == 400 and "sign in again" in stale.text
    assert not FederatedIdentity.objects.exists()

    browser, sent = start(oidc_env, prompt="login")
    fresh = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent, auth_time=int(time.time()))))
    assert fresh.status_code == 302 and fresh.headers["Location"].startswith("/v2/oauth/authorize?")
    assert "prompt" not in parse_qs(urlsplit(fresh.headers["Location"]).query)

    # Without prompt=login nothing of the kind is sent, and an old auth_time is fine.
    browser, sent = start(oidc_env)
    assert "prompt" not in sent and "max_age" not in sent
    old = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent, auth_time=int(time.time()) - 600)))
    assert old.status_code == 302


def test_explicit_endpoints_need_an_issuer_for_id_tokens(oidc_env, idp, domain):
    """Endpoints the administrator set on loopback work (no discovery); without an issuer an
    ID token of any issuer would pass, so none is accepted."""
    FederationProvider.objects.filter(pk=oidc_env["provider"].pk).update(
        discovery_url="",
        issuer="",
        authorization_endpoint=f"{idp.issuer}/authorize",
        token_endpoint=f"{idp.issuer}/token",
        jwks_uri=f"{idp.issuer}/jwks",
    )
    with pytest.raises(ValidationError, match="issuer"):
        FederationProvider.objects.get(pk=oidc_env["provider"].pk).full_clean()
    browser, sent = start(oidc_env)
    refused = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent, iss="https://another-tenant.test")))
    assert refused.status_code == 400 and "no issuer configured" in refused.text
    assert not FederatedIdentity.objects.exists()

    FederationProvider.objects.filter(pk=oidc_env["provider"].pk).update(issuer=idp.issuer)
    FederationProvider.objects.get(pk=oidc_env["provider"].pk).full_clean()
    browser, sent = start(oidc_env)
    assert come_back(browser, idp, sent, idp.sign(good_claims(idp, sent))).status_code == 302


@pytest.mark.parametrize(
    "changes",
    [
        {"token_endpoint_auth_methods_supported": 5},
        {"token_endpoint_auth_methods_supported": True},
        {"token_endpoint_auth_methods_supported": [1, {"a": 1}, "client_secret_basic"]},
        {"authorization_endpoint": 5},
        {"authorization_endpoint": ["https://idp.test/a"]},
        {"token_endpoint": {"url": "x"}},
        {"issuer": 5},
    ],
)
def test_an_odd_discovery_document_is_a_refusal_never_a_server_error(oidc_env, idp, changes):
    idp.discovery_changes = changes
    browser = Browser(oidc_env["base"], oidc_env["host"])
    query = urlencode({"client_id": oidc_env["app"].app_id, "redirect_uri": REDIRECT_URI, "response_type": "code"})
    started = browser.get(f"/v2/oauth/federation/ram/start?{query}")
    if changes.get("token_endpoint_auth_methods_supported") in (5, True) or "client_secret_basic" in str(changes):
        assert started.status_code == 302  # the field is ignored, the configured method used
    else:
        assert started.status_code == 400, started.text[:300]


@pytest.mark.parametrize("jwks", [{"keys": ["x"]}, {"keys": [1]}, {"keys": "abc"}, {"keys": [{"kty": 5}]}, {}])
def test_an_odd_jwks_is_a_refusal_never_a_server_error(oidc_env, idp, jwks):
    idp.jwks = jwks
    browser, sent = start(oidc_env)
    refused = come_back(browser, idp, sent, idp.sign(good_claims(idp, sent)))
    assert refused.status_code == 400 and "JWKS" in refused.text, refused.text[:500]
