"""OAuth protocol views: the authorize pages, the token and revoke endpoints, and the
legacy JSON `/v2/account/*` endpoints. Policy lives in services.oauth and services.tokens."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pds_server import errors
from pds_server.api import Caller, parse_json_body, pds_endpoint
from pds_server.i18n import signin_texts
from pds_server.models import PdsUser
from pds_server.selectors import user_for_signin
from pds_server.serializers import token_to_pds
from pds_server.services import oauth, tokens
from pds_server.services.users import user_check_password

SIGNIN_COOKIE = "pds_signin"
SIGNIN_SALT = "pds_server.signin"
# The sign-in cookie is scoped to the OAuth pages: it is never sent to the drive app's paths.
SIGNIN_COOKIE_PATH = "/v2/oauth/"
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


# --- The PDS's own sign-in (never Django's session: see SIGNIN_COOKIE_PATH) ----------------


def _signin_value(user: PdsUser) -> str:
    # Bound to the password hash: changing the password signs the user out everywhere.
    return f"{user.pk}:{salted_hmac(SIGNIN_SALT, user.password).hexdigest()[:32]}"


def signed_in_user(request: HttpRequest) -> PdsUser | None:
    try:
        value = request.get_signed_cookie(SIGNIN_COOKIE, salt=SIGNIN_SALT, max_age=settings.PDS_SIGNIN_LIFETIME)
    except (KeyError, signing.BadSignature):
        return None
    user_pk = value.split(":", 1)[0]
    user = PdsUser.objects.filter(pk=int(user_pk) if user_pk.isdigit() else 0, domain=request.pds_domain).first()
    if user is None or user.status != PdsUser.Status.ENABLED or _signin_value(user) != value:
        return None
    return user


def _throttle_key(request: HttpRequest, login: str) -> str:
    return f"pds-signin-failures:{request.pds_domain.pk}:{login.lower()}"


def _signin_attempt(request: HttpRequest) -> tuple[PdsUser | None, str]:
    login = request.POST.get("username", "").strip()
    password = request.POST.get("password", "")
    key = _throttle_key(request, login)
    if cache.get(key, 0) >= settings.PDS_SIGNIN_MAX_FAILURES:
        return None, "throttled"
    user = user_for_signin(domain=request.pds_domain, login=login) if login else None
    if user is None or user.status != PdsUser.Status.ENABLED or not user_check_password(user=user, password=password):
        if not cache.add(key, 1, timeout=900):  # atomic on Redis: parallel failures all count
            try:
                cache.incr(key)
            except ValueError:  # expired between the two calls
                cache.set(key, 1, timeout=900)
        return None, "bad_credentials"
    cache.delete(key)
    return user, ""


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request: HttpRequest) -> HttpResponse:
    try:
        auth_request = oauth.authorization_request_parse(domain=request.pds_domain, params=request.GET)
    except oauth.AuthorizeFatal as fatal:
        # Never redirect to an unverified URI (RFC 6749 section 4.1.2.1).
        lang = "zh_CN" if request.GET.get("lang") == "zh_CN" else "en_US"
        return render(request, "pds_server/error.html", {"message": str(fatal), "t": signin_texts(lang)}, status=400)
    if auth_request.error:
        return OAuthRedirect(auth_request.error_redirect(*auth_request.error))
    texts = signin_texts(auth_request.lang)
    context = {"t": texts, "app": auth_request.app, "scopes": auth_request.scopes, "domain": request.pds_domain}
    user = None if request.GET.get("prompt") == "login" and request.method == "GET" else signed_in_user(request)
    newly_signed_in = False

    if request.method == "POST":
        action = request.POST.get("action")
        if action == "signin":
            user, failure = _signin_attempt(request)
            if user is None:
                context["error"] = texts[failure]
                return render(request, "pds_server/signin.html", context, status=401)
            newly_signed_in = True
        elif action == "consent" and user is not None:
            if request.POST.get("decision") != "allow":
                return OAuthRedirect(auth_request.error_redirect("access_denied", "The user denied the request."))
            oauth.consent_record(request=auth_request, user=user)
        else:
            user = None

    if user is None:
        return render(request, "pds_server/signin.html", context)
    if oauth.consent_needed(request=auth_request, user=user):
        response = render(request, "pds_server/consent.html", {**context, "user": user})
    else:
        response = OAuthRedirect(
            auth_request.redirect_with(granted_params(oauth.authorization_complete(request=auth_request, user=user)))
        )
    if newly_signed_in:
        response.set_signed_cookie(
            SIGNIN_COOKIE,
            _signin_value(user),
            salt=SIGNIN_SALT,
            max_age=settings.PDS_SIGNIN_LIFETIME,
            path=SIGNIN_COOKIE_PATH,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


# --- The token endpoint ------------------------------------------------------------------


def client_credentials(request: HttpRequest, form) -> tuple[str, str | None]:
    """client_secret_basic (RFC 6749 section 2.3.1) or client_secret_post."""
    header = request.headers.get("Authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
            client_id, _, secret = decoded.partition(":")
            return unquote(client_id), unquote(secret)
        except (binascii.Error, UnicodeDecodeError):
            raise errors.invalid_client("Malformed Basic authorization header.") from None
    return form.get("client_id", ""), form.get("client_secret") or None


def token_form(request: HttpRequest) -> dict:
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
    if grant_type in ("authorization_code", "code"):  # the JS SDK sends `code`
        app = oauth.client_authenticate(domain=caller.domain, client_id=client_id, client_secret=client_secret)
        issued = oauth.authorization_code_grant(
            app=app,
            code=form.get("code", ""),
            redirect_uri=form.get("redirect_uri", ""),
            code_verifier=form.get("code_verifier") or None,
        )
    elif grant_type == "refresh_token":
        app = oauth.client_authenticate(domain=caller.domain, client_id=client_id, client_secret=client_secret)
        issued = tokens.refresh_token_grant(
            app=app, raw_refresh_token=form.get("refresh_token", ""), requested_scope=form.get("scope")
        )
    elif grant_type == oauth.JWT_BEARER:
        app = oauth.client_authenticate(domain=caller.domain, client_id=client_id, client_secret=client_secret)
        issued = oauth.jwt_bearer_grant(app=app, assertion=form.get("assertion", ""))
    else:
        raise errors.OAuthError(
            "unsupported_grant_type", f"grant_type {grant_type!r} is not supported.", code="InvalidGrantType"
        )
    return token_to_pds(issued)


@pds_endpoint("/v2/oauth/revoke", scope=None, auth="none", body="none", finish=no_store)
def revoke(request: HttpRequest, caller: Caller, body: dict) -> dict:
    """RFC 7009: 200 whether or not the token was known."""
    form = token_form(request)
    client_id, client_secret = client_credentials(request, form)
    app = oauth.client_authenticate(domain=caller.domain, client_id=client_id, client_secret=client_secret)
    raw = form.get("token", "")
    if not raw:
        raise errors.invalid_request("token is required")
    tokens.token_revoke(app=app, raw_token=raw)
    return {}


# --- Legacy JSON endpoints (old SDK, AliyunDrive clients) -------------------------------------


@pds_endpoint("/v2/account/token", scope=None, auth="none", finish=no_store)
def account_token(request: HttpRequest, caller: Caller, body: dict) -> dict:
    if body.get("grant_type", "refresh_token") != "refresh_token":
        raise errors.OAuthError(
            "unsupported_grant_type", "Only refresh_token is supported here.", code="InvalidGrantType"
        )
    app = oauth.client_authenticate(
        domain=caller.domain, client_id=body.get("app_id", ""), client_secret=body.get("client_secret") or None
    )
    issued = tokens.refresh_token_grant(app=app, raw_refresh_token=body.get("refresh_token", ""), requested_scope=None)
    return token_to_pds(issued)


@pds_endpoint("/v2/account/revoke", scope=None, auth="none")
def account_revoke(request: HttpRequest, caller: Caller, body: dict):
    app = oauth.client_authenticate(
        domain=caller.domain, client_id=body.get("app_id", ""), client_secret=body.get("client_secret") or None
    )
    raw = body.get("refresh_token") or body.get("token") or ""
    if not raw:
        raise errors.MissingParameter("refresh_token")
    tokens.token_revoke(app=app, raw_token=raw)
    return 204, None
