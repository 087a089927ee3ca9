"""Access and refresh tokens: issue, authenticate, rotate, revoke.

Tokens are opaque random strings; only their SHA-256 digests are stored.
Refresh tokens rotate on every use, and presenting a rotated one again revokes its whole
family (RFC 9700 section 4.14.2).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pds_server import errors
from pds_server.models import AccessToken, App, Domain, PdsUser, RefreshToken
from pds_server.routers import PDS_DB


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(secret: str, stored_digest: str) -> bool:
    return bool(stored_digest) and hmac.compare_digest(digest(secret), stored_digest)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class IssuedTokens:
    access_token: AccessToken
    access_token_value: str
    refresh_token_value: str | None


def access_token_lifetime(app: App, grant_type: str = "") -> int:
    lifetime = app.access_token_lifetime or settings.PDS_ACCESS_TOKEN_LIFETIME
    if grant_type == "implicit":
        # Handed over in a URL fragment, with no refresh token: short-lived (RFC 9700 section 2.1.2).
        return min(lifetime, settings.PDS_IMPLICIT_TOKEN_LIFETIME, 3600)
    return lifetime


def tokens_issue(
    *,
    app: App,
    user: PdsUser | None,
    scopes: list[str],
    grant_type: str,
    with_refresh_token: bool,
    family: uuid.UUID | None = None,
    family_expires_at=None,
) -> IssuedTokens:
    now = timezone.now()
    family = family or uuid.uuid4()
    access_value = new_secret()
    access = AccessToken.objects.create(
        token_hash=digest(access_value),
        domain=app.domain,
        app=app,
        user=user,
        subject_type="user" if user else "service",
        scopes=scopes,
        family=family,
        grant_type=grant_type,
        expires_at=now + timedelta(seconds=access_token_lifetime(app, grant_type)),
    )
    refresh_value = None
    if with_refresh_token:
        refresh_value = new_secret()
        RefreshToken.objects.create(
            token_hash=digest(refresh_value),
            domain=app.domain,
            app=app,
            user=user,
            subject_type=access.subject_type,
            scopes=scopes,
            family=family,
            family_expires_at=family_expires_at
            or now + timedelta(seconds=settings.PDS_REFRESH_TOKEN_ABSOLUTE_LIFETIME),
            idle_expires_at=now + timedelta(seconds=settings.PDS_REFRESH_TOKEN_IDLE_LIFETIME),
        )
    return IssuedTokens(access_token=access, access_token_value=access_value, refresh_token_value=refresh_value)


def family_revoke(family: uuid.UUID) -> None:
    now = timezone.now()
    AccessToken.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)
    RefreshToken.objects.filter(family=family, revoked_at__isnull=True).update(revoked_at=now)


def access_token_authenticate(*, domain: Domain, raw_token: str | None) -> AccessToken:
    if not raw_token:
        raise errors.AccessTokenInvalid("An access token is required.")
    token = AccessToken.objects.select_related("user", "app", "domain").filter(token_hash=digest(raw_token)).first()
    if token is None or token.revoked_at is not None or token.domain_id != domain.pk or not token.app.enabled:
        raise errors.AccessTokenInvalid("The access token is invalid.")
    if token.grant_type != "accesskey" and not domain.app_allowed(token.app.app_id):
        raise errors.AccessTokenInvalid("This domain no longer allows the application of this token.")
    if token.expires_at <= timezone.now():
        raise errors.AccessTokenExpired("The access token has expired.")
    if token.user is not None and token.user.status != PdsUser.Status.ENABLED:
        raise errors.AccessTokenInvalid("The user is disabled.")
    return token


def refresh_token_grant(*, app: App, raw_refresh_token: str, requested_scope: str | None) -> IssuedTokens:
    """Rotate a refresh token. Reuse of a rotated token revokes its family."""
    if not raw_refresh_token:
        raise errors.invalid_request("refresh_token is required")
    with transaction.atomic(using=PDS_DB):
        token = (
            RefreshToken.objects.select_for_update(of=("self",))
            .select_related("user", "app", "domain")
            .filter(token_hash=digest(raw_refresh_token))
            .first()
        )
        now = timezone.now()
        if token is None or token.app_id != app.pk:
            raise errors.invalid_grant("The refresh token is invalid.", code="RefreshTokenInvalid")
        if token.rotated_at is not None:
            # Someone is replaying an old refresh token: it may have been stolen. The
            # revocation must commit, so the error is raised after the transaction.
            family_revoke(token.family)
        elif token.revoked_at is not None:
            raise errors.invalid_grant("The refresh token has been revoked.", code="RefreshTokenInvalid")
        elif token.family_expires_at <= now or token.idle_expires_at <= now:
            raise errors.invalid_grant("The refresh token has expired.", code="RefreshTokenExpired")
        elif token.user is not None and token.user.status != PdsUser.Status.ENABLED:
            raise errors.invalid_grant("The user is disabled.", code="RefreshTokenInvalid")
        else:
            scopes = token.scopes
            if requested_scope:
                requested = parse_scope(requested_scope)
                if not set(requested) <= set(token.scopes):
                    raise errors.OAuthError(
                        "invalid_scope", "A refresh may not widen the granted scope.", code="InvalidParameter.Scope"
                    )
                scopes = requested
            token.rotated_at = now
            token.save(update_fields=["rotated_at"])
            return tokens_issue(
                app=app,
                user=token.user,
                scopes=scopes,
                grant_type="refresh_token",
                with_refresh_token=True,
                family=token.family,
                family_expires_at=token.family_expires_at,
            )
    raise errors.invalid_grant("The refresh token was already used; its grant is revoked.", code="RefreshTokenInvalid")


def token_revoke(*, app: App, raw_token: str) -> None:
    """RFC 7009: revoke a refresh token (and its family) or an access token. Unknown
    tokens, or tokens of another client, are ignored without telling the caller."""
    hashed = digest(raw_token)
    refresh = RefreshToken.objects.filter(token_hash=hashed, app=app).first()
    if refresh is not None:
        family_revoke(refresh.family)
        return
    AccessToken.objects.filter(token_hash=hashed, app=app, revoked_at__isnull=True).update(revoked_at=timezone.now())


def parse_scope(raw: str | None) -> list[str]:
    """The SDK joins scopes with commas, RFC 6749 with spaces: accept both."""
    if not raw:
        return []
    return sorted({part for part in raw.replace(",", " ").split() if part})
