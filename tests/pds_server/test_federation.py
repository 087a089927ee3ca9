"""Sign-in to domain A through domain B of the same embedded PDS, configured on A as a generic
OAuth 2.0 provider by its discovery document (B's /.well-known/openid-configuration and
/v2/oauth/userinfo). Over real HTTP: two browsers (requests sessions, one per host, so that
A's and B's cookies stay apart) follow the redirects by hand.

B is the default domain (http://127.0.0.1:<port>, which the server reaches too); A is
addressed by its Host header acme.<PDS_HOST_SUFFIX>, as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import pytest
import requests
from django.conf import settings

from pds_server.models import App, AuditLog, FederatedIdentity, FederationProvider, PdsUser
from pds_server.services.federation import federation_providers, provider_secret_set
from pds_server.services.secrets_box import secret_decrypt
from tests.factories import AppFactory, DomainFactory, PdsUserFactory
from tests.pds_server.oauth_helpers import CSRF_FIELD, redirect_params, sign_in_and_consent

A_APP_REDIRECT = "http://drive-a.test/accounts/callback/"


class Browser:
    """One browser on one host: every request goes to the live server with that Host."""

    def __init__(self, base: str, host: str):
        self.base, self.host = base, host
        self.session = requests.Session()

    def url(self, path_or_url: str) -> str:
        parts = urlsplit(path_or_url)
        return f"{self.base}{parts.path}" + (f"?{parts.query}" if parts.query else "")

    def get(self, path_or_url: str) -> requests.Response:
        return self.session.get(self.url(path_or_url), headers={"Host": self.host}, allow_redirects=False, timeout=30)

    def post_form(self, path_or_url: str, page: requests.Response, **fields) -> requests.Response:
        match = CSRF_FIELD.search(page.text)
        assert match, f"no CSRF token on the page: {page.text[:300]}"
        return self.session.post(
            self.url(path_or_url),
            data={"csrfmiddlewaretoken": match.group(1), **fields},
            headers={"Host": self.host},
            allow_redirects=False,
            timeout=30,
        )


@pytest.fixture
def two_domains(live_server, domain):
    """B (`domain`, the default: the provider) and A (`acme`, which signs in through B)."""
    port = urlsplit(live_server.url).port
    a_host = f"acme.{settings.PDS_HOST_SUFFIX}:{port}"
    acme = DomainFactory(domain_id="acme", name="Acme")
    bob = PdsUserFactory(
        domain=domain,
        user_id="bob",
        user_name="bob",
        password="bob-password-1",
        nick_name="Bob of B",
        email="bob@b.test",
        phone="+8613800000000",
    )
    callback = f"http://{a_host}/v2/oauth/federation/corp/callback"
    b_app = AppFactory(domain=domain, name="Acme sign-in", app_type=App.AppType.WEB_SERVER, redirect_uris=[callback])
    provider = FederationProvider.objects.create(
        domain=acme,
        name="corp",
        label="Corp B",
        client_id=b_app.app_id,
        discovery_url=f"{live_server.url}/.well-known/openid-configuration",
        nick_name_claim="name",
        email_claim="email",
        phone_claim="phone_number",
        create_users=True,
    )
    provider_secret_set(provider=provider, client_secret=b_app.client_secret)
    a_app = AppFactory(domain=acme, name="Acme Drive", app_type=App.AppType.WEB_SERVER, redirect_uris=[A_APP_REDIRECT])
    return {
        "base": live_server.url,
        "a_host": a_host,
        "acme": acme,
        "bob": bob,
        "provider": provider,
        "a_app": a_app,
    }


def start_path(env, **extra) -> str:
    params = {
        "client_id": env["a_app"].app_id,
        "redirect_uri": A_APP_REDIRECT,
        "response_type": "code",
        "state": "app-state-1",
        "login_type": "corp",
        **extra,
    }
    return f"/v2/oauth/federation/corp/start?{urlencode(params)}"


def through_provider(env, a: Browser) -> str:
    """Start on A, sign in as bob on B (a fresh B browser), return B's redirect back to A."""
    started = a.get(start_path(env))
    assert started.status_code == 302, started.text[:300]
    to_b = started.headers["Location"]
    assert to_b.startswith(f"{env['base']}/v2/oauth/authorize?"), to_b
    sent = {key: values[0] for key, values in parse_qs(urlsplit(to_b).query).items()}
    assert sent["code_challenge_method"] == "S256" and len(sent["code_challenge"]) == 43
    assert sent["state"] and "nonce" not in sent  # plain OAuth 2.0 provider: no openid scope
    back = sign_in_and_consent(requests.Session(), to_b, "bob", "bob-password-1")
    assert back.status_code == 302, back.text[:300]
    assert back.headers["Location"].startswith(f"http://{env['a_host']}/v2/oauth/federation/corp/callback?")
    return back.headers["Location"]


