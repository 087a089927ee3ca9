"""Signing in to Drive and keeping each user's PDS access token valid.

`access_token_for(user)` is the one entry point the rest of Drive uses. It refreshes
under a row lock so that many requests arriving together at expiry cause exactly one
refresh at the PDS (refresh tokens rotate: a second refresh with the old token would
revoke the whole grant).
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar
from urllib.parse import urlencode, urlsplit

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from accounts import crypto
from accounts.models import Credential, PdsIdentity, PendingRevocation  # noqa: F401 (Credential used by tasks)
from pds_client import PDSClient, Token
from pds_client import errors as pds_errors

log = logging.getLogger(__name__)
T = TypeVar("T")

OAUTH_SESSION_KEY = "pds_oauth_requests"
OAUTH_REQUEST_LIFETIME = 600  # seconds a sign-in may take between login and callback
MAX_PENDING_SIGNINS = 5


class SignInError(Exception):
    """A sign-in that cannot complete; the message is shown to the person."""


class CredentialDead(Exception):
    """The grant is gone (invalid_grant): the user must sign in again."""


class PdsUnavailable(Exception):
    """The PDS could not be reached or failed; the tokens are kept, try again later."""


@lru_cache(maxsize=4)
def _pds_client(endpoint: str, timeout: float) -> PDSClient:
    return PDSClient(endpoint, timeout=timeout)


def pds_client() -> PDSClient:
    """The shared client (one connection pool per process)."""
    return _pds_client(settings.PDS_ENDPOINT, settings.PDS_REQUEST_TIMEOUT)


# --- OAuth sign-in (web-server app) ------------------------------------------------------


def _pkce_challenge(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def safe_next_url(next_url: str | None) -> str:
    """Only same-site paths: `//evil.example` and absolute URLs elsewhere become `/`."""
    site = urlsplit(settings.DRIVE_SITE_URL)
    if next_url and url_has_allowed_host_and_scheme(next_url, allowed_hosts={site.netloc}, require_https=site.scheme == "https"):
        return next_url
    return "/"


def oauth_signin_start(*, session, next_url: str | None, lang: str = "en_US") -> str:
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


def _take_pending_signin(session, state: str | None) -> dict:
    """Pop the state: it is good for one callback only, and for ten minutes."""
    pending = dict(session.get(OAUTH_SESSION_KEY, {}))
    entry = pending.pop(state, None) if state else None
    session[OAUTH_SESSION_KEY] = pending
    if not state:
        raise SignInError("The sign-in response has no state. Please sign in again.")
    if entry is None:
        raise SignInError("This sign-in link is not valid for this browser session, or was already used. Please sign in again.")
    if time.time() - entry["created"] > OAUTH_REQUEST_LIFETIME:
        raise SignInError("The sign-in took too long and expired. Please sign in again.")
    return entry


def oauth_signin_complete(*, session, params) -> tuple:
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


def user_for_pds_user(pds_user: dict):
    """Create or update the Django user linked to (domain_id, PDS user_id)."""
    User = get_user_model()
    domain_id, pds_user_id = pds_user["domain_id"], pds_user["user_id"]
    with transaction.atomic():
        identity = PdsIdentity.objects.select_related("user").filter(domain_id=domain_id, pds_user_id=pds_user_id).first()
        if identity is None:
            user = User(username=f"pds:{domain_id}:{pds_user_id}"[:150])
            user.set_unusable_password()  # they sign in at the PDS, never with a Drive password
            user.save()
            try:
                with transaction.atomic():
                    identity = PdsIdentity.objects.create(user=user, domain_id=domain_id, pds_user_id=pds_user_id)
            except IntegrityError:  # a concurrent first sign-in won
                user.delete()
                identity = PdsIdentity.objects.select_related("user").get(domain_id=domain_id, pds_user_id=pds_user_id)
        user = identity.user
        user.first_name = (pds_user.get("nick_name") or pds_user.get("user_name") or "")[:150]
        user.email = (pds_user.get("email") or "")[:254]
        user.save(update_fields=["first_name", "email"])
    return user


# --- The token store ---------------------------------------------------------------------------


def _expiry(token: Token):
    return timezone.now() + timedelta(seconds=token.expires_in)


def credential_store(*, user, token: Token, auth_mode: str) -> Credential:
    fields = {
        "auth_mode": auth_mode,
        "access_token_encrypted": crypto.encrypt(token.access_token),
        "refresh_token_encrypted": crypto.encrypt(token.refresh_token),
        "key_id": crypto.primary_key_id(),
        "access_expires_at": _expiry(token),
        "scope": token.scope,
        "default_drive_id": token.default_drive_id,
        "dead_at": None,
        "dead_reason": "",
        "refresh_failures": 0,
    }
    credential, _ = Credential.objects.update_or_create(user=user, defaults=fields)
    return credential


def _needs_refresh(credential: Credential, margin: int) -> bool:
    return credential.access_expires_at - timezone.now() <= timedelta(seconds=margin)


def access_token_for(user) -> str:
    """A valid PDS access token for this user, refreshed when less than the margin remains."""
    credential = Credential.objects.filter(user=user).first()
    if credential is None:
        if settings.DRIVE_AUTH_MODE == "jwt":
            return jwt_credential_create(user=user)
        raise CredentialDead("You are not signed in to the drive service.")
    if credential.dead_at is not None:
        raise CredentialDead(credential.dead_reason or "Your sign-in has ended.")
    if not _needs_refresh(credential, settings.DRIVE_TOKEN_REFRESH_MARGIN):
        return crypto.decrypt(credential.access_token_encrypted)
    return credential_refresh(credential_id=credential.pk, margin=settings.DRIVE_TOKEN_REFRESH_MARGIN)


def credential_refresh(*, credential_id: int, margin: int, rejected_access_token: str | None = None) -> str:
    """Refresh under a row lock and return the current access token.

    After locking, the row is read again: if another request or the beat task refreshed
    it meanwhile, its token is used and the PDS is not called. The rotated refresh token
    is saved before the lock is released. `rejected_access_token` forces a refresh unless
    the stored token already differs from the one the PDS rejected.
    """
    died = None
    with transaction.atomic():
        credential = Credential.objects.select_for_update().get(pk=credential_id)
        if credential.dead_at is not None:
            raise CredentialDead(credential.dead_reason or "Your sign-in has ended.")
        current = crypto.decrypt(credential.access_token_encrypted)
        if rejected_access_token is not None:
            if current != rejected_access_token:
                return current
        elif not _needs_refresh(credential, margin):
            return current
        try:
            token = _new_token(credential)
        except pds_errors.InvalidGrant as error:
            died = f"Your sign-in ended at the drive service ({error.message}). Please sign in again."
            credential.dead_at = timezone.now()
            credential.dead_reason = died[:255]
            credential.save(update_fields=["dead_at", "dead_reason", "updated_at"])
        except (pds_errors.ServiceUnavailable, pds_errors.TooManyRequests) as error:
            credential.refresh_failures += 1
            credential.save(update_fields=["refresh_failures", "updated_at"])
            log.warning("Token refresh for credential %s failed, kept for a retry: %s", credential.pk, error.code)
            if credential.access_expires_at > timezone.now() and rejected_access_token is None:
                return current  # still valid for a while: keep working
            transient = error
        else:
            credential.access_token_encrypted = crypto.encrypt(token.access_token)
            if token.refresh_token:
                credential.refresh_token_encrypted = crypto.encrypt(token.refresh_token)
            credential.key_id = crypto.primary_key_id()
            credential.access_expires_at = _expiry(token)
            credential.scope = token.scope or credential.scope
            credential.default_drive_id = token.default_drive_id or credential.default_drive_id
            credential.last_refreshed_at = timezone.now()
            credential.refresh_count += 1
            credential.refresh_failures = 0
            credential.save()
            return token.access_token
    # Raised after the transaction so that what was recorded above is committed.
    if died:
        raise CredentialDead(died)
    raise PdsUnavailable(f"The drive service is unavailable ({transient.code}).")


def _new_token(credential: Credential) -> Token:
    client = pds_client()
    if credential.auth_mode == Credential.AuthMode.JWT:
        # JWT mode mints a new token from a fresh assertion: no refresh token involved.
        return client.jwt_bearer(client_id=settings.PDS_JWT_APP_ID, assertion=jwt_assertion(credential.user))
    return client.refresh(
        client_id=settings.PDS_CLIENT_ID,
        client_secret=settings.PDS_CLIENT_SECRET,
        refresh_token=crypto.decrypt(credential.refresh_token_encrypted),
    )


def with_access_token(user, call: Callable[[str], T]) -> T:
    """Run a PDS call with the user's token; on a 401 for the token, refresh once and retry."""
    token = access_token_for(user)
    try:
        return call(token)
    except (pds_errors.AccessTokenExpired, pds_errors.AccessTokenInvalid):
        credential = Credential.objects.filter(user=user).first()
        if credential is None:
            raise CredentialDead("You are not signed in to the drive service.") from None
        token = credential_refresh(credential_id=credential.pk, margin=settings.DRIVE_TOKEN_REFRESH_MARGIN, rejected_access_token=token)
        return call(token)


