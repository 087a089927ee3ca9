"""Sign-out: the refresh token is revoked at the PDS (RFC 7009), and a revocation the PDS
could not take now is kept, encrypted, for a task to retry."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from accounts import crypto
from accounts.models import Credential, PendingRevocation
from accounts.pds_connection import pds_client
from accounts.selectors import user_credential_keep
from accounts.services.accesskey_mode import accesskey_client_id
from pds_client import errors as pds_errors

if TYPE_CHECKING:
    from django.contrib.auth.models import User

log = logging.getLogger(__name__)


def _client_for(auth_mode: str) -> tuple[str, str | None]:
    if auth_mode == Credential.AuthMode.JWT:
        return settings.PDS_JWT_APP_ID, None
    if auth_mode == Credential.AuthMode.ACCESSKEY:
        return accesskey_client_id(), None
    return settings.PDS_CLIENT_ID, settings.PDS_CLIENT_SECRET


def _retry_later(revocation_id: int) -> None:
    # Imported here: the task module imports the services, never the other way round.
    from accounts.tasks import retry_revocation

    retry_revocation.delay(revocation_id)


def credential_revoke(*, user: User) -> None:
    """Revoke the refresh token at the PDS (queued for retry if that fails) and delete the credential."""
    credential = Credential.objects.filter(user=user).first()
    if credential is None:
        return
    client_id, client_secret = _client_for(credential.auth_mode)
    refresh_encrypted = credential.refresh_token_encrypted
    credential.delete()
    user_credential_keep(user, None)
    if not refresh_encrypted:
        return
    try:
        pds_client().revoke(client_id=client_id, client_secret=client_secret, token=crypto.decrypt(refresh_encrypted))
    except pds_errors.PDSError as error:
        log.warning("Revocation at sign-out failed (%s); queued for retry", error.code)
        pending = PendingRevocation.objects.create(client_id=client_id, token_encrypted=refresh_encrypted)
        transaction.on_commit(lambda: _retry_later(pending.pk))


def pending_revocation_retry(*, revocation_id: int) -> bool:
    """True when done (revoked, or nothing left to do)."""
    pending = PendingRevocation.objects.filter(pk=revocation_id).first()
    if pending is None:
        return True
    client_secret = settings.PDS_CLIENT_SECRET if pending.client_id == settings.PDS_CLIENT_ID else None
    token = crypto.decrypt(pending.token_encrypted)
    try:
        pds_client().revoke(client_id=pending.client_id, client_secret=client_secret, token=token)
    except pds_errors.ServiceUnavailable:
        PendingRevocation.objects.filter(pk=pending.pk).update(attempts=pending.attempts + 1)
        return False
    pending.delete()
    return True
