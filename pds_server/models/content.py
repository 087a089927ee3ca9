"""A drive's files, their content-addressed blobs, uploads, long tasks and share links."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from pds_server.models.directory import Domain, Drive


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
    # Photos and videos (models/media.py): what ingest read from the content, and the
    # capture time the timeline orders by, with where it came from (exif, name or file).
    media = models.ForeignKey(
        "pds_server.MediaInfo", on_delete=models.SET_NULL, null=True, blank=True, related_name="files"
    )
    image_time = models.DateTimeField(null=True, blank=True)
    image_time_source = models.CharField(max_length=8, blank=True)

    class Meta:
        # Keyset pagination: partial indexes over what a folder listing shows (the planner
        # cannot use `NOT trashed` as an index equality), with each sort key and file_id as
        # the tie-break, so a page is an index range scan whatever the folder's size.
        indexes = [
            models.Index(
                fields=["drive", "parent_file_id", order, "file_id"], name=f"file_list_by_{order}", condition=LISTED
            )
            for order in ("name", "created_at", "updated_at", "size")
        ] + [
            models.Index(fields=["drive", "trash_root", "trashed_at"], name="file_recycle_bin"),
            # Every child of a folder, trashed or not (the partial indexes above hold only the
            # listed ones): moving a folder to the recycle bin, deleting or copying it, and
            # walking a shared folder read level by level through this, not the whole table.
            models.Index(fields=["drive", "parent_file_id", "file_id"], name="file_children"),
            # A folder's subfolders (the move and copy dialogs): a range scan even in a folder
            # of a million files.
            models.Index(
                fields=["drive", "parent_file_id", "name", "file_id"],
                name="file_subfolders_by_name",
                condition=LISTED & Q(type="folder"),
            ),
            # Search across the whole drive, newest first (Drive's search page).
            models.Index(fields=["drive", "updated_at", "file_id"], name="file_drive_by_updated_at", condition=LISTED),
            # The Photos timeline and capture-time ranges: one range scan per page.
            models.Index(
                fields=["drive", "image_time", "file_id"],
                name="file_timeline",
                condition=LISTED & Q(image_time__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.file_id})"

    @property
    def is_folder(self) -> bool:
        return self.type == self.Type.FOLDER


class Revision(models.Model):
    """One version of a file's content. Every version, the latest included, has a row; the
    file's own fields (blob, size, hashes, revision_id) are those of its latest revision."""

    revision_id = models.CharField(max_length=40, unique=True)
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField()  # revision_version: 1, 2, ... per file
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="revisions")
    name = models.CharField(max_length=1024)  # revision_name: the file's name when it was written
    size = models.BigIntegerField(default=0)
    content_type = models.CharField(max_length=255, blank=True)
    file_extension = models.CharField(max_length=64, blank=True)
    content_hash = models.CharField(max_length=40, blank=True)
    content_hash_name = models.CharField(max_length=16, blank=True)
    crc64_hash = models.CharField(max_length=20, blank=True)
    creator = models.CharField(max_length=64, blank=True)
    keep_forever = models.BooleanField(default=False)
    description = models.TextField(blank=True)  # revision_description, at most 1024 characters
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["file", "version"], name="one_revision_per_version")]
        indexes = [models.Index(fields=["file", "-version"], name="revision_newest_first")]

    def __str__(self) -> str:
        return f"revision {self.version} of file {self.file_id}"


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
    # The digest chain (services/upload_digest.py): the resumable digest of parts
    # 1..digest_through, their names and sizes folded in; a part sent again for a number it
    # covers resets it and bumps the epoch. Only conditional updates move it.
    digest_state = models.BinaryField(null=True, blank=True, editable=False)
    digest_through = models.PositiveIntegerField(default=0)
    digest_epoch = models.PositiveIntegerField(default=0)
    # On local disk: parts 1..assembled_through are copied into the epoch's scratch file.
    assembled_through = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"upload {self.upload_id}"


class UploadPart(models.Model):
    upload = models.ForeignKey(Upload, on_delete=models.CASCADE, related_name="parts")
    part_number = models.PositiveIntegerField()
    size = models.BigIntegerField()
    etag = models.CharField(max_length=64)
    storage_name = models.CharField(max_length=255)
    uploaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["upload", "part_number"], name="one_row_per_part")]

    def __str__(self) -> str:
        return f"part {self.part_number} of upload {self.upload_id}"


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
    # Crash safety (services/async_tasks.py): a worker runs the job only while it holds the
    # claim; the lease is renewed with every chunk, and a job whose lease expired is queued
    # again by the periodic sweep, or failed once it has been tried `attempts` times.
    claimed_by = models.CharField(max_length=128, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    # Where the job stopped, saved in the same transaction as each chunk of its work.
    checkpoint = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "lease_expires_at"], name="async_task_lease")]

    def __str__(self) -> str:
        return f"{self.operation} {self.async_task_id} ({self.state})"


class ShareLink(models.Model):
    class Status(models.TextChoices):
        ENABLED = "enabled"
        DISABLED = "disabled"

    share_id = models.CharField(max_length=64, unique=True)
    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="share_links")
    creator = models.CharField(max_length=64)
    file_ids = models.JSONField(default=list)
    parent_file_id = models.CharField(max_length=40)
    # An album's link (an extension): the link shows the story's files as they are now,
    # not as they were when it was made; file_ids is then empty.
    story_id = models.CharField(max_length=40, blank=True)
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

    def __str__(self) -> str:
        return f"share {self.share_id}"


class Thumbnail(models.Model):
    """A rendered image thumbnail, cached per blob and processing spec."""

    blob = models.ForeignKey(Blob, on_delete=models.CASCADE, related_name="thumbnails")
    spec = models.CharField(max_length=255)
    storage_name = models.CharField(max_length=255)
    size = models.BigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["blob", "spec"], name="one_thumbnail_per_spec")]

    def __str__(self) -> str:
        return f"thumbnail {self.spec} of blob {self.blob_id}"