def sign_in_through_b(env) -> tuple[Browser, requests.Response]:
    """The whole walk to A's answer to the app: (A browser, redirect to the app)."""
    a = Browser(env["base"], env["a_host"])
    back = a.get(through_provider(env, a))
    assert back.status_code == 302, back.text[:300]
    continuation = back.headers["Location"]
    assert continuation.startswith("/v2/oauth/authorize?") and "login_type" not in continuation
    page = a.get(continuation)
    if page.status_code == 200 and 'name="decision"' in page.text:
        page = a.post_form(continuation, page, action="consent", decision="allow")
    return a, page


def a_token(env, code: str) -> dict:
    reply = requests.post(
        f"{env['base']}/v2/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": A_APP_REDIRECT,
            "client_id": env["a_app"].app_id,
            "client_secret": env["a_app"].client_secret,
        },
        headers={"Host": env["a_host"]},
        timeout=30,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_discovery_document_and_userinfo_describe_domain_b(two_domains, web_app, alice):
    env = two_domains
    document = requests.get(f"{env['base']}/.well-known/openid-configuration", timeout=30).json()
    assert document["issuer"] == env["base"]
    assert document["userinfo_endpoint"] == f"{env['base']}/v2/oauth/userinfo"
    assert document["code_challenge_methods_supported"] == ["S256"]
    missing = requests.get(f"{env['base']}/v2/oauth/userinfo", timeout=30)
    assert missing.status_code == 401


def test_first_sign_in_creates_the_user_and_the_second_reuses_it(two_domains):
    env = two_domains
    _, answer = sign_in_through_b(env)
    params = redirect_params(answer)
    assert answer.headers["Location"].startswith(A_APP_REDIRECT) and params["state"] == "app-state-1"
    tokens = a_token(env, params["code"])
    assert tokens["domain_id"] == "acme"

    me = requests.post(
        f"{env['base']}/v2/user/get",
        json={},
        headers={"Authorization": f"Bearer {tokens['access_token']}", "Host": env["a_host"]},
        timeout=30,
    )
    assert me.status_code == 200, me.text
    user = me.json()
    assert user["domain_id"] == "acme"
    # No user name from a provider; B's userinfo says nothing is verified: no email, no phone.
    assert (user["user_name"], user["nick_name"], user["email"], user["phone"]) == ("", "Bob of B", "", "")
    assert user["creator"] == "federation:corp"
    identity = FederatedIdentity.objects.get(provider=env["provider"])
    assert (identity.subject, identity.user.user_id) == ("bob", user["user_id"])
    assert AuditLog.objects.filter(domain=env["acme"], action_type="user.signin", actor_id=user["user_id"]).exists()

    # A new browser, the same person: the same A user, no second one.
    _, again = sign_in_through_b(env)
    second = a_token(env, redirect_params(again)["code"])
    assert second["user_id"] == user["user_id"]
    assert PdsUser.objects.filter(domain=env["acme"]).count() == 1
    assert FederatedIdentity.objects.count() == 1


def test_the_sign_in_cookie_carries_the_next_authorize_without_the_provider(two_domains):
    env = two_domains
    a, _ = sign_in_through_b(env)
    params = {"client_id": env["a_app"].app_id, "redirect_uri": A_APP_REDIRECT, "response_type": "code", "state": "s2"}
    page = a.get(f"/v2/oauth/authorize?{urlencode(params)}")
    assert redirect_params(page)["state"] == "s2"  # signed in on A already: straight back with a code


