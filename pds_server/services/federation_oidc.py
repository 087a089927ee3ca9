"""Talking to a third-party provider as an OAuth 2.0 client / OpenID Connect relying party:
discovery (OIDC Discovery 1.0 section 4), the authorization request with PKCE S256 (RFC
7636) and a nonce, the code exchange with the client secret (RFC 6749 section 4.1.3), the
ID token check (OIDC Core section 3.1.3.7) and the userinfo request (section 5.3).

Stricter than the documents: endpoints are https (plain http only on loopback hosts, RFC
8252 section 8.3, and only in DEBUG or when the administrator put the provider there), the
discovery document's issuer must be the URL it was fetched from (Discovery section 4.3), ID
tokens are signed with an asymmetric key from the provider's JWKS (never `none` or HS*) by
a known issuer, and a userinfo `sub` must equal the ID token's."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

import jwt
import requests
from django.conf import settings
from django.core.cache import cache

from pds_server.models import FederationProvider
from pds_server.services.secrets_box import SecretKeyMissing, secret_decrypt

TIMEOUT = 10
DISCOVERY_TTL = 300
DISCOVERY_SUFFIX = "/.well-known/openid-configuration"
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"]
ID_TOKEN_LEEWAY = 60
# How much older than the sign-in's start a fresh authentication's auth_time may be (clocks).
AUTH_TIME_SKEW = 30


class FederationError(Exception):
    """A sign-in through a provider that cannot go on; the message is for the person."""


@dataclass(frozen=True)
class Endpoints:
    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks_uri: str
    token_auth: str
    # URLs that may be plain http on a loopback host: see _checked_url.
    local: frozenset[str] = frozenset()

    def checked(self, url: str, what: str) -> str:
        return _checked_url(url, what, local=url in self.local)

    def get_json(self, url: str, what: str, headers: dict | None = None) -> dict:
        return _get_json(url, what, headers, local=url in self.local)


def pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _checked_url(url: str, what: str, *, local: bool = False) -> str:
    """https; plain http only to a loopback host (RFC 8252 section 8.3), and only in DEBUG
    or when `local`: the administrator configured this URL, or a discovery URL, on loopback
    (a provider on this machine). So a discovery document from elsewhere cannot point this
    server at its own loopback services."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        raise FederationError(f"The provider's {what} is not a valid URL.") from None
    if parts.scheme == "https" and host:
        return url
    if parts.scheme == "http" and _is_loopback_host(host) and (local or settings.DEBUG):
        return url
    raise FederationError(f"The provider's {what} must be an https URL.")


