"""The BasicUI handshake (PDS document 000): a site with its own users opens
`/accesstoken?origin=<its origin>`; Drive's page posts "ready" to its opener, the opener posts
back an access token it obtained for one of its users (JWT app or AccessKey), and Drive signs
that browser in as the token's PDS user.

Only origins of DRIVE_BASICUI_ORIGINS may do this; the token is checked at the PDS (whose user
it is) and must belong to Drive's domain. Drive holds no grant to renew such a token: it is used
until it expires, then the session ends and the site opens Drive again with a new one.

The session is tied to the handed token, not only to the Django user: it expires with the
token, and carries a marker (the credential and a keyed digest of the token) that
`basicui_session_check` compares on every request, so it ends as soon as the user's
credential is another one (a later sign-in) even if the token would still live.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts import crypto
from accounts.errors import SignInError
from accounts.models import Credential, PdsIdentity
from accounts.pds_connection import pds_client
from accounts.selectors import user_credential_keep
from accounts.services.credentials import credential_store, site_token_replaceable
from accounts.services.revocation import credential_revoke
from accounts.services.signin import user_for_pds_user
from pds_client import Token
from pds_client import errors as pds_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.contrib.sessions.backends.base import SessionBase

log = logging.getLogger(__name__)

# Credential.auth_mode of a token a site handed over: nothing refreshes it.
BASICUI_AUTH_MODE = Credential.AuthMode.BASICUI
# Seconds a handed-over token is taken to live when the site does not say (the PDS's default
# access-token life); a longer claim is cut to a day. The PDS stays the judge: a token it
# refuses earlier ends the session then.
DEFAULT_TOKEN_LIFETIME = 7200
MAX_TOKEN_LIFETIME = 86400
MAX_TOKEN_LENGTH = 4096
# A claimed expires_in beyond this (about 31 years) is not a number of seconds a token lives.
MAX_CLAIMED_LIFETIME = 10**9
# The session's key for the handed token it was started with (see basicui_session_check).
SESSION_KEY = "basicui"
SERVER_MINTED_MODES = ("jwt", "accesskey")


class BasicUIOff(SignInError):
    """No site may hand Drive a token here: DRIVE_BASICUI_ORIGINS is empty."""


class OriginRefused(SignInError):
    """The origin is not one of DRIVE_BASICUI_ORIGINS."""


class TokenRefused(SignInError):
    """The handed-over token is not a live token of a user of Drive's domain."""


class AccountRefused(SignInError):
    """The token's user is a Drive account that must sign in on Drive's own page."""


@dataclass(frozen=True)
class HandedToken:
    """What the opener posted: {type: "token", access_token, refresh_token?, expires_in?}."""

    access_token: str
    expires_in: int


@dataclass(frozen=True)
class HandedSignIn:
    """A token accepted: the user to sign in, and what ties the session to the token."""

    user: User
    credential_id: int
    token_digest: str
    expires_at: datetime


def basicui_enabled() -> bool:
    return bool(settings.DRIVE_BASICUI_ORIGINS)


def basicui_origin_check(origin: str | None) -> str:
    """The origin, if it may hand Drive a token. Compared exactly with the browser's
    serialization (`location.origin`: lower case, no default port, no slash)."""
    if not basicui_enabled():
        raise BasicUIOff("This Drive does not accept sign-ins handed over by other sites.")
    if not origin or origin not in settings.DRIVE_BASICUI_ORIGINS:
        raise OriginRefused("The site that opened this page may not sign you in to Drive.")
    return origin


def handed_token_parse(body: Any) -> HandedToken:
    """The posted message's token fields. A refresh token, if any, is not kept: it belongs
    to the site's app, and Drive holds neither that app's id nor its secret to use it."""
    if not isinstance(body, dict):
        raise TokenRefused("The site sent no access token.")
    access_token = body.get("access_token")
    if not isinstance(access_token, str) or not access_token.strip() or len(access_token) > MAX_TOKEN_LENGTH:
        raise TokenRefused("The site sent no access token.")
    lifetime = _claimed_lifetime(body.get("expires_in"))
    return HandedToken(access_token=access_token.strip(), expires_in=min(lifetime, MAX_TOKEN_LIFETIME))