# --- JWT mode (an existing user system) ----------------------------------------------------------


@lru_cache(maxsize=2)
def _jwt_private_key(path: str) -> str:
    return Path(path).read_text()


def pds_user_id_for(user) -> str:
    """The stable id of a Django user at the PDS: the primary key never changes."""
    return f"u{user.pk}"


def jwt_assertion(user) -> str:
    now = int(time.time())
    claims = {
        "iss": settings.PDS_JWT_APP_ID,
        "sub": pds_user_id_for(user),
        "sub_type": "user",
        "aud": settings.PDS_DOMAIN_ID,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
        "auto_create": True,
    }
    return jwt.encode(claims, _jwt_private_key(settings.PDS_JWT_PRIVATE_KEY_FILE), algorithm="RS256")


def jwt_credential_create(*, user) -> str:
    """Mint the user's first PDS token with the JWT app; no password reaches the PDS."""
    try:
        token = pds_client().jwt_bearer(client_id=settings.PDS_JWT_APP_ID, assertion=jwt_assertion(user))
    except pds_errors.ServiceUnavailable as error:
        raise PdsUnavailable(f"The drive service is unavailable ({error.code}).") from None
    except pds_errors.PDSError as error:
        raise CredentialDead(f"The drive service refused this account ({error.code}).") from None
    PdsIdentity.objects.get_or_create(user=user, defaults={"domain_id": token.domain_id, "pds_user_id": token.user_id})
    credential_store(user=user, token=token, auth_mode=Credential.AuthMode.JWT)
    return token.access_token


