"""The OAuth 2.0 grants of the embedded PDS: authorization code (web-server apps with a
client secret, native apps with PKCE), implicit (browser apps), refresh token, and
JWT bearer (RFC 7523) for JWT apps.

Written against RFC 6749, RFC 7636, RFC 7523 and RFC 9700 with the stricter checks they
recommend; PyJWT verifies assertion signatures. Each rule has a negative test in
tests/pds_server/test_oauth_rules.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode, urlsplit, urlunsplit

import jwt
from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import QueryDict
from django.utils import timezone

from pds_server import errors
from pds_server.models import App, AuthorizationCode, Consent, Domain, PdsUser, UsedAssertion
from pds_server.routers import PDS_DB
from pds_server.services import throttle, tokens
from pds_server.services.users import user_create, user_logon

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
# RFC 7636 section 4.1: 43-128 characters of the unreserved set.
PKCE_VERIFIER = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
PKCE_CHALLENGE = re.compile(r"^[A-Za-z0-9\-_]{43}$")
FORBIDDEN_JWT_HEADERS = ("jwk", "jku", "x5u", "x5c", "x5t", "x5t#S256")


# --- Client authentication -------------------------------------------------------------


def client_authenticate(*, domain: Domain, client_id: str, client_secret: str | None, source_address: str = "") -> App:
    """Web-server apps must prove their secret; public apps (native, browser, JWT) have none."""
    app = App.objects.select_related("domain").filter(domain=domain, app_id=client_id or "").first()
    if app is None or not app.enabled:
        raise errors.invalid_client("Unknown or disabled client_id.", code="InvalidClientId")
    if not domain.app_allowed(app.app_id) and not hasattr(app, "access_key"):  # a key's own app is not third-party
        raise errors.OAuthError(
            "unauthorized_client", "This domain does not allow this application.", code="UnauthorizedClient"
        )
    if app.is_confidential:
        if not client_secret:
            raise errors.invalid_client("The client secret is wrong or missing.", code="InvalidClientSecret")
        # Counted per client and source address, checked before the secret: a throttled guess
        # learns nothing. Not per client alone: a client id is public, and anyone could then
        # lock the real client (Drive itself) out of its token refreshes.
        subject = f"{domain.pk}:{app.app_id}:{source_address}"
        throttle.throttle_check(
            rule=throttle.CLIENT_SECRET, subject=subject, message="Too many wrong client secrets. Try again later."
        )
        if not tokens.secret_matches(client_secret, app.client_secret_hash):
            throttle.failure_record(rule=throttle.CLIENT_SECRET, subject=subject)
            raise errors.invalid_client("The client secret is wrong or missing.", code="InvalidClientSecret")
    return app


# --- The authorize endpoint --------------------------------------------------------------


class AuthorizeFatal(Exception):
    """An error that must not redirect: unknown client or unregistered redirect_uri."""


@dataclass
class AuthorizationRequest:
    app: App
    redirect_uri: str
    response_type: str
    scopes: list[str]
    state: str
    code_challenge: str
    hide_consent: bool
    lang: str
    error: tuple[str, str] | None = field(default=None)
    # OpenID Connect Core section 3.1.2.1: `login` (sign in again), `consent` (ask again), `none`.
    prompt: frozenset[str] = field(default=frozenset())

    def redirect_with(self, params: dict) -> str:
        if self.state:
            params = {**params, "state": self.state}
        if self.response_type == "token":
            return f"{self.redirect_uri}#{urlencode(params)}"
        separator = "&" if "?" in self.redirect_uri else "?"
        return f"{self.redirect_uri}{separator}{urlencode(params)}"

    def error_redirect(self, error: str, description: str) -> str:
        return self.redirect_with({"error": error, "error_description": description})


LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


def _without_loopback_port(uri: str) -> str | None:
    """`uri` with its port removed when it is an http loopback IP literal (RFC 8252
    section 7.3), else None. `localhost` is not one: RFC 8252 section 8.3 advises against
    it (it can resolve elsewhere)."""
    parts = urlsplit(uri)
    try:
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return None
    host = parts.netloc.rsplit(":", 1)[0] if not parts.netloc.endswith("]") else parts.netloc
    if parts.scheme != "http" or host not in LOOPBACK_HOSTS or "@" in parts.netloc:
        return None
    return urlunsplit(parts._replace(netloc=host))


def redirect_uri_registered(*, app: App, redirect_uri: str) -> bool:
    """Exact string match against a registered URI (RFC 9700 section 4.1.3): no prefixes,
    no patterns; except that a native app's loopback URI matches on any port, since the
    app listens on whatever port the system gives it (RFC 8252 section 7.3)."""
    if redirect_uri in app.redirect_uri_list:
        return True
    if app.app_type != App.AppType.NATIVE or any(ord(char) <= 0x20 or ord(char) == 0x7F for char in redirect_uri):
        return False  # (urlsplit drops tabs, newlines and leading spaces that the redirect would keep)
    portless = _without_loopback_port(redirect_uri)
    return portless is not None and any(
        _without_loopback_port(registered) == portless for registered in app.redirect_uri_list
    )


def authorization_request_parse(*, domain: Domain, params: QueryDict) -> AuthorizationRequest:
    # RFC 6749 section 3.1: no parameter more than once. Two client_ids or redirect_uris
    # leave nothing verified to redirect to: an error page.
    repeated = sorted(name for name in params if len(params.getlist(name)) > 1)
    if {"client_id", "redirect_uri"} & set(repeated):
        raise AuthorizeFatal("client_id and redirect_uri may each be given only once.")
    client_id = params.get("client_id", "")
    app = App.objects.select_related("domain").filter(domain=domain, app_id=client_id).first()
    if app is None or not app.enabled:
        raise AuthorizeFatal("The application (client_id) is unknown or disabled.")
    if not domain.app_allowed(app.app_id):
        raise AuthorizeFatal("This domain does not allow this application.")
    redirect_uri = params.get("redirect_uri", "")
    if not redirect_uri or not redirect_uri_registered(app=app, redirect_uri=redirect_uri):
        raise AuthorizeFatal("The redirect_uri is not registered for this application.")
    if app.app_type == App.AppType.JWT:
        raise AuthorizeFatal("JWT applications cannot use the authorize endpoint.")
    request = AuthorizationRequest(
        app=app,
        redirect_uri=redirect_uri,
        response_type=params.get("response_type", ""),
        scopes=[],
        state=params.get("state", ""),
        code_challenge=params.get("code_challenge", ""),
        hide_consent=str(params.get("hide_consent", "")).lower() == "true",
        # The PDS documents: zh_CN unless en_US is asked for.
        lang="en_US" if params.get("lang", "") == "en_US" else "zh_CN",
        prompt=frozenset(str(params.get("prompt", "")).split()),
    )
    expected_response_type = "token" if app.app_type == App.AppType.BROWSER else "code"
    if repeated:
        request.response_type = expected_response_type
        request.error = ("invalid_request", "Parameters may be given only once: " + ", ".join(repeated) + ".")
        return request
    if request.response_type != expected_response_type:
        # A grant this server has but this app may not use is unauthorized_client (RFC 6749
        # sections 4.1.2.1, 4.2.2.1); unsupported_response_type is for one it does not have.
        known = request.response_type in ("code", "token")
        request.response_type = expected_response_type if known else request.response_type
        request.error = (
            "unauthorized_client" if known else "unsupported_response_type",
            f"This application must use response_type={expected_response_type}.",
        )
        return request
    requested = tokens.parse_scope(params.get("scope"))
    if not requested or requested == ["all"] or requested == ["ALL"]:
        request.scopes = sorted(app.scopes)
    elif not set(requested) <= set(app.scopes):
        request.error = (
            "invalid_scope",
            "The application may not ask for: " + ", ".join(sorted(set(requested) - set(app.scopes))),
        )
        return request
    else:
        request.scopes = requested
    method = params.get("code_challenge_method", "")
    if request.code_challenge or method:
        if method != "S256":
            request.error = ("invalid_request", "Only code_challenge_method=S256 is supported.")
        elif not PKCE_CHALLENGE.match(request.code_challenge):
            request.error = ("invalid_request", "code_challenge must be a base64url SHA-256 digest.")
    elif app.app_type == App.AppType.NATIVE:
        request.error = ("invalid_request", "Native applications must use PKCE (code_challenge, S256).")
    return request


def consent_needed(*, request: AuthorizationRequest, user: PdsUser) -> bool:
    if "consent" in request.prompt:  # asked for again, whatever hide_consent or an earlier consent say
        return True
    if request.hide_consent:
        return False
    consent = Consent.objects.filter(user=user, app=request.app).first()
    return consent is None or not set(request.scopes) <= set(consent.scopes)


def consent_record(*, request: AuthorizationRequest, user: PdsUser) -> None:
    consent, _ = Consent.objects.get_or_create(user=user, app=request.app)
    consent.scopes = sorted(set(consent.scopes) | set(request.scopes))
    consent.save()


def authorization_complete(*, request: AuthorizationRequest, user: PdsUser) -> str | tokens.IssuedTokens:
    """The user signed in and consented: the code to send the browser back with or, for
    browser apps (implicit grant), the tokens, which go in the fragment without a refresh token."""
    user = user_logon(user=user)
    if request.response_type == "token":
        return tokens.tokens_issue(
            app=request.app, user=user, scopes=request.scopes, grant_type="implicit", with_refresh_token=False
        )
    code = tokens.new_secret()
    AuthorizationCode.objects.create(
        code_hash=tokens.digest(code),
        app=request.app,
        user=user,
        redirect_uri=request.redirect_uri,
        scopes=request.scopes,
        code_challenge=request.code_challenge,
        expires_at=timezone.now() + timedelta(seconds=settings.PDS_AUTHORIZATION_CODE_LIFETIME),
    )
    return code


# --- The token endpoint ------------------------------------------------------------------


def authorization_code_grant(
    *, app: App, code: str, redirect_uri: str, code_verifier: str | None
) -> tokens.IssuedTokens:
    if app.app_type not in (App.AppType.WEB_SERVER, App.AppType.NATIVE):
        raise errors.OAuthError(
            "unauthorized_client", "This application may not use authorization codes.", code="InvalidGrantType"
        )
    if not code:
        raise errors.invalid_request("code is required")
    record = AuthorizationCode.objects.select_related("user").filter(code_hash=tokens.digest(code)).first()
    if record is None or record.app_id != app.pk:
        raise errors.invalid_grant("The authorization code is invalid.")
    # Claim the code atomically: of two concurrent exchanges only one wins.
    claimed = AuthorizationCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        # RFC 6749 section 4.1.2: a code used twice revokes the tokens it issued.
        tokens.family_revoke(record.family)
        raise errors.invalid_grant("The authorization code was already used; its tokens are revoked.")
    if record.expires_at <= timezone.now():
        raise errors.invalid_grant("The authorization code has expired.")
    if redirect_uri != record.redirect_uri:
        raise errors.invalid_grant("redirect_uri does not match the one of the authorization request.")
    if record.code_challenge:
        if not code_verifier or not PKCE_VERIFIER.match(code_verifier):
            raise errors.invalid_grant("code_verifier is missing or malformed (43-128 characters).")
        computed = base64.urlsafe_b64encode(hashlib.sha256(code_verifier.encode()).digest()).decode().rstrip("=")
        if not hmac.compare_digest(computed, record.code_challenge):
            raise errors.invalid_grant("code_verifier does not match the code_challenge.")
    elif code_verifier:
        # RFC 9700 section 2.1.1: a verifier for a code issued without a challenge is an attack signal.
        raise errors.invalid_grant("code_verifier was sent for a code issued without a code_challenge.")
    if record.user.status != PdsUser.Status.ENABLED:
        raise errors.invalid_grant("The user is disabled.")
    return tokens.tokens_issue(
        app=app,
        user=record.user,
        scopes=record.scopes,
        grant_type="authorization_code",
        with_refresh_token=True,
        family=record.family,
    )


def jwt_bearer_grant(*, app: App, assertion: str) -> tokens.IssuedTokens:
    """RFC 7523 section 3 with PDS's claims, and stricter than the RFC: RS256 only, `aud`
    exactly the domain id, `jti` required and single-use, at most 5 minutes of life."""
    if app.app_type != App.AppType.JWT:
        raise errors.OAuthError(
            "unauthorized_client", "Only JWT applications may use jwt-bearer.", code="InvalidGrantType"
        )
    if not assertion:
        raise errors.invalid_request("assertion is required")
    if not app.public_key:
        raise errors.invalid_client("The application has no public key.", code="InvalidClientId")
    try:
        header = jwt.get_unverified_header(assertion)
    except jwt.PyJWTError:
        raise errors.invalid_grant("The assertion is not a JWT.", code="InvalidParameter.Assertion") from None
    if header.get("alg") != "RS256":
        raise errors.invalid_grant("The assertion must be signed with RS256.", code="InvalidParameter.Assertion")
    if any(name in header for name in FORBIDDEN_JWT_HEADERS):
        raise errors.invalid_grant(
            "Keys carried in the JWT header are not accepted.", code="InvalidParameter.Assertion"
        )
    domain_id = app.domain.domain_id
    try:
        claims = jwt.decode(
            assertion,
            key=app.public_key,
            algorithms=["RS256"],
            issuer=app.app_id,
            options={
                "require": ["exp", "iss", "sub", "aud", "jti"],
                "verify_aud": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.ExpiredSignatureError:
        raise errors.invalid_grant("The assertion has expired.", code="InvalidParameter.Assertion") from None
    except jwt.PyJWTError as exc:
        raise errors.invalid_grant(f"The assertion is not valid: {exc}", code="InvalidParameter.Assertion") from None
    now = time.time()
    skew = settings.PDS_JWT_CLOCK_SKEW
    if claims.get("aud") != domain_id:
        raise errors.invalid_grant("aud must be exactly the domain id.", code="InvalidParameter.Assertion")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 16 <= len(jti) <= 128:
        raise errors.invalid_grant("jti must be a string of 16-128 characters.", code="InvalidParameter.Assertion")
    exp = _numeric_claim(claims, "exp")
    iat = _numeric_claim(claims, "iat") if "iat" in claims else None
    nbf = _numeric_claim(claims, "nbf") if "nbf" in claims else None
    if iat is not None and iat > now + skew:
        raise errors.invalid_grant("iat is in the future.", code="InvalidParameter.Assertion")
    if nbf is not None and nbf > now + skew:
        raise errors.invalid_grant("nbf is in the future.", code="InvalidParameter.Assertion")
    if exp - (iat if iat is not None else now) > settings.PDS_JWT_MAX_LIFETIME:
        raise errors.invalid_grant("exp may be at most 5 minutes after iat.", code="InvalidParameter.Assertion")
    sub = claims.get("sub")
    sub_type = claims.get("sub_type", "user")
    if not isinstance(sub, str) or not sub:
        raise errors.invalid_grant("sub is required.", code="InvalidParameter.Assertion")
    # Record the jti before issuing: a replayed assertion fails on the unique constraint.
    try:
        with transaction.atomic(using=PDS_DB):
            UsedAssertion.objects.create(
                app=app, jti=jti, expires_at=datetime.fromtimestamp(exp, tz=UTC) + timedelta(seconds=skew)
            )
    except IntegrityError:
        raise errors.invalid_grant(
            "This assertion (jti) was already used.", code="InvalidParameter.Assertion"
        ) from None
    if sub_type == "service":
        if not app.allow_service_account:
            raise errors.OAuthError(
                "unauthorized_client",
                "This application may not act as the service account.",
                code="ForbiddenNoPermission",
                status=403,
            )
        if sub != domain_id:
            raise errors.invalid_grant(
                "A service assertion's sub must be the domain id.", code="InvalidParameter.Assertion"
            )
        return tokens.tokens_issue(
            app=app, user=None, scopes=sorted(app.scopes), grant_type=JWT_BEARER, with_refresh_token=False
        )
    if sub_type != "user":
        raise errors.invalid_grant("sub_type must be user or service.", code="InvalidParameter.Assertion")
    user = PdsUser.objects.filter(domain=app.domain, user_id=sub).first()
    if user is None:
        if claims.get("auto_create") is not True:
            raise errors.invalid_grant("The user does not exist (send auto_create to create it).", code="NotFound.User")
        try:
            user = user_create(domain=app.domain, user_id=sub, fields={"nick_name": sub}, creator=app.app_id)
        except errors.AlreadyExist:
            user = PdsUser.objects.get(domain=app.domain, user_id=sub)  # created by a concurrent assertion
    if user.status != PdsUser.Status.ENABLED:
        raise errors.invalid_grant("The user is disabled.", code="InvalidParameter.Assertion")
    user = user_logon(user=user)
    return tokens.tokens_issue(
        app=app, user=user, scopes=sorted(app.scopes), grant_type=JWT_BEARER, with_refresh_token=True
    )


def _numeric_claim(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise errors.invalid_grant(f"{name} must be a number.", code="InvalidParameter.Assertion")
    return float(value)