def _claimed_lifetime(expires_in: Any) -> int:
    """expires_in as a whole number of seconds (a JSON number, or a string of digits), absent
    meaning the default; anything else (NaN, Infinity, 1.5, true, -1, 1e400) is refused."""
    if expires_in is None or expires_in == "":
        return DEFAULT_TOKEN_LIFETIME
    if isinstance(expires_in, str) and re.fullmatch(r"[0-9]{1,12}", expires_in):
        lifetime = int(expires_in)
    elif isinstance(expires_in, int) and not isinstance(expires_in, bool):
        lifetime = expires_in
    elif isinstance(expires_in, float) and math.isfinite(expires_in) and expires_in.is_integer():
        lifetime = int(expires_in)
    else:
        raise TokenRefused("The token's expires_in is not a number of seconds.")
    if lifetime <= 0:
        raise TokenRefused("The token the site sent has already expired.")
    if lifetime > MAX_CLAIMED_LIFETIME:
        raise TokenRefused("The token's expires_in is not a number of seconds.")
    return lifetime


def token_digest(access_token: str) -> str:
    """A keyed digest of a token, which a session may hold (the token itself never)."""
    return salted_hmac("accounts.basicui.session", access_token, algorithm="sha256").hexdigest()


def _linked_user(pds_user: Mapping[str, Any]) -> User | None:
    """The Drive user the token's PDS user already is: the one linked to it, or, in JWT and
    AccessKey modes, Drive's own user whose PDS id it is (`u<pk>`, accounts.services.jwt_mode)."""
    identity = (
        PdsIdentity.objects.select_related("user")
        .filter(domain_id=pds_user["domain_id"], pds_user_id=pds_user["user_id"])
        .first()
    )
    if identity is not None:
        return identity.user
    match = re.fullmatch(r"u([1-9][0-9]{0,17})", pds_user["user_id"])
    if settings.DRIVE_AUTH_MODE not in SERVER_MINTED_MODES or match is None:
        return None
    user = get_user_model().objects.filter(pk=int(match[1])).first()
    if user is None:
        return None
    _may_be_handed_over(user)  # before linking it
    try:
        with transaction.atomic():
            PdsIdentity.objects.create(user=user, domain_id=pds_user["domain_id"], pds_user_id=pds_user["user_id"])
    except IntegrityError:  # linked to another PDS user already: not this token's
        raise AccountRefused("The token the site sent is of a user linked to another Drive account.") from None
    return user


def _may_be_handed_over(user: User | None) -> None:
    """A token signs in only a person of the site's user system: never a Drive administrator,
    and, in JWT and AccessKey modes, never one of Drive's own users who has a password (they
    sign in on Drive's own page)."""
    if user is None:
        return
    if not user.is_active:
        raise AccountRefused("This account is disabled in Drive.")
    if user.is_staff or user.is_superuser:
        raise AccountRefused(
            "A Drive administrator's account cannot be signed in by another site. Sign in on Drive's own page."
        )
    if settings.DRIVE_AUTH_MODE in SERVER_MINTED_MODES and user.has_usable_password():
        raise AccountRefused(
            "This account signs in on Drive's own sign-in page with its password, not through another site."
        )


