"""Background token refresh. Tasks take ids only, never a token."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from accounts import services


@shared_task(name="accounts.tasks.refresh_expiring_credentials", ignore_result=True)
def refresh_expiring_credentials() -> int:
    """Beat, every minute: one refresh task per credential expiring within the window."""
    ids = services.credentials_expiring(within_seconds=settings.DRIVE_BEAT_REFRESH_WINDOW)
    for credential_id in ids:
        refresh_credential.delay(credential_id)
    return len(ids)


@shared_task(
    name="accounts.tasks.refresh_credential",
    bind=True,
    ignore_result=True,
    autoretry_for=(services.PdsUnavailable,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def refresh_credential(self, credential_id: int) -> None:
    """Safe to run twice: under the row lock a credential refreshed meanwhile is left alone,
    and a dead one (invalid_grant is final) is never retried."""
    try:
        services.credential_refresh(credential_id=credential_id, margin=settings.DRIVE_BEAT_REFRESH_WINDOW)
    except services.CredentialDead:
        return
    except services.Credential.DoesNotExist:
        return  # signed out meanwhile


@shared_task(name="accounts.tasks.retry_revocation", bind=True, ignore_result=True, max_retries=10)
def retry_revocation(self, revocation_id: int) -> None:
    if not services.pending_revocation_retry(revocation_id=revocation_id):
        raise self.retry(countdown=min(600, 10 * 2 ** self.request.retries))
