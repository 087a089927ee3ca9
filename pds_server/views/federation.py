"""Sign-in through a domain's third-party user systems (services.federation), and the two
endpoints that let this PDS be such a provider for another domain: a userinfo endpoint
(OIDC Core section 5.3) and the discovery document of a domain (OIDC Discovery section 4).

Every refusal is the PDS's error page with status 400: an unknown or disabled provider, a
provider's error, a state that is missing, foreign, used or expired."""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pds_server import errors
from pds_server.api import Caller, pds_endpoint
from pds_server.selectors import domain_for_host
from pds_server.services import audit, oauth
from pds_server.services import federation as federation_services
from pds_server.services import federation_oidc as oidc
from pds_server.services.apps import ALL_SCOPES
from pds_server.views import oauth as oauth_views
from pds_server.views import signin_page

STATE_COOKIE = "pds_federation"
STATE_SALT = "pds_server.federation"
STATE_MAX_AGE = int(federation_services.STATE_LIFETIME.total_seconds())


def refused(request: HttpRequest, message: str, *, authorize_query: str = "") -> HttpResponse:
    """The PDS error page; when the original authorize request is known, a way back to the
    domain's sign-in page."""
    query = authorize_query or request.META.get("QUERY_STRING", "")
    back_url = ""
    if authorize_query:
        back_url = f"/v2/oauth/authorize?{federation_services.authorize_continuation(authorize_query)}"
    lang = (parse_qs(query).get("lang") or [""])[0]
    response = signin_page.error_page(request, message, lang=lang, back_url=back_url)
    response.delete_cookie(STATE_COOKIE, path=_cookie_path(request))
    return response


def _cookie_path(request: HttpRequest) -> str:
    return request.path.rsplit("/", 1)[0] + "/"


