"""Who a Drive user is at the PDS, and the tokens the server keeps for them.

Tokens are encrypted at rest (accounts.crypto); the browser never sees one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class PdsIdentity(models.Model):
    """The lasting link between a Django user and a PDS user (domain_id, user_id)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pds_identity")
    domain_id = models.CharField(max_length=64)
    pds_user_id = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "PDS identity"
        verbose_name_plural = "PDS identities"
        constraints = [models.UniqueConstraint(fields=["domain_id", "pds_user_id"], name="one_user_per_pds_user")]

    def __str__(self) -> str:
        return f"{self.pds_user_id} @ {self.domain_id}"


class Credential(models.Model):
    """A signed-in user's PDS tokens. Deleted at sign-out."""

    class AuthMode(models.TextChoices):
        OAUTH = "oauth", "OAuth (web-server app)"
        JWT = "jwt", "JWT app"
        ACCESSKEY = "accesskey", "AccessKey pair"
        BASICUI = "basicui", "BasicUI (a site's token)"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pds_credential")
    auth_mode = models.CharField(max_length=16, choices=AuthMode.choices)
    access_token_encrypted = models.TextField(editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    key_id = models.CharField(
        max_length=16, editable=False, help_text="fingerprint of the key that encrypted the tokens"
    )
    access_expires_at = models.DateTimeField(db_index=True)
    scope = models.TextField(blank=True)
    default_drive_id = models.CharField(max_length=32, blank=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    refresh_count = models.PositiveIntegerField(default=0)
    refresh_failures = models.PositiveIntegerField(default=0)
    # Set by beat's sweep when it queues a refresh: a queue that takes longer than beat's
    # interval to drain is not filled twice with the same credentials.
    refresh_queued_until = models.DateTimeField(null=True, blank=True, editable=False)
    dead_at = models.DateTimeField(null=True, blank=True)
    dead_reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"credential of {self.user}"

    @property
    def is_alive(self) -> bool:
        return self.dead_at is None


class PendingRevocation(models.Model):
    """A refresh token whose revocation at sign-out failed; a task retries it."""

    client_id = models.CharField(max_length=64)
    token_encrypted = models.TextField(editable=False)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"revocation {self.pk} for {self.client_id}"
