"""Reads of the accounts app."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accounts.models import Credential

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@dataclass(frozen=True)
class CredentialState:
    alive: bool
    reason: str


def credential_state(user: User) -> CredentialState | None:
    credential = Credential.objects.filter(user=user).only("dead_at", "dead_reason").first()
    if credential is None:
        return None
    return CredentialState(alive=credential.dead_at is None, reason=credential.dead_reason)


def credential_default_drive_id(user: User) -> str:
    """The user's default drive as remembered with their credential ("" when not known yet)."""
    drive_id = Credential.objects.filter(user=user).values_list("default_drive_id", flat=True).first()
    return drive_id or ""
