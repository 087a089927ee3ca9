"""The token store: each user's PDS tokens, encrypted at rest, and their refresh.

`access_token_for(user)` refreshes under a row lock so that many requests arriving
together at expiry cause exactly one refresh at the PDS (refresh tokens rotate: a second
refresh with the old token would revoke the whole grant).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from accounts import crypto
from accounts.errors import CredentialDead, PdsUnavailable
from accounts.models import Credential, PdsIdentity, PendingRevocation
from accounts.pds_connection import pds_client
from accounts.selectors import user_credential_keep
from accounts.services.accesskey_mode import accesskey_token_mint
from accounts.services.jwt_mode import jwt_token_mint, pds_user_id_for
from pds_client import Token
from pds_client import errors as pds_errors
from pds_client.token_batch import refresh_batch

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def _expiry(token: Token) -> datetime:
    return timezone.now() + timedelta(seconds=token.expires_in)


def credential_store(*, user: User, token: Token, auth_mode: str) -> Credential:
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
    user_credential_keep(user, credential)
    return credential


def _server_minted_token(*, auth_mode: str, user: User) -> Token:
    """JWT and AccessKey modes: the server itself gets the user's token (no refresh token)."""
    if auth_mode == Credential.AuthMode.ACCESSKEY:
        return accesskey_token_mint(user=user)
    return jwt_token_mint(user=user)


def jwt_credential_create(*, user: User) -> str:
    """Mint the user's first PDS token with the JWT app or the AccessKey pair (by
    DRIVE_AUTH_MODE) and store it; returns the access token."""
    auth_mode = Credential.AuthMode(settings.DRIVE_AUTH_MODE)
    try:
        token = _server_minted_token(auth_mode=auth_mode, user=user)
    except pds_errors.ServiceUnavailable as error:
        raise PdsUnavailable(f"The drive service is unavailable ({error.code}).") from None
    except pds_errors.PDSError as error:
        raise CredentialDead(f"The drive service refused this account ({error.code}).") from None
    PdsIdentity.objects.get_or_create(user=user, defaults={"domain_id": token.domain_id, "pds_user_id": token.user_id})
    credential_store(user=user, token=token, auth_mode=auth_mode)
    return token.access_token


def _needs_refresh(credential: Credential, margin: int) -> bool:
    if credential.auth_mode == Credential.AuthMode.BASICUI:
        margin = 0  # a site's token (accounts.services.basicui): nothing renews it, so it is used to its end
    return credential.access_expires_at - timezone.now() <= timedelta(seconds=margin)


def site_token_replaceable(credential: Credential) -> bool:
    """JWT and AccessKey modes: a site's token (BasicUI) that expired or died gives way to one
    the server mints, when the server mints for that same PDS user (`u<pk>`)."""
    if credential.auth_mode != Credential.AuthMode.BASICUI or settings.DRIVE_AUTH_MODE not in ("jwt", "accesskey"):
        return False
    if credential.dead_at is None and credential.access_expires_at > timezone.now():
        return False
    user = credential.user
    return PdsIdentity.objects.filter(
        user=user, domain_id=settings.PDS_DOMAIN_ID, pds_user_id=pds_user_id_for(user)
    ).exists()


def access_token_for(user: User, *, credential: Credential | None = None) -> str:
    """A valid PDS access token for this user, refreshed when less than the margin remains.
    `credential`: the user's row already read for this request (accounts.selectors.request_credential)."""
    if credential is None:
        credential = Credential.objects.filter(user=user).first()
    if credential is None or site_token_replaceable(credential):
        if settings.DRIVE_AUTH_MODE in ("jwt", "accesskey"):
            return jwt_credential_create(user=user)
        raise CredentialDead("You are not signed in to the drive service.")
    if credential.dead_at is not None:
        raise CredentialDead(credential.dead_reason or "Your sign-in has ended.")
    if not _needs_refresh(credential, settings.DRIVE_TOKEN_REFRESH_MARGIN):
        return crypto.decrypt_access_token(credential.access_token_encrypted)
    return credential_refresh(credential_id=credential.pk, margin=settings.DRIVE_TOKEN_REFRESH_MARGIN)


