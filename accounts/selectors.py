"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import Credential

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest


@dataclass(frozen=True)
class CredentialState:
    alive: bool
    reason: str


def request_credential(request: HttpRequest) -> Credential | None:
    """The signed-in user's Credential, read once per request: the dead-credential check,
    the access token and the default drive all use this one row. A refresh made meanwhile
    by another process is not seen here; it does no harm: a token the PDS refuses is
    renewed under the row lock, which reads the row again (services/credentials.py)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    return user_credential(user)


def user_credential(user: User) -> Credential | None:
    """The user's Credential (None: they have none), kept on the user object: read with the
    user from the session (accounts/backends.py), or here at first use. A change to the row
    through this user says what it now is (user_credential_keep)."""
    kept = Credential.user.field.remote_field  # the user's side of the one-to-one
    if not kept.is_cached(user):
        # One row per user: a slice, without the ORDER BY that .first() adds.
        kept.set_cached_value(user, next(iter(Credential.objects.filter(user=user)[:1]), None))
    credential = kept.get_cached_value(user)
    return credential if isinstance(credential, Credential) else None


def user_credential_keep(user: User, credential: Credential | None) -> None:
    """What user_credential answers for this user object from now on: the row just stored,
    or None once it was deleted."""
    Credential.user.field.remote_field.set_cached_value(user, credential)


def credential_state(user: User, *, credential: Credential | None = None) -> CredentialState | None:
    """Whether the user's grant lives; `credential`: the row already read for this request."""
    if credential is None:
        credential = Credential.objects.filter(user=user).only("dead_at", "dead_reason").first()
    if credential is None:
        return None
    return CredentialState(alive=credential.dead_at is None, reason=credential.dead_reason)


def credential_default_drive_id(user: User) -> str:
    """The user's default drive as remembered with their credential ("" when not known yet)."""
    drive_id = Credential.objects.filter(user=user).values_list("default_drive_id", flat=True).first()
    return drive_id or ""
