"""AccessKey pairs: a server's credential for a domain, used by signing each request
(`Authorization: acs <id>:<signature>`, services/accesskeys.py) instead of holding a token."""

from __future__ import annotations

from django.db import models

from pds_server.models.directory import App, Domain


class AccessKey(models.Model):
    class Role(models.TextChoices):
        SUPERADMIN = "superadmin", "Super administrator"
        ADMIN = "admin", "Administrator"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=32, unique=True, editable=False)
    # The secret, encrypted with PDS_SECRET_KEYS (services/secrets_box.py): the signature
    # scheme needs the secret itself, so it cannot be stored as a hash.
    secret_encrypted = models.TextField(editable=False)
    # After a rotation the old secret keeps working until this moment, so servers can
    # switch without an outage.
    previous_secret_encrypted = models.TextField(blank=True, editable=False)
    previous_valid_until = models.DateTimeField(null=True, blank=True, editable=False)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.ADMIN)
    description = models.CharField(max_length=256, blank=True)
    enabled = models.BooleanField(default=True)
    # Tokens a key obtains for users belong to this app (AccessToken.app is required); it
    # is disabled with the key, so those tokens stop working too.
    app = models.OneToOneField(App, on_delete=models.PROTECT, related_name="access_key", editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    def __str__(self) -> str:
        return self.access_key_id


class AccessKeyNonce(models.Model):
    """A signature nonce seen within the clock-skew window: a second request with the same
    one is a replay. Rows older than twice the window are purged by housekeeping."""

    access_key_id = models.CharField(max_length=32)
    nonce = models.CharField(max_length=128)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["access_key_id", "nonce"], name="accesskey_nonce_once")]

    def __str__(self) -> str:
        return f"nonce of {self.access_key_id}"