def access_token_renew(*, user: User, rejected_access_token: str) -> str:
    """The PDS refused this token (401): a token it will accept, refreshed unless another
    request already did."""
    credential_id = Credential.objects.filter(user=user).values_list("pk", flat=True).first()
    if credential_id is None:
        raise CredentialDead("You are not signed in to the drive service.")
    return credential_refresh(
        credential_id=credential_id,
        margin=settings.DRIVE_TOKEN_REFRESH_MARGIN,
        rejected_access_token=rejected_access_token,
    )


# What a refresh changes (a full-row UPDATE wrote every column).
REFRESHED_FIELDS = [
    "access_token_encrypted",
    "refresh_token_encrypted",
    "key_id",
    "access_expires_at",
    "scope",
    "default_drive_id",
    "last_refreshed_at",
    "refresh_count",
    "refresh_failures",
    "updated_at",
]


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
            _token_store(credential, token)
            credential.save(update_fields=REFRESHED_FIELDS)
            return token.access_token
    # Raised after the transaction so that what was recorded above is committed.
    if died:
        raise CredentialDead(died)
    raise PdsUnavailable(f"The drive service is unavailable ({transient.code}).")


def _token_store(credential: Credential, token: Token) -> None:
    credential.access_token_encrypted = crypto.encrypt(token.access_token)
    if token.refresh_token:
        credential.refresh_token_encrypted = crypto.encrypt(token.refresh_token)
    credential.key_id = crypto.primary_key_id()
    credential.access_expires_at = _expiry(token)
    credential.scope = token.scope or credential.scope
    credential.default_drive_id = token.default_drive_id or credential.default_drive_id
    credential.last_refreshed_at = credential.updated_at = timezone.now()
    credential.refresh_count += 1
    credential.refresh_failures = 0


@dataclass
class BatchOutcome:
    """What a batch refresh left to the one-credential path: `now` at once (another mode, or
    a row another process holds: its lock is awaited there), `later` after a pause (the PDS
    could not refresh it now)."""

    refreshed: int = 0
    now: list[int] = field(default_factory=list)
    later: list[int] = field(default_factory=list)