def test_a_state_that_is_not_this_browsers_is_refused(two_domains):
    env = two_domains
    a = Browser(env["base"], env["a_host"])
    callback = through_provider(env, a)
    parts = urlsplit(callback)
    query = parse_qs(parts.query)
    forged = f"{parts.path}?{urlencode({'code': query['code'][0], 'state': 'forged-state'})}"
    refused = a.get(forged)
    assert refused.status_code == 400
    assert "did not start in this browser" in refused.text
    stranger = Browser(env["base"], env["a_host"])  # the right state, in another browser
    assert stranger.get(callback).status_code == 400
    assert PdsUser.objects.filter(domain=env["acme"]).count() == 0


def test_a_state_is_used_once(two_domains):
    env = two_domains
    a = Browser(env["base"], env["a_host"])
    callback = through_provider(env, a)
    cookie = a.session.cookies.get("pds_federation")
    assert a.get(callback).status_code == 302
    a.session.cookies.set(
        "pds_federation", cookie, domain=urlsplit(env["base"]).hostname, path="/v2/oauth/federation/corp/"
    )
    replay = a.get(callback)
    assert replay.status_code == 400 and "already used" in replay.text


def test_a_provider_error_is_the_error_page(two_domains):
    env = two_domains
    a = Browser(env["base"], env["a_host"])
    started = a.get(start_path(env))
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    refused = a.get(f"/v2/oauth/federation/corp/callback?{urlencode({'error': 'access_denied', 'state': state})}")
    assert refused.status_code == 400
    assert "Corp B did not sign you in (access_denied)" in refused.text
    assert "/v2/oauth/authorize?" in refused.text  # a way back to the sign-in page


def test_a_disabled_or_unknown_provider_is_refused_with_a_clear_page(two_domains):
    env = two_domains
    FederationProvider.objects.filter(pk=env["provider"].pk).update(enabled=False)
    a = Browser(env["base"], env["a_host"])
    refused = a.get(start_path(env))
    assert refused.status_code == 400
    assert "Sign-in with Corp B is turned off" in refused.text
    unknown = a.get(start_path(env).replace("/corp/", "/nosuch/"))
    assert unknown.status_code == 400 and "no sign-in method called" in unknown.text


def test_a_bad_authorize_request_is_refused_before_the_provider(two_domains):
    env = two_domains
    a = Browser(env["base"], env["a_host"])
    refused = a.get(start_path(env, redirect_uri="http://evil.test/cb"))
    assert refused.status_code == 400 and "redirect_uri" in refused.text
    assert not a.session.cookies.get("pds_federation")


def test_without_user_creation_an_unlinked_subject_is_refused(two_domains):
    env = two_domains
    FederationProvider.objects.filter(pk=env["provider"].pk).update(create_users=False)
    a = Browser(env["base"], env["a_host"])
    refused = a.get(through_provider(env, a))
    assert refused.status_code == 400 and "not linked" in refused.text
    assert PdsUser.objects.filter(domain=env["acme"]).count() == 0


def test_the_sign_in_page_gets_the_enabled_providers(two_domains):
    env = two_domains
    assert federation_providers(env["acme"]) == [("corp", "Corp B")]
    FederationProvider.objects.filter(pk=env["provider"].pk).update(enabled=False)
    assert federation_providers(env["acme"]) == []


def test_a_local_user_of_the_same_name_is_never_taken_over(two_domains):
    env = two_domains
    local = PdsUserFactory(domain=env["acme"], user_id="local-bob", user_name="bob", password="local-password-1")
    _, answer = sign_in_through_b(env)
    tokens = a_token(env, redirect_params(answer)["code"])
    assert tokens["user_id"] != local.user_id
    created = PdsUser.objects.get(domain=env["acme"], user_id=tokens["user_id"])
    assert created.user_name == "" and created.nick_name == "Bob of B"


