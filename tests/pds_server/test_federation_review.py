"""Regressions of the federation review: a provider's claims never let its accounts take a
person's place or lock them out (user name, unverified or used email and phone), providers
create no users unless told, and plain http reaches loopback only when configured so."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from pds_server.models import FederationProvider
from pds_server.models.signin_methods import LdapSignin
from pds_server.selectors import user_for_signin
from pds_server.selectors.people import UserQuery, users_search
from pds_server.services import federation as fed
from pds_server.services import federation_oidc as oidc
from pds_server.services.ldap_signin import DirectoryEntry, directory_user
from pds_server.services.phone_codes import _phone_user
from tests.factories import PdsUserFactory


def make_provider(domain, **fields) -> FederationProvider:
    return FederationProvider.objects.create(
        **{
            "domain": domain,
            "name": "corp",
            "label": "Corp",
            "client_id": "cid",
            "authorization_endpoint": "https://idp.example/auth",
            "token_endpoint": "https://idp.example/token",
            "jwks_uri": "https://idp.example/jwks",
            "issuer": "https://idp.example",
            "scopes": "openid",
            "create_users": True,
            **fields,
        }
    )


def test_unverified_email_and_phone_claims_neither_lock_out_nor_impersonate(domain):
    victim = PdsUserFactory(
        domain=domain, user_id="victim", user_name="victim", email="boss@corp.test", phone="+8613800000000"
    )
    provider = make_provider(domain)
    claims = {
        "sub": "attacker",
        "preferred_username": "victim",
        "name": "Boss",
        "email": "boss@corp.test",
        "email_verified": False,
        "phone_number": "+8613800000000",
        "phone_number_verified": False,
    }
    user = fed.federated_user(provider=provider, claims=claims)
    assert (user.user_name, user.nick_name, user.email, user.phone) == ("", "Boss", "", "")
    assert _phone_user(domain=domain, phone="+8613800000000") == victim
    assert list(users_search(domain=domain, query=UserQuery(email="BOSS@corp.test"))) == [victim]


def test_verified_email_and_phone_are_taken_only_when_no_one_has_them(domain):
    PdsUserFactory(domain=domain, user_id="owner", email="Taken@corp.test", phone="+8613822222222")
    provider = make_provider(domain)
    verified = {"email_verified": True, "phone_number_verified": True}
    taken = fed.federated_user(
        provider=provider,
        claims={"sub": "s1", "email": "taken@corp.test", "phone_number": "+8613822222222", **verified},
    )
    assert (taken.email, taken.phone) == ("", "")
    free = fed.federated_user(
        provider=provider, claims={"sub": "s2", "email": "new@corp.test", "phone_number": "+8613833333333", **verified}
    )
    assert (free.email, free.phone) == ("new@corp.test", "+8613833333333")
    # "true" as a string, or the number alone, is no verification.
    odd = fed.federated_user(
        provider=provider,
        claims={"sub": "s3", "email": "odd@corp.test", "email_verified": "true", "phone_number": "+8613844444444"},
    )
    assert (odd.email, odd.phone) == ("", "")


def test_an_unverified_phone_claim_does_not_pre_empt_the_numbers_owner(domain):
    provider = make_provider(domain)
    fed.federated_user(provider=provider, claims={"sub": "attacker", "phone_number": "+8613911111111"})
    assert _phone_user(domain=domain, phone="+8613911111111") is None  # no user has the number


def test_a_provider_user_name_never_pre_empts_a_directory_persons_first_sign_in(domain):
    config = LdapSignin.objects.create(
        domain=domain, enabled=True, server_uri="ldap://127.0.0.1:389", search_base="ou=people,dc=x", create_users=True
    )
    provider = make_provider(domain)
    attacker = fed.federated_user(provider=provider, claims={"sub": "attacker-sub", "preferred_username": "dave"})
    assert attacker.user_name == ""
    entry = DirectoryEntry(dn="uid=dave,ou=people,dc=x", user_name="dave", nick_name="Dave", email="d@x", phone="")
    dave = directory_user(domain=domain, config=config, entry=entry)
    assert dave is not None and dave != attacker and dave.user_name == "dave"
    assert fed.federated_user(provider=provider, claims={"sub": "attacker-sub"}) == attacker

    # Even a provider's user given a directory person's name (by an administrator) is never adopted.
    attacker.user_name = "erin"
    attacker.save(update_fields=["user_name"])
    erin = DirectoryEntry(dn="uid=erin,ou=people,dc=x", user_name="erin", nick_name="Erin", email="", phone="")
    assert attacker.creator == "federation:corp"
    assert directory_user(domain=domain, config=config, entry=erin) is None


def test_a_provider_user_name_never_shadows_a_user_id_sign_in(domain):
    carol = PdsUserFactory(domain=domain, user_id="carol", user_name="", password="carol-pw-12345")
    provider = make_provider(domain)
    fed.federated_user(provider=provider, claims={"sub": "x", "preferred_username": "carol"})
    assert user_for_signin(domain=domain, login="carol") == carol


def test_providers_create_no_users_unless_told(domain):
    assert FederationProvider._meta.get_field("create_users").default is False
    provider = FederationProvider.objects.create(
        domain=domain,
        name="wx",
        label="WeCom",
        client_id="c",
        authorization_endpoint="https://wx.test/a",
        token_endpoint="https://wx.test/t",
        userinfo_endpoint="https://wx.test/u",
    )
    assert provider.create_users is False
    with pytest.raises(oidc.FederationError, match="not linked"):
        fed.federated_user(provider=provider, claims={"sub": "someone"})


def test_plain_http_to_loopback_only_in_debug_or_where_the_administrator_put_it(domain, settings):
    settings.DEBUG = False
    for url in ("http://127.0.0.1:6379/x", "http://foo.localhost:8080/admin", "http://[::1]/x"):
        with pytest.raises(oidc.FederationError, match="https"):
            oidc._checked_url(url, "token endpoint")
        assert oidc._checked_url(url, "token endpoint", local=True) == url
    with pytest.raises(oidc.FederationError, match="https"):
        oidc._checked_url("http://idp.example/t", "token endpoint", local=True)  # never plain http elsewhere
    settings.DEBUG = True
    assert oidc._checked_url("http://127.0.0.1:6379/x", "token endpoint")
    settings.DEBUG = False

    configured = oidc.provider_endpoints(make_provider(domain, token_endpoint="http://127.0.0.1:9/token"))
    assert configured.checked(configured.token, "token endpoint") == "http://127.0.0.1:9/token"

    # A discovery document from elsewhere names loopback endpoints: refused.
    url = "https://idp-review.example/.well-known/openid-configuration"
    document = {
        "issuer": "https://idp-review.example",
        "authorization_endpoint": "https://idp-review.example/a",
        "token_endpoint": "http://127.0.0.1:6379/t",
        "jwks_uri": "http://localhost:8080/jwks",
        "userinfo_endpoint": "http://127.0.0.1/u",
    }
    cache.set(oidc._discovery_key(url), document, 60)  # as if fetched: nothing here goes out
    try:
        provider = make_provider(
            domain, name="disc", discovery_url=url, authorization_endpoint="", token_endpoint="", jwks_uri="", issuer=""
        )
        endpoints = oidc.provider_endpoints(provider)
        for value, what in ((endpoints.token, "token"), (endpoints.jwks_uri, "JWKS"), (endpoints.userinfo, "userinfo")):
            with pytest.raises(oidc.FederationError, match="https"):
                endpoints.checked(value, what)
    finally:
        oidc.discovery_forget(url)


@pytest.mark.parametrize("methods", [5, True, 1.5, "client_secret_post", {"a": 1}, [None, 3]])
def test_a_discovery_documents_auth_methods_of_another_type_are_ignored(domain, methods):
    url = "https://idp-methods.example/.well-known/openid-configuration"
    cache.set(
        oidc._discovery_key(url),
        {
            "issuer": "https://idp-methods.example",
            "authorization_endpoint": "https://idp-methods.example/a",
            "token_endpoint": "https://idp-methods.example/t",
            "token_endpoint_auth_methods_supported": methods,
        },
        60,
    )
    try:
        provider = make_provider(domain, discovery_url=url, authorization_endpoint="", token_endpoint="", issuer="")
        assert oidc.provider_endpoints(provider).token_auth == "client_secret_basic"
    finally:
        oidc.discovery_forget(url)
