"""OAuth grants. Secrets (client secrets, codes, access and refresh tokens) are stored only
as SHA-256 digests: they are long random strings, so a fast hash is enough and lets us look
them up."""

from __future__ import annotations

import uuid

from django.db import models

from pds_server.models.directory import App, Domain, PdsUser


class AuthorizationCode(models.Model):
    code_hash = models.CharField(max_length=64, unique=True)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE)
    redirect_uri = models.TextField()
    scopes = models.JSONField(default=list)
    code_challenge = models.CharField(max_length=128, blank=True)
    # Every token issued for this code carries this family, so a replayed code can revoke them.
    family = models.UUIDField(default=uuid.uuid4, editable=False)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"authorization code for {self.app_id} (user {self.user_id})"


class RefreshToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE, null=True, blank=True)
    subject_type = models.CharField(max_length=16, default="user")
    scopes = models.JSONField(default=list)
    # All refresh tokens descending from one grant share a family: reuse of a rotated one revokes it all.
    family = models.UUIDField(db_index=True)
    family_expires_at = models.DateTimeField()
    idle_expires_at = models.DateTimeField()
    rotated_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"refresh token #{self.pk}"


class AccessToken(models.Model):
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE, null=True, blank=True)
    subject_type = models.CharField(max_length=16, default="user")
    scopes = models.JSONField(default=list)
    family = models.UUIDField(null=True, blank=True, db_index=True)
    grant_type = models.CharField(max_length=64)
    expires_at = models.DateTimeField(db_index=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"access token #{self.pk}"

    @property
    def is_service(self) -> bool:
        return self.subject_type == "service"


class Consent(models.Model):
    """What a user has allowed an app, so the consent page is shown once."""

    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE)
    app = models.ForeignKey(App, on_delete=models.CASCADE)
    scopes = models.JSONField(default=list)
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "app"], name="one_consent_per_user_app")]

    def __str__(self) -> str:
        return f"consent of user {self.user_id} to app {self.app_id}"


class UsedAssertion(models.Model):
    """JWT ids already accepted: an assertion's `jti` is never accepted twice."""

    app = models.ForeignKey(App, on_delete=models.CASCADE)
    jti = models.CharField(max_length=128)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "jti"], name="unique_jti_per_app")]

    # --- The file service ---------------------------------------------------------------------

    def __str__(self) -> str:
        return f"assertion {self.jti}"
