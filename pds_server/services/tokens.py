"""Access and refresh tokens: issue, authenticate, rotate, revoke.

Tokens are opaque random strings; only their SHA-256 digests are stored.
Refresh tokens rotate on every use, and presenting a rotated one again revokes its whole
family (RFC 9700 section 4.14.2), except for a retry within the grace (`_retry_child`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from drive_site.compiled_reads import CompiledRead
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


# token_hash is unique: a slice, without the ORDER BY that .first() adds. Every API request
# reads it, so its SQL is compiled once per thread. Not joined with its domain: the
# caller's is the only one it may be of (checked below).
_access_token_by_hash = CompiledRead(
    lambda token_hash: AccessToken.objects.select_related("user", "app").filter(token_hash=token_hash)[:1]
)


def access_token_authenticate(*, domain: Domain, raw_token: str | None) -> AccessToken:
    if not raw_token:
        raise errors.AccessTokenInvalid("An access token is required.")
    token = _access_token_by_hash.first(digest(raw_token))
    if token is None or token.revoked_at is not None or token.domain_id != domain.pk or not token.app.enabled:
        raise errors.AccessTokenInvalid("The access token is invalid.")
    token.domain = domain
    if token.grant_type != "accesskey" and not domain.app_allowed(token.app.app_id):
        raise errors.AccessTokenInvalid("This domain no longer allows the application of this token.")
    if token.expires_at <= timezone.now():
        raise errors.AccessTokenExpired("The access token has expired.")
    if token.user is not None and token.user.status != PdsUser.Status.ENABLED:
        raise errors.AccessTokenInvalid("The user is disabled.")
    return token


def _refusal(token: RefreshToken | None, *, app: App, now, retry: bool = False) -> errors.OAuthError | None:
    """Why this refresh token may not be rotated now (None: it may). A rotated token is
    refused with REUSED, unless this is a retry (`_retry_child`); its caller must revoke the
    token's family."""
    if token is None or token.app_id != app.pk:
        return errors.invalid_grant("The refresh token is invalid.", code="RefreshTokenInvalid")
    if token.rotated_at is not None and not retry:
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


def _is_retry(token: RefreshToken | None, *, app: App, now) -> bool:
    """Whether this rotated refresh token, presented again by its own client within
    PDS_REFRESH_REUSE_GRACE_SECONDS of its rotation, is a retry (RFC 9700 section 4.14.2
    allows such a grace): a client that lost the answer, say a worker killed after the PDS
    committed, may ask again while the token issued from it (its child) has never been used
    and the family is not revoked. The child is locked; a retry replaces it (_child_revoke).
    Anything else rotated is reuse."""
    grace = settings.PDS_REFRESH_REUSE_GRACE_SECONDS
    if token is None or token.app_id != app.pk or token.rotated_at is None or token.revoked_at is not None:
        return False  # revoking the family revokes this token too: revoked_at None means it lives
    if grace <= 0 or now - token.rotated_at > timedelta(seconds=grace):
        return False
    # A family is one chain: a token gets a child only when it rotates, and only its newest
    # token can rotate. The rows after this one are its child and the children revoked by
    # earlier retries of it; if any of them rotated, the child was used.
    later = list(
        RefreshToken.objects.select_for_update(of=("self",)).filter(family=token.family, pk__gt=token.pk).order_by("pk")
    )
    live = [row for row in later if row.revoked_at is None]
    return len(live) == 1 and not any(row.rotated_at is not None for row in later)


def _revokes_family(token: RefreshToken | None, refusal: errors.OAuthError, *, app: App) -> bool:
    """Whether this refusal revokes the token's family: reuse of a rotated token, or use of
    a revoked one. A revoked token in a family that lives is a child a retry replaced: both
    its holder and the retry's have the family, so one of them may have stolen it. (In a
    revoked family this changes nothing.)"""
    if token is None or token.app_id != app.pk:
        return False
    return refusal.message == REUSED or token.revoked_at is not None


