"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import Credential

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

# The attribute of a request that holds its one read of the user's Credential.
_REQUEST_CREDENTIAL = "_drive_credential"


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
    user_pk = user.pk if user is not None and user.is_authenticated else None
    kept = getattr(request, _REQUEST_CREDENTIAL, None)
    if kept is not None and kept[0] == user_pk:  # read again if the request's user changed
        return kept[1]
    credential = None
    if user is not None and user_pk is not None and Credential.user.field.remote_field.is_cached(user):
        # Read with the user from the session (accounts/backends.py); None when there is none.
        credential = getattr(user, "pds_credential", None)
    elif user_pk is not None:
        # One row per user: a slice, without the ORDER BY that .first() adds.
        credential = next(iter(Credential.objects.filter(user=user)[:1]), None)
    setattr(request, _REQUEST_CREDENTIAL, (user_pk, credential))
    return credential


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