def callback_uri(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(federation_services.federation_callback_path(name))


@never_cache
@require_GET
def start(request: HttpRequest, name: str) -> HttpResponse:
    domain = request.pds_domain  # type: ignore[attr-defined]
    try:
        auth_request = oauth.authorization_request_parse(domain=domain, params=request.GET)
    except oauth.AuthorizeFatal as fatal:
        return refused(request, str(fatal))
    if auth_request.error:
        return oauth_views.OAuthRedirect(auth_request.error_redirect(*auth_request.error))
    query = request.META.get("QUERY_STRING", "")
    try:
        provider = federation_services.provider_for(domain=domain, name=name)
        endpoints = oidc.provider_endpoints(provider)
        flight = federation_services.state_begin(provider=provider, authorize_query=query)
        target = oidc.authorization_url(
            provider=provider,
            endpoints=endpoints,
            redirect_uri=callback_uri(request, name),
            state=flight.state,
            verifier=flight.verifier,
            nonce=flight.nonce,
            fresh="login" in auth_request.prompt,
        )
    except oidc.FederationError as error:
        return refused(request, str(error), authorize_query=query)
    response = oauth_views.OAuthRedirect(target)
    response.set_signed_cookie(
        STATE_COOKIE,
        flight.state,
        salt=STATE_SALT,
        max_age=STATE_MAX_AGE,
        path=_cookie_path(request),
        httponly=True,
        samesite="Lax",  # sent on the provider's top-level redirect back, not on cross-site posts
        secure=request.is_secure(),
    )
    return response


@never_cache
@require_GET
def callback(request: HttpRequest, name: str) -> HttpResponse:
    domain = request.pds_domain  # type: ignore[attr-defined]
    state = request.GET.get("state", "")
    try:
        browser_state = request.get_signed_cookie(STATE_COOKIE, salt=STATE_SALT, max_age=STATE_MAX_AGE)
    except (KeyError, signing.BadSignature):
        browser_state = ""
    try:
        provider = federation_services.provider_for(domain=domain, name=name)
    except oidc.FederationError as error:
        return refused(request, str(error))
    # The state must be the one this browser was given (RFC 6749 section 10.12), and unused.
    if not state or not browser_state or not hmac.compare_digest(state, browser_state):
        audit.signin_record(request=request, login=f"{name}:", user=None, failure="federation_state")
        return refused(request, _("This sign-in did not start in this browser. Start again from the sign-in page."))
    try:
        flight = federation_services.state_claim(provider=provider, state=state)
    except oidc.FederationError as error:
        audit.signin_record(request=request, login=f"{name}:", user=None, failure="federation_state")
        return refused(request, str(error))
    query = flight.authorize_query
    subject = ""
    try:
        if request.GET.get("error"):
            raise oidc.FederationError(
                _("%(provider)s did not sign you in (%(error)s).")
                % {"provider": provider.label, "error": request.GET["error"][:64]}
            )
        code = request.GET.get("code", "")
        if not code:
            raise oidc.FederationError(_("%(provider)s sent no sign-in code.") % {"provider": provider.label})
        endpoints = oidc.provider_endpoints(provider)
        tokens = oidc.code_exchange(
            provider=provider,
            endpoints=endpoints,
            code=code,
            redirect_uri=callback_uri(request, name),
            verifier=flight.code_verifier,
        )
        claims = oidc.provider_claims(
            provider=provider,
            endpoints=endpoints,
            tokens=tokens,
            nonce=flight.nonce,
            # prompt=login: the provider's silent single sign-on from before the start does not count
            authenticated_after=flight.created_at if federation_services.fresh_signin_asked(query) else None,
        )
        subject = federation_services.subject_of(provider=provider, claims=claims)
        user = federation_services.federated_user(provider=provider, claims=claims)
    except oidc.FederationError as error:
        audit.signin_record(request=request, login=f"{name}:{subject}", user=None, failure="federation")
        return refused(request, str(error), authorize_query=query)
    audit.signin_record(request=request, login=f"{name}:{subject}", user=user, failure="")
    # Back to the original authorize request, signed in: consent, then the code to the app.
    response = oauth_views.OAuthRedirect(f"/v2/oauth/authorize?{federation_services.authorize_continuation(query)}")
    signin_page.signin_cookie_set(response, request=request, user=user)
    response.delete_cookie(STATE_COOKIE, path=_cookie_path(request))
    return response


# --- This PDS as a provider of another domain ------------------------------------------------


@pds_endpoint("/v2/oauth/userinfo", scope="USER.GET", methods=("GET", "POST"), body="none")
def userinfo(request: HttpRequest, caller: Caller, body: dict) -> dict:
    """OIDC Core section 5.3 claims of the token's user (standard names, plus the PDS's own)."""
    user = caller.user
    if user is None:  # a service-account token is nobody to sign in as
        raise errors.Forbidden("This access token has no user.", code="ForbiddenNoPermission")
    return {
        "sub": user.user_id,
        "name": user.nick_name or user.user_name,
        "preferred_username": user.user_name,
        "nickname": user.nick_name,
        "email": user.email,
        "phone_number": user.phone,
        "picture": user.avatar,
        "domain_id": user.domain.domain_id,
        "user_id": user.user_id,
        "user_name": user.user_name,
        "nick_name": user.nick_name,
        "phone": user.phone,
    }


@require_GET
def openid_configuration(request: HttpRequest) -> HttpResponse:
    """The domain of the Host header, described for relying parties. The PDS issues no ID
    tokens, so this is OAuth 2.0 with a userinfo endpoint (RFC 8414 fields)."""
    try:
        domain_for_host(request.get_host(), settings.PDS_HOST_SUFFIX)
    except Exception:  # an unknown domain, a host not allowed: nothing to describe
        return JsonResponse({"code": "NotFound.Domain", "message": "No such domain."}, status=404)
    issuer = f"{request.scheme}://{request.get_host()}"
    document = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/v2/oauth/authorize",
        "token_endpoint": f"{issuer}/v2/oauth/token",
        "revocation_endpoint": f"{issuer}/v2/oauth/revoke",
        "userinfo_endpoint": f"{issuer}/v2/oauth/userinfo",
        "response_types_supported": ["code", "token"],
        "grant_types_supported": [
            "authorization_code",
            "implicit",
            "refresh_token",
            "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "scopes_supported": sorted(ALL_SCOPES),
        "subject_types_supported": ["public"],
        "claims_supported": ["sub", "name", "preferred_username", "nickname", "email", "phone_number", "picture"],
    }
    response = JsonResponse(document)
    response["Cache-Control"] = "public, max-age=300"
    return response