# --- Sign-out -------------------------------------------------------------------------------


def _client_for(auth_mode: str) -> tuple[str, str | None]:
    if auth_mode == Credential.AuthMode.JWT:
        return settings.PDS_JWT_APP_ID, None
    return settings.PDS_CLIENT_ID, settings.PDS_CLIENT_SECRET


def credential_revoke(*, user) -> None:
    """Revoke the refresh token at the PDS (queued for retry if that fails) and delete the credential."""
    credential = Credential.objects.filter(user=user).first()
    if credential is None:
        return
    client_id, client_secret = _client_for(credential.auth_mode)
    refresh_encrypted = credential.refresh_token_encrypted
    credential.delete()
    if not refresh_encrypted:
        return
    try:
        pds_client().revoke(client_id=client_id, client_secret=client_secret, token=crypto.decrypt(refresh_encrypted))
    except pds_errors.PDSError as error:
        log.warning("Revocation at sign-out failed (%s); queued for retry", error.code)
        pending = PendingRevocation.objects.create(client_id=client_id, token_encrypted=refresh_encrypted)
        from accounts.tasks import retry_revocation

        transaction.on_commit(lambda: retry_revocation.delay(pending.pk))


def pending_revocation_retry(*, revocation_id: int) -> bool:
    """True when done (revoked, or nothing left to do)."""
    pending = PendingRevocation.objects.filter(pk=revocation_id).first()
    if pending is None:
        return True
    client_secret = settings.PDS_CLIENT_SECRET if pending.client_id == settings.PDS_CLIENT_ID else None
    try:
        pds_client().revoke(client_id=pending.client_id, client_secret=client_secret, token=crypto.decrypt(pending.token_encrypted))
    except pds_errors.ServiceUnavailable:
        PendingRevocation.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1)
        return False
    pending.delete()
    return True


def credentials_expiring(*, within_seconds: int, hold_seconds: int = 300) -> list[int]:
    """Claim, for a refresh, the live credentials that expire soon: rows being refreshed
    right now (locked) are skipped, and so are rows a sweep queued within `hold_seconds`."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Credential.objects.select_for_update(skip_locked=True)
            .filter(dead_at__isnull=True, access_expires_at__lte=now + timedelta(seconds=within_seconds))
            .filter(Q(refresh_queued_until__isnull=True) | Q(refresh_queued_until__lte=now))
            .values_list("pk", flat=True)
        )
        for start in range(0, len(ids), 5000):
            Credential.objects.filter(pk__in=ids[start:start + 5000]).update(refresh_queued_until=now + timedelta(seconds=hold_seconds))
    return ids


def credential_keys_rotate() -> int:
    """Re-encrypt every stored token with the first key. Returns how many rows changed."""
    changed = 0
    for credential_id in Credential.objects.values_list("pk", flat=True):
        with transaction.atomic():
            credential = Credential.objects.select_for_update().get(pk=credential_id)
            credential.access_token_encrypted = crypto.reencrypt(credential.access_token_encrypted)
            credential.refresh_token_encrypted = crypto.reencrypt(credential.refresh_token_encrypted)
            credential.key_id = crypto.primary_key_id()
            credential.save(update_fields=["access_token_encrypted", "refresh_token_encrypted", "key_id"])
            changed += 1
    for pending in PendingRevocation.objects.all():
        pending.token_encrypted = crypto.reencrypt(pending.token_encrypted)
        pending.save(update_fields=["token_encrypted"])
    return changed


@dataclass
class CredentialState:
    alive: bool
    reason: str


def credential_state(user) -> CredentialState | None:
    credential = Credential.objects.filter(user=user).only("dead_at", "dead_reason").first()
    if credential is None:
        return None
    return CredentialState(alive=credential.dead_at is None, reason=credential.dead_reason)
