"""Background token refresh and revocation retries. Tasks take ids only, never a token.

This module imports the services; the services reach a task only through a lazy import
in a `transaction.on_commit` hook."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings

from accounts.crypto import TokenKeyMissing
from accounts.errors import CredentialDead, PdsUnavailable
from accounts.models import Credential
from accounts.services.credentials import credential_refresh, credentials_expiring, credentials_refresh_batch
from accounts.services.revocation import pending_revocation_retry

log = logging.getLogger(__name__)

# Credentials per refresh task: one message per credential cost the worker more CPU
# (broker round trip, prefork hand-off) than the refresh itself.
REFRESH_BATCH = 50
# Credentials per PDS request (/v2/oauth/token_batch), each in its own transaction. Small on
# purpose: a worker killed between the PDS's commit and its own leaves these users' old refresh
# tokens stored, which the PDS takes again as a retry within PDS_REFRESH_REUSE_GRACE_SECONDS
# (nobody is signed out when the next sweep comes in time, see REFRESH_HOLD); the work
# repeated after a crash stays small.
TOKEN_BATCH = 20
# Seconds a sweep's claim holds a credential (Credential.refresh_queued_until). A task lost with
# its worker (tasks are acked early) is claimed again by the first sweep after the hold: with
# beat's one-minute sweeps, 60 to 120 s after the claim, within the PDS's 120 s grace. A little
# under the minute so that a sweep that fires early does not skip a turn. A credential claimed
# again while its first task still waits in the queue is harmless: under its row lock a
# credential refreshed meanwhile is no longer due and is left alone.
REFRESH_HOLD = 50


@shared_task(name="accounts.tasks.refresh_expiring_credentials", ignore_result=True)
def refresh_expiring_credentials() -> int:
    """Beat, every minute: refresh tasks for the credentials expiring within the window,
    REFRESH_BATCH to a task."""
    ids = credentials_expiring(within_seconds=settings.DRIVE_BEAT_REFRESH_WINDOW, hold_seconds=REFRESH_HOLD)
    for start in range(0, len(ids), REFRESH_BATCH):
        refresh_credentials.delay(ids[start : start + REFRESH_BATCH])
    return len(ids)


@shared_task(name="accounts.tasks.refresh_credentials", ignore_result=True)
def refresh_credentials(credential_ids: list[int]) -> None:
    """Refresh several credentials, TOKEN_BATCH to a PDS request; one the batch left (another
    mode, locked elsewhere) is refreshed here on its own, and one the PDS could not refresh
    now gets a task of its own, which retries with backoff, if its token is about to end (the
    others wait for the next sweep)."""
    margin = settings.DRIVE_BEAT_REFRESH_WINDOW
    for start in range(0, len(credential_ids), TOKEN_BATCH):
        outcome = credentials_refresh_batch(credential_ids=credential_ids[start : start + TOKEN_BATCH], margin=margin)
        for credential_id in outcome.later:
            refresh_credential.apply_async((credential_id,), countdown=5)
        for credential_id in outcome.now:
            try:
                credential_refresh(credential_id=credential_id, margin=margin)
            except (CredentialDead, Credential.DoesNotExist):
                continue
            except TokenKeyMissing:  # no configured key decrypts it: the others are still refreshed
                log.error("Token refresh for credential %s: no key decrypts its tokens", credential_id)
            except PdsUnavailable:
                refresh_credential.apply_async((credential_id,), countdown=5)


@shared_task(
    name="accounts.tasks.refresh_credential",
    bind=True,
    ignore_result=True,
    autoretry_for=(PdsUnavailable,),
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=8,
)
def refresh_credential(self, credential_id: int) -> None:
    """Safe to run twice: under the row lock a credential refreshed meanwhile is left alone,
    and a dead one (invalid_grant is final) is never retried."""
    try:
        credential_refresh(credential_id=credential_id, margin=settings.DRIVE_BEAT_REFRESH_WINDOW)
    except CredentialDead:
        return
    except Credential.DoesNotExist:
        return  # signed out meanwhile


@shared_task(name="accounts.tasks.retry_revocation", bind=True, ignore_result=True, max_retries=10)
def retry_revocation(self, revocation_id: int) -> None:
    if not pending_revocation_retry(revocation_id=revocation_id):
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries))
