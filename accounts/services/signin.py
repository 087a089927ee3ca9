"""Signing in to Drive with the PDS's OAuth code flow (web-server app, PKCE S256)."""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.errors import SignInError
from accounts.models import Credential, PdsIdentity
from accounts.pds_connection import pds_client
from accounts.services.credentials import credential_store
from pds_client import errors as pds_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)

OAUTH_SESSION_KEY = "pds_oauth_requests"
OAUTH_REQUEST_LIFETIME = 600  # seconds a sign-in may take between login and callback
MAX_PENDING_SIGNINS = 5


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def safe_next_url(next_url: str | None) -> str:
    """Only same-site paths: `//evil.example` and absolute URLs elsewhere become `/`."""
    site = urlsplit(settings.DRIVE_SITE_URL)
    https = site.scheme == "https"
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={site.netloc}, require_https=https):
        return next_url
    return "/"


def oauth_signin_start(*, session: MutableMapping[str, Any], next_url: str | None, lang: str = "en_US") -> str:
    """Remember a one-time state (with its PKCE verifier) in the session and return the
    PDS authorize URL. The redirect URI comes from settings, never from the Host header."""
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    pending = dict(session.get(OAUTH_SESSION_KEY, {}))
    pending[state] = {"verifier": verifier, "next": safe_next_url(next_url), "created": time.time()}
    # Keep the newest few: several tabs may sign in at once, but the session stays small.
    pending = dict(sorted(pending.items(), key=lambda item: item[1]["created"])[-MAX_PENDING_SIGNINS:])
    session[OAUTH_SESSION_KEY] = pending
    params = {
        "client_id": settings.PDS_CLIENT_ID,
        "redirect_uri": settings.DRIVE_REDIRECT_URI,
        "response_type": "code",
        "login_type": "default",
        "state": state,
        "code_challenge": _pkce_challenge(verifier),
        "code_challenge_method": "S256",
        "lang": lang,
    }
    if settings.PDS_OAUTH_SCOPE:
        params["scope"] = settings.PDS_OAUTH_SCOPE
    return f"{settings.PDS_AUTHORIZE_URL}?{urlencode(params)}"


def _take_pending_signin(session: MutableMapping[str, Any], state: str | None) -> dict[str, Any]:
    """Pop the state: it is good for one callback only, and for ten minutes."""
    pending = dict(session.get(OAUTH_SESSION_KEY, {}))
    entry = pending.pop(state, None) if state else None
    session[OAUTH_SESSION_KEY] = pending
    if not state:
        raise SignInError("The sign-in response has no state. Please sign in again.")
    if entry is None:
        raise SignInError(
            "This sign-in link is not valid for this browser session, or was already used. Please sign in again."
        )
    if time.time() - entry["created"] > OAUTH_REQUEST_LIFETIME:
        raise SignInError("The sign-in took too long and expired. Please sign in again.")
    return entry


def oauth_signin_complete(*, session: MutableMapping[str, Any], params: Mapping[str, str]) -> tuple[User, str]:
    """Handle the callback: returns (Django user, next URL). Raises SignInError."""
    entry = _take_pending_signin(session, params.get("state"))
    if params.get("error"):
        if params["error"] == "access_denied":
            raise SignInError("You did not allow Drive to access your account.")
        raise SignInError(f"The sign-in failed: {params.get('error_description') or params['error']}.")
    code = params.get("code")
    if not code:
        raise SignInError("The sign-in response has no authorization code.")
    client = pds_client()
    try:
        token = client.exchange_code(
            client_id=settings.PDS_CLIENT_ID,
            client_secret=settings.PDS_CLIENT_SECRET,
            code=code,
            redirect_uri=settings.DRIVE_REDIRECT_URI,
            code_verifier=entry["verifier"],
        )
        pds_user = client.get_user(token.access_token)
    except pds_errors.ServiceUnavailable:
        raise SignInError("The drive service is not reachable right now. Please try again in a moment.") from None
    except pds_errors.PDSError as error:
        log.warning("OAuth code exchange failed: %s (request %s)", error.code, error.request_id)
        raise SignInError("The sign-in could not be completed. Please sign in again.") from None
    user = user_for_pds_user(pds_user)
    credential_store(user=user, token=token, auth_mode=Credential.AuthMode.OAUTH)
    return user, entry["next"]


def user_for_pds_user(pds_user: Mapping[str, Any]) -> User:
    """Create or update the Django user linked to (domain_id, PDS user_id)."""
    User = get_user_model()  # noqa: N806 - Django's spelling
    domain_id, pds_user_id = pds_user["domain_id"], pds_user["user_id"]
    with transaction.atomic():
        identities = PdsIdentity.objects.select_related("user")
        identity = identities.filter(domain_id=domain_id, pds_user_id=pds_user_id).first()
        if identity is None:
            user = User(username=f"pds:{domain_id}:{pds_user_id}"[:150])
            user.set_unusable_password()  # they sign in at the PDS, never with a Drive password
            user.save()
            try:
                with transaction.atomic():
                    identity = PdsIdentity.objects.create(user=user, domain_id=domain_id, pds_user_id=pds_user_id)
            except IntegrityError:  # a concurrent first sign-in won
                user.delete()
                identity = identities.get(domain_id=domain_id, pds_user_id=pds_user_id)
        user = identity.user
        user.first_name = (pds_user.get("nick_name") or pds_user.get("user_name") or "")[:150]
        user.email = (pds_user.get("email") or "")[:254]
        user.save(update_fields=["first_name", "email"])
    return user


def pds_signout_url() -> str:
    """Where the browser goes after signing out of Drive: the PDS's logout, which ends the PDS
    sign-in too (else the PDS would sign the next person at this browser straight back in)
    and returns to Drive's signed-out page, an origin registered for Drive's client."""
    base = settings.PDS_LOGOUT_URL or settings.PDS_AUTHORIZE_URL.rsplit("/authorize", 1)[0] + "/logout"
    params = {"client_id": settings.PDS_CLIENT_ID, "redirect_uri": f"{settings.DRIVE_SITE_URL}/accounts/signed-out/"}
    return f"{base}?{urlencode(params)}"
