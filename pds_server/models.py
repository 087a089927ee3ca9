"""Records of the embedded PDS: domains, applications, users, drives, and OAuth grants.

Secrets (client secrets, codes, access and refresh tokens) are stored only as SHA-256
digests: they are long random strings, so a fast hash is enough and lets us look them up.
"""

from __future__ import annotations

import uuid

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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_domain")]

    def __str__(self) -> str:
        return self.domain_id


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
    access_token_lifetime = models.PositiveIntegerField(null=True, blank=True, help_text="seconds; empty means the server default")
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


class UsedAssertion(models.Model):
    """JWT ids already accepted: an assertion's `jti` is never accepted twice."""

    app = models.ForeignKey(App, on_delete=models.CASCADE)
    jti = models.CharField(max_length=128)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "jti"], name="unique_jti_per_app")]


# --- The file service ---------------------------------------------------------------------


class Blob(models.Model):
    """Content-addressed bytes (by SHA-1). Files with equal content share one blob; a blob
    is removed only when no file and no upload refers to it."""

    sha1 = models.CharField(max_length=40, unique=True)  # uppercase hex
    size = models.BigIntegerField()
    pre_hash = models.CharField(max_length=40, db_index=True, help_text="SHA-1 of the first 1024 bytes")
    crc64 = models.CharField(max_length=20)
    storage_name = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.sha1


LISTED = Q(trashed=False, status="available")


class File(models.Model):
    class Type(models.TextChoices):
        FILE = "file"
        FOLDER = "folder"

    class Status(models.TextChoices):
        UPLOADING = "uploading"
        AVAILABLE = "available"

    file_id = models.CharField(max_length=40, unique=True)
    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="files")
    parent_file_id = models.CharField(max_length=40)  # "root" at the top
    name = models.CharField(max_length=1024)
    type = models.CharField(max_length=8, choices=Type.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.AVAILABLE)
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=16, blank=True)
    file_extension = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=40, blank=True)
    content_hash_name = models.CharField(max_length=16, blank=True)
    crc64_hash = models.CharField(max_length=20, blank=True)
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="files")
    revision_id = models.CharField(max_length=40, blank=True)
    # In the recycle bin: `trashed` hides the item and everything under it; `trash_root`
    # marks the item the user put there (what the recycle bin lists and restores).
    trashed = models.BooleanField(default=False)
    trash_root = models.BooleanField(default=False)
    trashed_at = models.DateTimeField(null=True, blank=True)
    starred = models.BooleanField(default=False)
    hidden = models.BooleanField(default=False)
    description = models.TextField(blank=True)
    user_tags = models.JSONField(default=dict, blank=True)
    creator = models.CharField(max_length=64, blank=True)
    local_created_at = models.CharField(max_length=32, blank=True)
    local_modified_at = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        # Keyset pagination: partial indexes over what a folder listing shows (the planner
        # cannot use `NOT trashed` as an index equality), with each sort key and file_id as
        # the tie-break, so a page is an index range scan whatever the folder's size.
        indexes = [
            models.Index(fields=["drive", "parent_file_id", order, "file_id"], name=f"file_list_by_{order}", condition=LISTED)
            for order in ("name", "created_at", "updated_at", "size")
        ] + [
            models.Index(fields=["drive", "trash_root", "trashed_at"], name="file_recycle_bin"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.file_id})"

    @property
    def is_folder(self) -> bool:
        return self.type == self.Type.FOLDER


class Upload(models.Model):
    """An upload in progress: parts arrive by signed PUT, `complete` assembles them."""

    upload_id = models.CharField(max_length=32, unique=True)
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="uploads")
    part_count = models.PositiveIntegerField()
    declared_size = models.BigIntegerField(null=True, blank=True)
    reserved_size = models.BigIntegerField(default=0, help_text="bytes of quota held for this upload")
    revision_id = models.CharField(max_length=40)
    expires_at = models.DateTimeField(db_index=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class UploadPart(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="parts")
    part_number = models.PositiveIntegerField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "part_number"], name="one_row_per_part")]


class AsyncTask(models.Model):
    """A long operation (a big folder's trash, restore, delete or copy) run by Celery."""

    class State(models.TextChoices):
        RUNNING = "Running"
        SUCCEED = "Succeed"
        FAILED = "Failed"
        PARTIAL = "PartialSucceed"

    async_task_id = models.CharField(max_length=40, unique=True)
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE)
    user_id = models.CharField(max_length=64, blank=True)
    operation = models.CharField(max_length=32)
    params = models.JSONField(default=dict)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.TextField(blank=True)
    total_process = models.PositiveIntegerField(default=0)
    consumed_process = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)


class ShareLink(models.Model):
    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    share_id = models.CharField(max_length=64, unique=True)
    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="share_links")
    creator = models.CharField(max_length=64)
    file_ids = models.JSONField(default=list)
    parent_file_id = models.CharField(max_length=40)
    share_name = models.CharField(max_length=1024, blank=True)
    description = models.TextField(blank=True)
    password = models.CharField(max_length=128, blank=True)  # a Django password hash, never the password
    expiration = models.DateTimeField(null=True, blank=True)
    disable_download = models.BooleanField(default=False)
    disable_preview = models.BooleanField(default=False)
    disable_save = models.BooleanField(default=False)
    download_limit = models.PositiveIntegerField(default=0)  # 0 = unlimited
    preview_limit = models.PositiveIntegerField(default=0)
    save_limit = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    preview_count = models.PositiveIntegerField(default=0)
    save_count = models.PositiveIntegerField(default=0)
    access_count = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ENABLED)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["drive", "creator", "id"])]


class Thumbnail(models.Model):
    """A rendered image thumbnail, cached per blob and processing spec."""

    blob = models.ForeignKey(Blob, on_delete=models.CASCADE, related_name="thumbnails")
    spec = models.CharField(max_length=255)
    storage_name = models.CharField(max_length=255)
    size = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blob", "spec"], name="one_thumbnail_per_spec")]
