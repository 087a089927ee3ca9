"""Domains, their applications, users and drives."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q


class Domain(models.Model):
    class StorageMode(models.TextChoices):
        STANDARD = "standard", "Standard"
        HOSTING = "hosting", "Hosting"

    domain_id = models.CharField(
        max_length=63,
        unique=True,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9-]*$", "lowercase letters, digits and dashes")],
    )
    name = models.CharField(max_length=128)
    storage_mode = models.CharField(max_length=16, choices=StorageMode.choices, default=StorageMode.STANDARD)
    # Seed: "the system automatically creates a drive for each user after the user logs on for the first time".
    personal_space_enabled = models.BooleanField(default=True)
    default_drive_size = models.BigIntegerField(null=True, blank=True, help_text="bytes; empty means unlimited")
    is_default = models.BooleanField(default=False, help_text="serves hosts that name no domain")
    # Revision retention (a periodic task): keep at most this many per file and/or none older
    # than this many days; the latest and those marked keep_forever always stay. Empty: no limit.
    revision_keep_count = models.PositiveIntegerField(null=True, blank=True)
    revision_keep_days = models.PositiveIntegerField(null=True, blank=True)
    # Faces, tags, text and similar photos by local models; turning it off removes what
    # the models stored for this domain's drives.
    image_analysis_enabled = models.BooleanField(default=True)
    # Which applications may use the domain (the SDK's published_app_access_strategy):
    # `allow` lets every app in except those listed; `deny` refuses every app but those
    # listed. A refused app cannot authorize and its tokens stop working.
    app_access_effect = models.CharField(
        max_length=8, choices=[("allow", "Allow all apps except"), ("deny", "Deny all apps except")], default="allow"
    )
    app_access_except_app_ids = models.TextField(blank=True, help_text="app ids, one per line")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_domain")
        ]

    def __str__(self) -> str:
        return self.domain_id

    def app_allowed(self, app_id: str) -> bool:
        listed = app_id in {line.strip() for line in self.app_access_except_app_ids.splitlines()}
        return not listed if self.app_access_effect == "allow" else listed


class App(models.Model):
    class AppType(models.TextChoices):
        WEB_SERVER = "web_server", "Web server"
        NATIVE = "native", "Native (desktop and mobile)"
        BROWSER = "browser", "Web browser (implicit)"
        JWT = "jwt", "JWT (server to server)"

    app_id = models.CharField(max_length=64, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="apps")
    name = models.CharField(max_length=128)
    description = models.TextField(blank=True)
    app_type = models.CharField(max_length=16, choices=AppType.choices)
    client_secret_hash = models.CharField(max_length=64, blank=True, editable=False)
    redirect_uris = models.TextField(blank=True, help_text="one exact URI per line")
    scopes = models.JSONField(default=list)
    public_key = models.TextField(blank=True, help_text="PEM RSA public key (JWT apps)")
    allow_service_account = models.BooleanField(default=False, help_text="JWT apps: may use sub_type=service")
    access_token_lifetime = models.PositiveIntegerField(
        null=True, blank=True, help_text="seconds; empty means the server default"
    )
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.app_id})"

    @property
    def redirect_uri_list(self) -> list[str]:
        return [line.strip() for line in self.redirect_uris.splitlines() if line.strip()]

    @property
    def is_confidential(self) -> bool:
        return self.app_type == self.AppType.WEB_SERVER


class PdsUser(models.Model):
    class Role(models.TextChoices):
        SUPERADMIN = "superadmin"
        ADMIN = "admin"
        USER = "user"

    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="users")
    user_id = models.CharField(max_length=64)
    user_name = models.CharField(max_length=128, blank=True)
    nick_name = models.CharField(max_length=128, blank=True)
    email = models.CharField(max_length=254, blank=True)
    phone = models.CharField(max_length=32, blank=True)
    avatar = models.CharField(max_length=1024, blank=True)
    description = models.TextField(blank=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.USER)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ENABLED)
    # Password for the PDS's own user system (the sign-in page); empty means no password sign-in.
    password = models.CharField(max_length=128, blank=True)
    default_drive_id = models.CharField(max_length=32, blank=True)
    user_data = models.JSONField(default=dict, blank=True)
    creator = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    last_login_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "PDS user"
        constraints = [
            models.UniqueConstraint(fields=["domain", "user_id"], name="unique_user_id_per_domain"),
            models.UniqueConstraint(
                fields=["domain", "user_name"], condition=~Q(user_name=""), name="unique_user_name_per_domain"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_name or self.user_id} @ {self.domain_id}"

    @property
    def is_admin(self) -> bool:
        return self.role in (self.Role.ADMIN, self.Role.SUPERADMIN)


class Drive(models.Model):
    class OwnerType(models.TextChoices):
        USER = "user"
        GROUP = "group"

    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="drives")
    drive_name = models.CharField(max_length=1024)
    drive_type = models.CharField(max_length=16, default="normal")
    owner = models.CharField(max_length=64)
    owner_type = models.CharField(max_length=16, choices=OwnerType.choices, default=OwnerType.USER)
    total_size = models.BigIntegerField(null=True, blank=True, help_text="bytes; empty means unlimited")
    used_size = models.BigIntegerField(default=0)
    # Quota held by uploads in progress, so that parallel uploads never exceed total_size.
    reserved_size = models.BigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ENABLED)
    description = models.TextField(blank=True)
    creator = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["domain", "owner_type", "owner", "id"])]

    def __str__(self) -> str:
        return f"{self.drive_name} ({self.drive_id})"

    @property
    def drive_id(self) -> str:
        # PDS drive ids are numeric strings.
        return str(self.pk)