def _is_loopback_host(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _is_loopback_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        return parts.scheme == "http" and _is_loopback_host((parts.hostname or "").lower())
    except ValueError:
        return False


def _get_json(url: str, what: str, headers: dict | None = None, *, local: bool = False) -> dict:
    try:
        reply = requests.get(
            _checked_url(url, what, local=local), headers=headers or {}, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.RequestException:
        raise FederationError(f"The provider's {what} cannot be reached.") from None
    if reply.status_code != 200:
        raise FederationError(f"The provider's {what} answered HTTP {reply.status_code}.")
    try:
        document = reply.json()
    except ValueError:
        raise FederationError(f"The provider's {what} did not answer JSON.") from None
    if not isinstance(document, dict):
        raise FederationError(f"The provider's {what} did not answer a JSON object.")
    return document


def _discovery_key(url: str) -> str:
    return "pds-federation-discovery:" + hashlib.sha256(url.encode()).hexdigest()


def discovery_forget(url: str) -> None:
    """Drop a cached discovery document (the next sign-in fetches it again)."""
    cache.delete(_discovery_key(url))


def _discovery(provider: FederationProvider) -> dict:
    """The provider's discovery document (cached), its issuer checked."""
    url = provider.discovery_url
    if not url.endswith(DISCOVERY_SUFFIX):
        raise FederationError(f"The discovery URL must end with {DISCOVERY_SUFFIX}.")
    key = _discovery_key(url)
    discovered = cache.get(key)
    fetched = not isinstance(discovered, dict) or not discovered
    if fetched:
        discovered = _get_json(url, "discovery document", local=_is_loopback_url(url))
    if discovered.get("issuer") != url.removesuffix(DISCOVERY_SUFFIX):
        raise FederationError("The discovery document names another issuer than its own URL.")
    if fetched:
        cache.set(key, discovered, DISCOVERY_TTL)
    return discovered


def provider_endpoints(provider: FederationProvider) -> Endpoints:
    """The explicit endpoints, each filled from the discovery document when one is given.
    Every field of the document is used only when it has the expected type (a hostile
    document is a refusal, never a server error)."""
    discovered: dict = {}
    issuer = provider.issuer.strip()
    local: set[str] = set()
    if provider.discovery_url:
        discovered = _discovery(provider)
        issuer = discovered["issuer"]
        if _is_loopback_url(provider.discovery_url):
            local.update(value for value in discovered.values() if isinstance(value, str))
    auth_methods = discovered.get("token_endpoint_auth_methods_supported")
    if not isinstance(auth_methods, list):
        auth_methods = []
    auth_methods = [method for method in auth_methods if isinstance(method, str)]
    token_auth = provider.token_endpoint_auth_method
    if auth_methods and token_auth not in auth_methods:
        token_auth = next((m for m in FederationProvider.TokenAuth.values if m in auth_methods), token_auth)

    def pick(field: str) -> str:
        configured = getattr(provider, field)
        if configured:
            local.add(configured)  # the administrator's own choice
            return configured
        value = discovered.get(field)
        return value if isinstance(value, str) else ""

    authorization, token = pick("authorization_endpoint"), pick("token_endpoint")
    userinfo, jwks_uri = pick("userinfo_endpoint"), pick("jwks_uri")
    endpoints = Endpoints(
        issuer=issuer,
        authorization=authorization,
        token=token,
        userinfo=userinfo,
        jwks_uri=jwks_uri,
        token_auth=token_auth,
        local=frozenset(local),
    )
    if not endpoints.authorization or not endpoints.token:
        raise FederationError("The provider has no authorization or token endpoint configured.")
    endpoints.checked(endpoints.authorization, "authorization endpoint")
    return endpoints


def authorization_url(
    *,
    provider: FederationProvider,
    endpoints: Endpoints,
    redirect_uri: str,
    state: str,
    verifier: str,
    nonce: str,
    fresh: bool = False,
) -> str:
    """Where the browser goes to sign in. `fresh`: the app asked for a new authentication
    (prompt=login), passed on to the provider (and max_age=0 for OpenID Connect, whose ID
    token then says when the person signed in: auth_time)."""
    params = {
        "response_type": "code",
        "client_id": provider.client_id,
        "redirect_uri": redirect_uri,
        "state": state,
        "code_challenge": pkce_challenge(verifier),
        "code_challenge_method": "S256",
    }
    if provider.scopes:
        params["scope"] = " ".join(provider.scope_list)
    if nonce:
        params["nonce"] = nonce
    if fresh:
        params["prompt"] = "login"
        if provider.is_openid:
            params["max_age"] = "0"
    separator = "&" if urlsplit(endpoints.authorization).query else "?"
    return f"{endpoints.authorization}{separator}{urlencode(params)}"


def code_exchange(
    *, provider: FederationProvider, endpoints: Endpoints, code: str, redirect_uri: str, verifier: str
) -> dict:
    """The provider's token response (access_token, maybe id_token); the secret stays here."""
    try:
        secret = secret_decrypt(provider.client_secret_encrypted)
    except SecretKeyMissing:
        raise FederationError("The provider's client secret cannot be decrypted (PDS_SECRET_KEYS).") from None
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "code_verifier": verifier}
    headers = {"Accept": "application/json"}
    if endpoints.token_auth == FederationProvider.TokenAuth.POST:
        form.update(client_id=provider.client_id, client_secret=secret)
    else:  # RFC 6749 section 2.3.1: both form-encoded before Base64
        pair = f"{quote(provider.client_id, safe='')}:{quote(secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        form["client_id"] = provider.client_id
    try:
        reply = requests.post(
            endpoints.checked(endpoints.token, "token endpoint"),
            data=form,
            headers=headers,
            timeout=TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException:
        raise FederationError("The provider's token endpoint cannot be reached.") from None
    try:
        body = reply.json()
    except ValueError:
        body = {}
    if reply.status_code != 200 or not isinstance(body, dict):
        error = body.get("error") if isinstance(body, dict) else None
        raise FederationError(f"The provider refused the sign-in code ({error or f'HTTP {reply.status_code}'}).")
    if not isinstance(body.get("access_token"), str) or str(body.get("token_type", "")).lower() != "bearer":
        raise FederationError("The provider's token response has no bearer access token.")
    return body


def id_token_claims(
    *,
    provider: FederationProvider,
    endpoints: Endpoints,
    id_token: str,
    nonce: str,
    authenticated_after: datetime | None = None,
) -> dict:
    """The claims of a valid ID token. With `authenticated_after` (the sign-in asked for a
    fresh authentication, prompt=login), an `auth_time` it carries must not be older."""
    if not endpoints.jwks_uri:
        raise FederationError("The provider sent an ID token but has no JWKS URI to check it with.")
    if not endpoints.issuer:  # without it `iss` could not be checked: another tenant's tokens would pass
        raise FederationError("The provider has no issuer configured to check its ID tokens with.")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise FederationError("The provider's ID token is not a JWT.") from None
    if header.get("alg") not in ID_TOKEN_ALGORITHMS:
        raise FederationError("The provider's ID token is not signed with an accepted algorithm.")
    keys = endpoints.get_json(endpoints.jwks_uri, "JWKS")
    try:
        jwks = jwt.PyJWKSet.from_dict(keys)
    except (jwt.PyJWTError, AttributeError, TypeError, ValueError, KeyError):  # any malformed document
        raise FederationError("The provider's JWKS holds no usable key.") from None
    candidates = [key for key in jwks.keys if key.public_key_use in (None, "sig")]
    if header.get("kid"):
        candidates = [key for key in candidates if key.key_id == header["kid"]]
    if len(candidates) != 1:
        raise FederationError("The provider's JWKS has no single key for the ID token's kid.")
    try:
        claims = jwt.decode(
            id_token,
            key=candidates[0],
            algorithms=[header["alg"]],
            audience=provider.client_id,
            issuer=endpoints.issuer,
            leeway=ID_TOKEN_LEEWAY,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
    except jwt.PyJWTError as exc:
        raise FederationError(f"The provider's ID token is not valid: {exc}.") from None
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != provider.client_id:
        raise FederationError("The provider's ID token was issued to another party (azp).")
    if nonce and claims.get("nonce") != nonce:
        raise FederationError("The provider's ID token does not carry this sign-in's nonce.")
    auth_time = claims.get("auth_time")
    if authenticated_after is not None and auth_time is not None:
        if isinstance(auth_time, bool) or not isinstance(auth_time, (int, float)):
            raise FederationError("The provider's ID token has an auth_time that is not a time.")
        if auth_time < authenticated_after.timestamp() - AUTH_TIME_SKEW:
            raise FederationError(
                "The provider did not ask you to sign in again, as this sign-in requires. Start again from the "
                "sign-in page."
            )
    return claims


def userinfo_claims(*, endpoints: Endpoints, access_token: str) -> dict:
    return endpoints.get_json(
        endpoints.userinfo, "userinfo endpoint", headers={"Authorization": f"Bearer {access_token}"}
    )


def provider_claims(
    *,
    provider: FederationProvider,
    endpoints: Endpoints,
    tokens: dict,
    nonce: str,
    authenticated_after: datetime | None = None,
) -> dict:
    """The person's claims: the verified ID token's, completed by userinfo when the provider
    has it; without an ID token, userinfo alone (plain OAuth 2.0 providers)."""
    claims: dict = {}
    id_token = tokens.get("id_token")
    if isinstance(id_token, str) and id_token:
        claims = id_token_claims(
            provider=provider,
            endpoints=endpoints,
            id_token=id_token,
            nonce=nonce,
            authenticated_after=authenticated_after,
        )
    elif provider.is_openid:  # OIDC Core section 3.1.3.3: an ID token comes with every answer
        raise FederationError("The provider sent no ID token.")
    if endpoints.userinfo:
        info = userinfo_claims(endpoints=endpoints, access_token=tokens["access_token"])
        if claims and info.get("sub") != claims["sub"]:
            raise FederationError("The provider's userinfo is about another person than its ID token.")
        claims = {**info, **claims}
    if not claims:
        raise FederationError("The provider gave no claims about the person.")
    return json.loads(json.dumps(claims, default=str))