def credentials_refresh_batch(*, credential_ids: list[int], margin: int) -> BatchOutcome:
    """Refresh OAuth credentials with one PDS request (`/v2/oauth/token_batch`), under one
    transaction holding their row locks, written with one prepared UPDATE. A credential whose token the
    PDS refused for good dies, as in credential_refresh. One the PDS could not refresh now is
    counted and kept; it goes to `later` (a retry of its own) only if its access token ends
    within DRIVE_TOKEN_REFRESH_MARGIN, else the next sweep takes it. If the process dies after
    the PDS rotated the tokens and before this commit, these users' stored refresh tokens are
    the old ones: the PDS takes them again as a retry within PDS_REFRESH_REUSE_GRACE_SECONDS,
    which the next sweep is (accounts.tasks.REFRESH_HOLD); later, their use revokes the grant.
    Batches stay small (accounts.tasks.TOKEN_BATCH) so that a crash repeats little work."""
    outcome = BatchOutcome()
    if not settings.PDS_CLIENT_SECRET:  # a public client may not batch
        outcome.now = list(credential_ids)
        return outcome
    with transaction.atomic():
        locked = list(
            Credential.objects.select_for_update(skip_locked=True).filter(pk__in=credential_ids).order_by("pk")
        )
        seen = {credential.pk for credential in locked}
        outcome.now = [pk for pk in credential_ids if pk not in seen]  # busy elsewhere, or gone (handled there)
        due, raw = [], []
        for credential in locked:
            if credential.dead_at is not None or not _needs_refresh(credential, margin):
                continue
            try:
                refresh_token = crypto.decrypt(credential.refresh_token_encrypted)
            except crypto.TokenKeyMissing:
                refresh_token = ""  # credential_refresh deals with it on its own
            if credential.auth_mode != Credential.AuthMode.OAUTH or not refresh_token:
                outcome.now.append(credential.pk)
            else:
                due.append(credential)
                raw.append(refresh_token)
        if not due:
            return outcome
        try:
            answers = refresh_batch(
                pds_client(),
                client_id=settings.PDS_CLIENT_ID,
                client_secret=settings.PDS_CLIENT_SECRET,
                refresh_tokens=raw,
            )
        except (pds_errors.ServiceUnavailable, pds_errors.TooManyRequests) as error:
            answers = [error] * len(due)
        except pds_errors.PDSError as error:
            if error.status not in (404, 405):  # 404, 405: a PDS without token_batch
                raise
            outcome.now.extend(credential.pk for credential in due)
            return outcome
        now = timezone.now()
        for credential, answer in zip(due, answers, strict=True):
            if isinstance(answer, Token):
                _token_store(credential, answer)
                outcome.refreshed += 1
            elif isinstance(answer, pds_errors.InvalidGrant):
                died = f"Your sign-in ended at the drive service ({answer.message}). Please sign in again."
                credential.dead_at = credential.updated_at = now
                credential.dead_reason = died[:255]
            else:  # as credential_refresh: counted, kept, and tried again later
                log.warning("Token refresh for credential %s failed, kept for a retry: %s", credential.pk, answer.code)
                credential.refresh_failures += 1
                credential.updated_at = now
                if _needs_refresh(credential, settings.DRIVE_TOKEN_REFRESH_MARGIN):
                    outcome.later.append(credential.pk)
        _rows_write(due, [*REFRESHED_FIELDS, "dead_at", "dead_reason"])
    return outcome


def _rows_write(credentials: list[Credential], names: list[str]) -> None:
    """Save these fields of each row with one prepared UPDATE run for all rows (executemany:
    one pipeline with psycopg 3). bulk_update's CASE expressions cost the worker about as
    much CPU as the rest of the refresh."""
    connection = connections[router.db_for_write(Credential) or "default"]
    quote = connection.ops.quote_name
    fields = [field for field in Credential._meta.concrete_fields if field.name in names]
    assert len(fields) == len(names)
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {quote(Credential._meta.db_table)} SET {assignments} WHERE {quote('id')} = %s"
    rows = [
        [field.get_db_prep_save(getattr(credential, field.attname), connection) for field in fields] + [credential.pk]
        for credential in credentials
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _new_token(credential: Credential) -> Token:
    if credential.auth_mode == Credential.AuthMode.BASICUI:
        raise pds_errors.InvalidGrant("invalid_grant", "the token the site handed over has expired")
    if credential.auth_mode in (Credential.AuthMode.JWT, Credential.AuthMode.ACCESSKEY):
        return _server_minted_token(auth_mode=credential.auth_mode, user=credential.user)
    return pds_client().refresh(
        client_id=settings.PDS_CLIENT_ID,
        client_secret=settings.PDS_CLIENT_SECRET,
        refresh_token=crypto.decrypt(credential.refresh_token_encrypted),
    )


def credential_default_drive_set(*, user: User, drive_id: str) -> None:
    """Remember the user's default drive (a sign-in's token may not name it)."""
    Credential.objects.filter(user=user).update(default_drive_id=drive_id)


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
        held_until = now + timedelta(seconds=hold_seconds)
        for start in range(0, len(ids), 5000):
            Credential.objects.filter(pk__in=ids[start : start + 5000]).update(refresh_queued_until=held_until)
    return ids


def credential_keys_rotate() -> int:
    """Re-encrypt every stored token with the first key. Returns how many credentials changed."""
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