def basicui_token_accept(*, origin: str | None, message: Any) -> HandedSignIn:
    """For a site of the list: check the token of its message at the PDS, link the token's
    user to a Drive user, store the token as their credential, and return the sign-in (the
    view signs the browser in and ties the session to the token: basicui_session_start).

    An earlier credential of another kind (an OAuth grant, a server-minted token) is revoked
    at the PDS as at sign-out before the handed token takes its place."""
    basicui_origin_check(origin)
    token = handed_token_parse(message)
    try:
        pds_user = pds_client().get_user(token.access_token)
    except pds_errors.ServiceUnavailable:
        raise SignInError("The drive service is not reachable right now. Please try again in a moment.") from None
    except (pds_errors.AccessTokenInvalid, pds_errors.AccessTokenExpired):
        # Another domain's token is invalid at this domain's endpoint too.
        raise TokenRefused("The drive service did not accept the token the site sent.") from None
    except pds_errors.PDSError as error:
        log.warning("BasicUI token refused by the PDS: %s (request %s)", error.code, error.request_id)
        raise TokenRefused("The drive service did not accept the token the site sent.") from None
    if pds_user.get("domain_id") != settings.PDS_DOMAIN_ID:
        log.warning(
            "BasicUI token of domain %r refused (Drive's is %r)", pds_user.get("domain_id"), settings.PDS_DOMAIN_ID
        )
        raise TokenRefused("The token the site sent belongs to another domain.")
    if not pds_user.get("user_id"):
        raise TokenRefused("The token the site sent is not a user's.")
    _may_be_handed_over(_linked_user(pds_user))
    user = user_for_pds_user(pds_user)
    _may_be_handed_over(user)
    if Credential.objects.filter(user=user).exclude(auth_mode=BASICUI_AUTH_MODE).exists():
        credential_revoke(user=user)
    credential = credential_store(
        user=user,
        token=Token(
            access_token=token.access_token,
            refresh_token="",
            expires_in=token.expires_in,
            user_id=pds_user["user_id"],
            user_name=pds_user.get("user_name", ""),
            nick_name=pds_user.get("nick_name", ""),
            domain_id=pds_user["domain_id"],
            default_drive_id=pds_user.get("default_drive_id") or "",
            role=pds_user.get("role", ""),
            scope="",
        ),
        auth_mode=BASICUI_AUTH_MODE,
    )
    log.info("BasicUI sign-in of PDS user %s handed over by %s", pds_user["user_id"], origin)
    return HandedSignIn(
        user=user,
        credential_id=credential.pk,
        token_digest=token_digest(token.access_token),
        expires_at=credential.access_expires_at,
    )


def basicui_session_start(session: SessionBase, sign_in: HandedSignIn) -> None:
    """After login(): the session ends when the token does, and remembers which token it is."""
    session[SESSION_KEY] = {
        "credential": sign_in.credential_id,
        "token": sign_in.token_digest,
        "until": sign_in.expires_at.timestamp(),
    }
    session.set_expiry(sign_in.expires_at)  # a fixed moment, never sliding


ENDED = "Your sign-in from the other site has ended. Open Drive from that site again."


def basicui_session_check(session: SessionBase, user: User) -> str | None:
    """Why this signed-in session must end now, or None (DeadCredentialMiddleware).

    A BasicUI session lives exactly as long as its token is the user's credential: it ends
    when the token expires or dies, and as soon as a later sign-in stored another one.
    Another session (Drive's own sign-in) in JWT or AccessKey mode: a site's token that ended
    is dropped, so that the server mints the user's own instead of signing them out."""
    marker = session.get(SESSION_KEY)
    if not isinstance(marker, dict):
        _ended_site_token_drop(user)
        return None
    credential = Credential.objects.filter(user=user).first()
    if (
        credential is None
        or credential.pk != marker.get("credential")
        or credential.auth_mode != BASICUI_AUTH_MODE
        or credential.dead_at is not None
        or timezone.now().timestamp() >= min(float(marker.get("until") or 0), credential.access_expires_at.timestamp())
        or not constant_time_compare(
            token_digest(crypto.decrypt(credential.access_token_encrypted)), str(marker.get("token"))
        )
    ):
        return (credential.dead_reason if credential is not None and credential.dead_reason else "") or ENDED
    return None


def _ended_site_token_drop(user: User) -> None:
    if settings.DRIVE_AUTH_MODE not in SERVER_MINTED_MODES:
        return
    credential = Credential.objects.filter(user=user, auth_mode=BASICUI_AUTH_MODE).first()
    if credential is not None and site_token_replaceable(credential):
        Credential.objects.filter(pk=credential.pk, auth_mode=BASICUI_AUTH_MODE).delete()
        user_credential_keep(user, None)  # the session's user may have been read with the row