def _child_revoke(token: RefreshToken, now) -> None:
    """A retry replaces the unused child: it is revoked, with the access token issued with
    it (the family's access tokens issued since this token rotated)."""
    RefreshToken.objects.filter(family=token.family, pk__gt=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    AccessToken.objects.filter(family=token.family, created_at__gte=token.rotated_at, revoked_at__isnull=True).update(
        revoked_at=now
    )


def refresh_token_grant(*, app: App, raw_refresh_token: str, requested_scope: str | None) -> IssuedTokens:
    """Rotate a refresh token. Reuse of a rotated token revokes its family (but see _is_retry)."""
    if not raw_refresh_token:
        raise errors.invalid_request("refresh_token is required")
    with transaction.atomic(using=PDS_DB):
        token = _locked({digest(raw_refresh_token)}).first()
        now = timezone.now()
        retry = _is_retry(token, app=app, now=now)
        refusal = _refusal(token, app=app, now=now, retry=retry)
        if refusal is not None and _revokes_family(token, refusal, app=app):
            # Someone is replaying an old refresh token: it may have been stolen. The
            # revocation must commit, so the error is raised after the transaction.
            assert token is not None
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
            if retry:  # the token keeps its first rotated_at: the grace does not move on
                _child_revoke(token, now)
            else:
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
    assert refusal is not None
    raise refusal


def refresh_tokens_rotate(
    *, app: App, raw_refresh_tokens: list[str], refused: Callable[[errors.OAuthError], object] | None = None
) -> list[IssuedTokens | errors.OAuthError]:
    """The batch form of refresh_token_grant (no scope narrowing): one answer per token, in
    order. All rows are locked by one SELECT; each token is checked on its own by the same
    rules, in order, as if sent one after the other (a token given twice is reused the
    second time); reuse revokes that family only. A retry within the grace is one only if
    no other token of its family is in the request. The new tokens are one INSERT per table.
    `refused` (the audit row of a refusal) runs for each refusal in the same transaction:
    if it fails, nothing is rotated."""
    hashes = [digest(raw) for raw in raw_refresh_tokens]
    answers: list[IssuedTokens | errors.OAuthError] = []
    with transaction.atomic(using=PDS_DB):
        found = {token.token_hash: token for token in _locked(set(hashes))}
        now = timezone.now()
        reused: set[uuid.UUID] = set()
        rotated: list[RefreshToken] = []
        new_refresh: list[RefreshToken] = []
        in_request = Counter(found[hashed].family for hashed in hashes if hashed in found)
        for raw, hashed in zip(raw_refresh_tokens, hashes, strict=True):
            token = found.get(hashed) if raw else None
            retry = token is not None and in_request[token.family] == 1 and _is_retry(token, app=app, now=now)
            refusal = _refusal(token, app=app, now=now, retry=retry)
            if token is not None and refusal is None and token.family in reused:
                refusal = errors.invalid_grant("The refresh token has been revoked.", code="RefreshTokenInvalid")
            if refusal is not None:
                if _revokes_family(token, refusal, app=app):
                    assert token is not None
                    reused.add(token.family)
                answers.append(refusal)
                continue
            assert token is not None
            if retry:
                _child_revoke(token, now)
            else:
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
        if new_refresh:
            AccessToken.objects.bulk_create([a.access_token for a in answers if isinstance(a, IssuedTokens)])
            RefreshToken.objects.bulk_create(new_refresh)
        if reused:  # after the inserts: a token issued above in a reused family is revoked too
            AccessToken.objects.filter(family__in=reused, revoked_at__isnull=True).update(revoked_at=now)
            RefreshToken.objects.filter(family__in=reused, revoked_at__isnull=True).update(revoked_at=now)
        for answer in answers:
            if refused is not None and isinstance(answer, errors.OAuthError):
                refused(answer)
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
