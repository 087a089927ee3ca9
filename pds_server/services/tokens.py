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
    issued, refresh = _unsaved_tokens(
        app=app,
        user=user,
        scopes=scopes,
        grant_type=grant_type,
        with_refresh_token=with_refresh_token,
        family=family,
        family_expires_at=family_expires_at,
    )
    issued.access_token.save(force_insert=True)
    if refresh is not None:
        refresh.save(force_insert=True)
    return issued


def _unsaved_tokens(
    *,
    app: App,
    user: PdsUser | None,
    scopes: list[str],
    grant_type: str,
    with_refresh_token: bool,
    family: uuid.UUID | None = None,
    family_expires_at=None,
) -> tuple[IssuedTokens, RefreshToken | None]:
    """The rows of a new access token (and refresh token), not yet saved: tokens_issue saves
    them one by one, the batch refresh in one INSERT per table."""
    now = timezone.now()
    family = family or uuid.uuid4()
    access_value = new_secret()
    access = AccessToken(
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
    refresh_value = refresh = None
    if with_refresh_token:
        refresh_value = new_secret()
        refresh = RefreshToken(
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
    issued = IssuedTokens(access_token=access, access_token_value=access_value, refresh_token_value=refresh_value)
    return issued, refresh


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


def _refusal(token: RefreshToken | None, *, app: App, now) -> errors.OAuthError | None:
    """Why this refresh token may not be rotated now (None: it may). A rotated token is
    refused with REUSED; its caller must revoke the token's family."""
    if token is None or token.app_id != app.pk:
        return errors.invalid_grant("The refresh token is invalid.", code="RefreshTokenInvalid")
    if token.rotated_at is not None:
        return errors.invalid_grant(REUSED, code="RefreshTokenInvalid")
    if token.revoked_at is not None:
        return errors.invalid_grant("The refresh token has been revoked.", code="RefreshTokenInvalid")
    if token.family_expires_at <= now or token.idle_expires_at <= now:
        return errors.invalid_grant("The refresh token has expired.", code="RefreshTokenExpired")
    if token.user is not None and token.user.status != PdsUser.Status.ENABLED:
        return errors.invalid_grant("The user is disabled.", code="RefreshTokenInvalid")
    return None


REUSED = "The refresh token was already used; its grant is revoked."


def _locked(hashes: set[str]):
    # In primary-key order, so that two batches sharing tokens cannot deadlock.
    return (
        RefreshToken.objects.select_for_update(of=("self",))
        .select_related("user")
        .filter(token_hash__in=hashes)
        .order_by("pk")
    )


def refresh_token_grant(*, app: App, raw_refresh_token: str, requested_scope: str | None) -> IssuedTokens:
    """Rotate a refresh token. Reuse of a rotated token revokes its family."""
    if not raw_refresh_token:
        raise errors.invalid_request("refresh_token is required")
    with transaction.atomic(using=PDS_DB):
        token = _locked({digest(raw_refresh_token)}).first()
        now = timezone.now()
        refusal = _refusal(token, app=app, now=now)
        if token is not None and refusal is not None and refusal.message == REUSED:
            # Someone is replaying an old refresh token: it may have been stolen. The
            # revocation must commit, so the error is raised after the transaction.
            family_revoke(token.family)
        elif refusal is not None:
            raise refusal
        else:
            assert token is not None
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
    raise errors.invalid_grant(REUSED, code="RefreshTokenInvalid")


def refresh_tokens_rotate(*, app: App, raw_refresh_tokens: list[str]) -> list[IssuedTokens | errors.OAuthError]:
    """The batch form of refresh_token_grant (no scope narrowing): one answer per token, in
    order. All rows are locked by one SELECT; each token is checked on its own by the same
    rules, in order, as if sent one after the other (a token given twice is reused the
    second time); reuse revokes that family only. The new tokens are one INSERT per table."""
    hashes = [digest(raw) for raw in raw_refresh_tokens]
    answers: list[IssuedTokens | errors.OAuthError] = []
    with transaction.atomic(using=PDS_DB):
        found = {token.token_hash: token for token in _locked(set(hashes))}
        now = timezone.now()
        reused: set[uuid.UUID] = set()
        rotated: list[RefreshToken] = []
        new_refresh: list[RefreshToken] = []
        for raw, hashed in zip(raw_refresh_tokens, hashes, strict=True):
            token = found.get(hashed) if raw else None
            refusal = _refusal(token, app=app, now=now)
            if token is not None and refusal is None and token.family in reused:
                refusal = errors.invalid_grant("The refresh token has been revoked.", code="RefreshTokenInvalid")
            if refusal is not None:
                if token is not None and refusal.message == REUSED:
                    reused.add(token.family)
                answers.append(refusal)
                continue
            assert token is not None
            token.rotated_at = now
            rotated.append(token)
            issued, refresh = _unsaved_tokens(
                app=app,
                user=token.user,
                scopes=token.scopes,
                grant_type="refresh_token",
                with_refresh_token=True,
                family=token.family,
                family_expires_at=token.family_expires_at,
            )
            assert refresh is not None
            new_refresh.append(refresh)
            answers.append(issued)
        if rotated:
            RefreshToken.objects.filter(pk__in=[token.pk for token in rotated]).update(rotated_at=now)
            AccessToken.objects.bulk_create([a.access_token for a in answers if isinstance(a, IssuedTokens)])
            RefreshToken.objects.bulk_create(new_refresh)
        if reused:  # after the inserts: a token issued above in a reused family is revoked too
            AccessToken.objects.filter(family__in=reused, revoked_at__isnull=True).update(revoked_at=now)
            RefreshToken.objects.filter(family__in=reused, revoked_at__isnull=True).update(revoked_at=now)
    return answers


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