def test_the_admin_stores_the_client_secret_encrypted_and_never_shows_it(domain):
    from django.contrib.auth import get_user_model
    from django.test import Client

    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1")
    client = Client()
    client.force_login(staff)
    form = {
        "domain": domain.pk,
        "name": "ding",
        "label": "DingTalk",
        "enabled": "on",
        "client_id": "ding-client",
        "client_secret": "ding-secret-value",
        "token_endpoint_auth_method": "client_secret_post",
        "authorization_endpoint": "https://login.ding.test/oauth2/auth",
        "token_endpoint": "https://api.ding.test/v1.0/oauth2/userAccessToken",
        "userinfo_endpoint": "https://api.ding.test/v1.0/contact/users/me",
        "scopes": "",
        "subject_claim": "unionId",
        "nick_name_claim": "nick",
        "create_users": "on",
    }
    added = client.post("/admin/pds_server/federationprovider/add/", form)
    assert added.status_code == 302, added.content.decode()[:2000]
    provider = FederationProvider.objects.get(domain=domain, name="ding")
    assert provider.client_secret_encrypted and "ding-secret-value" not in provider.client_secret_encrypted
    assert secret_decrypt(provider.client_secret_encrypted) == "ding-secret-value"
    page = client.get(f"/admin/pds_server/federationprovider/{provider.pk}/change/").content.decode()
    assert "ding-secret-value" not in page and provider.client_secret_encrypted not in page
    assert "/v2/oauth/federation/ding/callback" in page
    # Saved again without a secret: the stored one stays.
    kept = client.post(f"/admin/pds_server/federationprovider/{provider.pk}/change/", {**form, "client_secret": ""})
    assert kept.status_code == 302
    assert secret_decrypt(FederationProvider.objects.get(pk=provider.pk).client_secret_encrypted) == "ding-secret-value"
    # A sign-in method's own name cannot be a provider's.
    taken = client.post("/admin/pds_server/federationprovider/add/", {**form, "name": "password"})
    assert taken.status_code == 200 and "is a sign-in method of the page itself" in taken.content.decode()
    # ID tokens checked by a JWKS without discovery need the issuer their `iss` must name.
    no_issuer = client.post(
        "/admin/pds_server/federationprovider/add/", {**form, "name": "ding2", "jwks_uri": "https://ding.test/jwks"}
    )
    assert no_issuer.status_code == 200 and "Give the issuer" in no_issuer.content.decode()
    # Creating users is off unless ticked.
    unticked = {key: value for key, value in form.items() if key != "create_users"}
    assert client.post("/admin/pds_server/federationprovider/add/", {**unticked, "name": "ding3"}).status_code == 302
    assert FederationProvider.objects.get(domain=domain, name="ding3").create_users is False


def test_prompt_login_is_passed_on_so_the_providers_earlier_sign_in_does_not_count(two_domains):
    env = two_domains
    b = requests.Session()  # bob's browser at B, signed in there by an earlier sign-in to A
    first = Browser(env["base"], env["a_host"])
    to_b = first.get(start_path(env)).headers["Location"]
    assert "prompt" not in parse_qs(urlsplit(to_b).query)
    assert sign_in_and_consent(b, to_b, "bob", "bob-password-1").status_code == 302
    assert b.get(to_b, allow_redirects=False).status_code == 302  # B's sign-in counts without prompt=login

    # The app asks A for a fresh authentication: B is asked for one too, and asks for the password.
    a = Browser(env["base"], env["a_host"])
    to_b_again = a.get(start_path(env, prompt="login", state="s2")).headers["Location"]
    assert parse_qs(urlsplit(to_b_again).query)["prompt"] == ["login"]
    back = sign_in_and_consent(b, to_b_again, "bob", "bob-password-1")  # asserts B shows its password form
    if back.status_code == 303:  # B's own request again, its prompt=login now satisfied
        back = b.get(urljoin(to_b_again, back.headers["Location"]), allow_redirects=False)
    assert back.status_code == 302 and "/federation/corp/callback?" in back.headers["Location"]
    done = a.get(back.headers["Location"])
    assert done.status_code == 302 and "prompt" not in parse_qs(urlsplit(done.headers["Location"]).query)
