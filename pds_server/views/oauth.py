"""OAuth protocol views: the authorize pages, the token and revoke endpoints, the legacy
JSON `/v2/account/*` endpoints and the sign-out. Policy lives in services.oauth,
services.tokens and services.signin; guessing is throttled by services.throttle."""

from __future__ import annotations

import base64
import binascii
import json
from functools import partial
from urllib.parse import unquote, urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pds_server import errors
from pds_server.api import Caller, parse_json_body, pds_endpoint
from pds_server.i18n import signin_texts
from pds_server.models import PdsUser
from pds_server.serializers import token_to_pds
from pds_server.services import audit, oauth, signin, throttle, tokens
from pds_server.views import signin_page
from pds_server.views.signin_page import (  # noqa: F401 (SIGNIN_SALT: views.federation reaches it here)
    SIGNIN_COOKIE,
    SIGNIN_COOKIE_PATH,
    SIGNIN_SALT,
    signed_in_user,
    signin_from_form,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class OAuthRedirect(HttpResponseRedirect):
    """Native apps register custom schemes (com.example.app://cb); the URI was matched
    exactly against the registered ones, so any scheme but script-bearing ones is fine."""

    class _Schemes:
        def __contains__(self, scheme: str) -> bool:
            return scheme.lower() not in ("javascript", "data", "vbscript", "file")

    allowed_schemes = _Schemes()


IMPLICIT_FIELDS = (
    "access_token",
    "token_type",
    "expires_in",
    "expire_time",
    "scope",
    "user_id",
    "domain_id",
    "default_drive_id",
)


def granted_params(grant: str | tokens.IssuedTokens) -> dict:
    """What the redirect back to the app carries: the code, or the implicit grant's token."""
    if isinstance(grant, str):
        return {"code": grant}
    body = token_to_pds(grant)
    return {key: body[key] for key in IMPLICIT_FIELDS}


# --- The authorize page (the sign-in part: views.signin_page) -------------------------------


def _signin_attempt(request: HttpRequest) -> tuple[PdsUser | None, str]:
    """(user, failure): the outcome without the wait (tests replay it from other processes)."""
    outcome = signin_from_form(request)
    return outcome.user, outcome.failure


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    try:
        auth_request = oauth.authorization_request_parse(domain=request.pds_domain, params=request.GET)
    except oauth.AuthorizeFatal as fatal:
        # Never redirect to an unverified URI (RFC 6749 section 4.1.2.1).
        return signin_page.error_page(request, str(fatal), lang=request.GET.get("lang", ""))
    if auth_request.error:
        return OAuthRedirect(auth_request.error_redirect(*auth_request.error))
    page = signin_page.SigninPage.open(request, auth_request)
    if isinstance(page, HttpResponse):  # an unknown or disabled login_type
        return page
    # prompt=login: the browser's earlier sign-in does not count, on a GET or a POST.
    user = None if "login" in auth_request.prompt else signed_in_user(request)
    newly_signed_in = consented = False

    if request.method == "POST":
        action = request.POST.get("action")
        if action in signin_page.ACTIONS:
            step = page.signin_post(action)
            if isinstance(step, HttpResponse):  # refused, or the next step (a code was sent)
                return step
            user, newly_signed_in = step, True
        elif action == "consent" and user is not None:
            if request.POST.get("decision") != "allow":
                return OAuthRedirect(auth_request.error_redirect("access_denied", "The user denied the request."))
            oauth.consent_record(request=auth_request, user=user)
            consented = True
        else:
            user = None

    if user is None:
        if "none" in auth_request.prompt:  # OpenID Connect Core section 3.1.2.6
            return OAuthRedirect(auth_request.error_redirect("login_required", "The user is not signed in."))
        return page.signin_response()
    response: HttpResponse
    if newly_signed_in and "login" in auth_request.prompt:
        response = page.continue_signed_in()
    elif not consented and oauth.consent_needed(request=auth_request, user=user):
        if "none" in auth_request.prompt:
            return OAuthRedirect(auth_request.error_redirect("consent_required", "The user has not consented."))
        response = page.consent_response(user)
    else:
        response = OAuthRedirect(
            auth_request.redirect_with(granted_params(oauth.authorization_complete(request=auth_request, user=user)))
        )
    if newly_signed_in:
        signin_page.signin_cookie_set(response, request=request, user=user)
    return response


# --- The token endpoint ------------------------------------------------------------------


# Request parameters of the token, revoke and legacy account endpoints (RFC 6749, 7009, 7523, 7636).
OAUTH_PARAMETERS = frozenset(
    {
        "grant_type",
        "code",
        "redirect_uri",
        "client_id",
        "client_secret",
        "code_verifier",
        "refresh_token",
        "scope",
        "assertion",
        "client_assertion",
        "client_assertion_type",
        "token",
        "token_type_hint",
        "username",
        "password",
        "app_id",
    }
)


def repeated_json_keys(raw: bytes) -> set[str]:
    repeated: set[str] = set()

    def pairs(items: list[tuple[str, object]]) -> dict:
        names = [name for name, _ in items]
        repeated.update(name for name in names if names.count(name) > 1)
        return dict(items)

    try:
        json.loads(raw, object_pairs_hook=pairs)
    except (ValueError, RecursionError):  # parse_json_body, which ran first, reported it
        return set()
    return repeated


def strict_parameters(request: HttpRequest, *, json_body: bool = False) -> None:
    """RFC 6749 section 2.3.1: credentials never in the URL (it ends up in logs and
    histories), so no request parameter is taken from the query string; section 3.1 (and
    7009 section 2.1): no parameter more than once, in the body, the query, or both."""
    in_query = sorted(OAUTH_PARAMETERS & set(request.GET))
    if in_query:
        raise errors.invalid_request(f"{', '.join(in_query)} must be sent in the request body, not in the URL.")
    if json_body or request.content_type == "application/json":
        body_names = list(parse_json_body(request))
        repeated = repeated_json_keys(request.body) if body_names else set()
    else:
        body_names = list(request.POST)
        repeated = {name for name in body_names if len(request.POST.getlist(name)) > 1}
    repeated |= {name for name in request.GET if len(request.GET.getlist(name)) > 1}
    repeated |= set(body_names) & set(request.GET)
    if repeated:
        raise errors.invalid_request(f"Parameters may be given only once: {', '.join(sorted(repeated))}.")


def client_credentials(request: HttpRequest, form) -> tuple[str, str | None]:
    """client_secret_basic (RFC 6749 section 2.3.1) or client_secret_post, never both."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise errors.invalid_client("Malformed Basic authorization header.") from None
        client_id, secret = unquote(client_id), unquote(secret)
        if "client_secret" in form:
            raise errors.invalid_request("Use one client authentication method: Basic or client_secret, not both.")
        if form.get("client_id", client_id) != client_id:
            raise errors.invalid_request("client_id differs from the one of the Basic authorization header.")
        return client_id, secret
    return form.get("client_id", ""), form.get("client_secret") or None


def token_form(request: HttpRequest) -> dict:
    strict_parameters(request)
    if request.content_type == "application/json":
        return parse_json_body(request)
    return request.POST.dict()


def token_headers(response: HttpResponse, error: errors.PdsError | None) -> HttpResponse:
    for name, value in NO_STORE.items():
        response[name] = value
    if error is not None and error.status == 401:
        response["WWW-Authenticate"] = 'Basic realm="pds"'
    return response


def no_store(response: HttpResponse, error: errors.PdsError | None) -> HttpResponse:
    if error is None:
        for name, value in NO_STORE.items():
            response[name] = value
    return response


@pds_endpoint("/v2/oauth/token", scope=None, auth="none", body="none", finish=token_headers)
def token(request: HttpRequest, caller: Caller, body: dict) -> dict:
    form = token_form(request)
    client_id, client_secret = client_credentials(request, form)
    grant_type = form.get("grant_type", "")
    if not grant_type:  # RFC 6749 section 5.2: a missing parameter
        raise errors.invalid_request("grant_type is required.")
    if grant_type in ("authorization_code", "code"):  # the JS SDK sends `code`
        app = oauth.client_authenticate(
            domain=caller.domain,
            client_id=client_id,
            client_secret=client_secret,
            source_address=throttle.source_address(request),
        )
        issued = oauth.authorization_code_grant(
            app=app,
            code=form.get("code", ""),
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier") or None,
        )
    elif grant_type == "refresh_token":
        with audit.refresh_failures(request=request, domain=caller.domain, app_id=client_id):
            app = oauth.client_authenticate(
                domain=caller.domain,
                client_id=client_id,
                client_secret=client_secret,
                source_address=throttle.source_address(request),
            )
            issued = tokens.refresh_token_grant(
                app=app, raw_refresh_token=form.get("refresh_token", ""), requested_scope=form.get("scope")
            )
    elif grant_type == oauth.JWT_BEARER:
        with audit.refresh_failures(request=request, domain=caller.domain, app_id=client_id, action=audit.SIGNIN):
            app = oauth.client_authenticate(
                domain=caller.domain,
                client_id=client_id,
                client_secret=client_secret,
                source_address=throttle.source_address(request),
            )
            issued = oauth.jwt_bearer_grant(app=app, assertion=form.get("assertion", ""))
        audit.token_signin_record(request=request, domain=caller.domain, token=issued.access_token)
    else:
        raise errors.OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.", code="InvalidGrantType"
        )
    return token_to_pds(issued)


# At most this many refresh tokens in one token_batch request.
TOKEN_BATCH_LIMIT = 50
TOKEN_BATCH_PARAMETERS = frozenset({"grant_type", "client_id", "client_secret", "refresh_tokens"})


@pds_endpoint("/v2/oauth/token_batch", scope=None, auth="none", body="json", finish=token_headers)
def token_batch(request: HttpRequest, caller: Caller, body: dict) -> dict:
    """Our extension: refresh up to TOKEN_BATCH_LIMIT tokens of one confidential client in one
    request (a server refreshing its users' tokens ahead of expiry). One client
    authentication and throttle check for all; each token is then refused or rotated on its
    own, as by the refresh grant, and its answer is a Token or an OAuth error."""
    strict_parameters(request, json_body=True)
    if "refresh_tokens" in request.GET:
        raise errors.invalid_request("refresh_tokens must be sent in the request body, not in the URL.")
    unknown = sorted(set(body) - TOKEN_BATCH_PARAMETERS)
    if unknown:
        raise errors.invalid_request(f"Unknown parameters: {', '.join(name[:64] for name in unknown[:5])}.")
    wrong = [name for name in ("grant_type", "client_id", "client_secret") if not isinstance(body.get(name, ""), str)]
    if wrong or not body.get("grant_type"):  # RFC 6749 section 5.2, as /v2/oauth/token
        raise errors.invalid_request(f"{wrong[0]} must be a string." if wrong else "grant_type is required.")
    client_id, client_secret = client_credentials(request, body)
    if body["grant_type"] != "refresh_token":
        raise errors.OAuthError("unsupported_grant_type", "Only refresh_token is supported.", code="InvalidGrantType")
    raw = body.get("refresh_tokens")
    if not isinstance(raw, list) or not raw or not all(isinstance(value, str) for value in raw):
        raise errors.invalid_request("refresh_tokens must be a list of refresh tokens.")
    if len(raw) > TOKEN_BATCH_LIMIT:
        raise errors.invalid_request(f"At most {TOKEN_BATCH_LIMIT} refresh tokens in one request.")
    with audit.refresh_failures(request=request, domain=caller.domain, app_id=client_id):
        app = oauth.client_authenticate(
            domain=caller.domain,
            client_id=client_id,
            client_secret=client_secret,
            source_address=throttle.source_address(request),
        )
        if not app.is_confidential:
            message = "Only a client with a secret may refresh tokens in a batch."
            raise errors.OAuthError("unauthorized_client", message, code="UnauthorizedClient")
    who = audit.Who("anonymous", "", "", app.app_id[:64], *audit.where_of(request))
    record = partial(audit.audit_record, domain=caller.domain, who=who, action=audit.TOKEN_REFRESH)
    # The refusals' audit rows are written in the rotation's transaction; no query below.
    answers = tokens.refresh_tokens_rotate(app=app, raw_refresh_tokens=raw, refused=lambda error: record(error=error))
    items = [answer.body() if isinstance(answer, errors.PdsError) else token_to_pds(answer) for answer in answers]
    return {"items": items}


@pds_endpoint("/v2/oauth/revoke", scope=None, auth="none", body="none", finish=no_store)
def revoke(request: HttpRequest, caller: Caller, body: dict) -> dict:
    """RFC 7009: 200 whether or not the token was known."""
    form = token_form(request)
    client_id, client_secret = client_credentials(request, form)
    app = oauth.client_authenticate(
        domain=caller.domain,
        client_id=client_id,
        client_secret=client_secret,
        source_address=throttle.source_address(request),
    )
    raw = form.get("token", "")
    if not raw:
        raise errors.invalid_request("token is required")
    tokens.token_revoke(app=app, raw_token=raw)
    return {}


# --- Legacy JSON endpoints (old SDK, AliyunDrive clients) -------------------------------------


@pds_endpoint("/v2/account/token", scope=None, auth="none", finish=no_store)
def account_token(request: HttpRequest, caller: Caller, body: dict) -> dict:
    strict_parameters(request, json_body=True)
    if body.get("grant_type", "refresh_token") != "refresh_token":
        raise errors.OAuthError(
            "unsupported_grant_type", "Only refresh_token is supported here.", code="InvalidGrantType"
        )
    with audit.refresh_failures(request=request, domain=caller.domain, app_id=str(body.get("app_id", ""))):
        app = oauth.client_authenticate(
            domain=caller.domain,
            client_id=body.get("app_id", ""),
            client_secret=body.get("client_secret") or None,
            source_address=throttle.source_address(request),
        )
        issued = tokens.refresh_token_grant(
            app=app, raw_refresh_token=body.get("refresh_token", ""), requested_scope=None
        )
    return token_to_pds(issued)


@pds_endpoint("/v2/account/revoke", scope=None, auth="none")
def account_revoke(request: HttpRequest, caller: Caller, body: dict):
    strict_parameters(request, json_body=True)
    app = oauth.client_authenticate(
        domain=caller.domain,
        client_id=body.get("app_id", ""),
        client_secret=body.get("client_secret") or None,
        source_address=throttle.source_address(request),
    )
    raw = body.get("refresh_token") or body.get("token") or ""
    if not raw:
        raise errors.MissingParameter("refresh_token")
    tokens.token_revoke(app=app, raw_token=raw)
    return 204, None


# --- Sign-out --------------------------------------------------------------------------------


@pds_endpoint("/v2/oauth/logout", scope=None, auth="none", methods=("GET", "POST"), body="none", finish=no_store)
def logout(request: HttpRequest, caller: Caller, body: dict) -> HttpResponse:
    """End the PDS sign-in (an app's sign-out sends the browser here), then go back to
    `redirect_uri` when it has the origin of one of the client's registered redirect URIs,
    else show the PDS's own signed-out page. Never an open redirect."""
    params = request.POST if request.method == "POST" else request.GET
    target = signin.post_logout_redirect(
        domain=caller.domain, client_id=params.get("client_id", ""), redirect_uri=params.get("redirect_uri", "")
    )
    response: HttpResponse
    if target is not None:
        state = params.get("state", "")
        separator = "&" if "?" in target else "?"
        response = OAuthRedirect(f"{target}{separator}{urlencode({'state': state})}" if state else target)
    else:
        texts = signin_texts("zh_CN" if params.get("lang") == "zh_CN" else "en_US")
        response = render(request, "pds_server/signed_out.html", {"t": texts, "domain": caller.domain})
    response.delete_cookie(SIGNIN_COOKIE, path=SIGNIN_COOKIE_PATH, samesite="Lax")
    return response
