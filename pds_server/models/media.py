"""Photos and videos: what the ingest pipeline read from a blob, and albums (PDS stories).

What comes from the bytes (size, camera, EXIF time, GPS and its place, a video's streams,
its poster and browser-playable rendition) belongs to the blob, read once however many
files share it: `MediaInfo`. What depends on the file too (the capture time when the bytes
have none: a date in the file's name, else the file's own time) is on the file
(`File.image_time`, `File.image_time_source`), indexed with the drive so that a timeline
page and a time-range search are index range scans.
"""

from __future__ import annotations

from django.db import models

from pds_server.models.content import Blob, File
from pds_server.models.directory import Drive


class MediaInfo(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image"
        VIDEO = "video"

    class State(models.TextChoices):
        PENDING = "pending"  # queued, or being read
        DONE = "done"
        FAILED = "failed"  # not analysable: `reason` says why; never retried by itself

    class RenditionState(models.TextChoices):
        NONE = "", "none"  # the original plays in browsers, or not a video
        RUNNING = "running"
        FINISHED = "finished"
        FAILED = "failed"

    blob = models.OneToOneField(Blob, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    width = models.PositiveIntegerField(null=True, blank=True)  # as displayed (orientation applied)
    height = models.PositiveIntegerField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(null=True, blank=True)  # EXIF 1-8
    # The capture time as an instant; `taken_offset` (minutes east of UTC) when the file
    # says which zone it was taken in, else null and `taken_at` holds the wall clock as UTC.
    taken_at = models.DateTimeField(null=True, blank=True)
    taken_offset = models.SmallIntegerField(null=True, blank=True)
    camera_make = models.CharField(max_length=128, blank=True)
    camera_model = models.CharField(max_length=128, blank=True, db_index=True)
    lens_model = models.CharField(max_length=128, blank=True)
    exposure_time = models.CharField(max_length=32, blank=True)  # "1/125"
    f_number = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True)  # millimetres
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    country = models.CharField(max_length=128, blank=True)
    province = models.CharField(max_length=128, blank=True)
    city = models.CharField(max_length=128, blank=True, db_index=True)
    district = models.CharField(max_length=128, blank=True)
    township = models.CharField(max_length=128, blank=True)
    address_line = models.CharField(max_length=512, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    # Videos.
    duration = models.FloatField(null=True, blank=True)  # seconds
    frame_rate = models.FloatField(null=True, blank=True)
    frame_count = models.PositiveIntegerField(null=True, blank=True)
    video_codec = models.CharField(max_length=32, blank=True)
    audio_codec = models.CharField(max_length=32, blank=True)
    bit_rate = models.PositiveBigIntegerField(null=True, blank=True)
    audio_bit_rate = models.PositiveBigIntegerField(null=True, blank=True)
    # A JPEG frame of the video, the source of its thumbnails (storage name, beside the blob).
    poster_name = models.CharField(max_length=255, blank=True)
    # A browser-playable H.264/AAC MP4 of a video the browser cannot play as it is.
    rendition_state = models.CharField(max_length=8, choices=RenditionState.choices, blank=True, default="")
    rendition_name = models.CharField(max_length=255, blank=True)
    rendition_size = models.BigIntegerField(null=True, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["state", "id"], name="media_by_state")]

    def __str__(self) -> str:
        return f"{self.kind} media of blob {self.blob_id} ({self.state})"


class Story(models.Model):
    """An album (story_type `PeopleMemory`/`TimeMemory`/... for generated ones; albums the
    user makes are `custom`)."""

    # Unique in its drive only: a client may choose the id (the SDK's create answers none),
    # and a refusal must not tell it that another drive has one of that name.
    story_id = models.CharField(max_length=40)
    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="stories")
    story_name = models.CharField(max_length=256)
    story_type = models.CharField(max_length=32)
    story_sub_type = models.CharField(max_length=32, blank=True)
    story_start_time = models.DateTimeField(null=True, blank=True)
    story_end_time = models.DateTimeField(null=True, blank=True)
    cover_file_id = models.CharField(max_length=40, blank=True)
    custom_labels = models.JSONField(default=dict, blank=True)
    creator = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "stories"
        constraints = [models.UniqueConstraint(fields=["drive", "story_id"], name="story_id_per_drive")]
        indexes = [models.Index(fields=["drive", "created_at"], name="story_by_created")]

    def __str__(self) -> str:
        return f"{self.story_name} ({self.story_id})"


class StoryFile(models.Model):
    """A file in an album; `position` orders them (the order they were added)."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="entries")
    file = models.ForeignKey(File, on_delete=models.CASCADE, related_name="story_entries")
    position = models.PositiveIntegerField(default=0)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["story", "file"], name="file_once_per_story")]
        indexes = [models.Index(fields=["story", "position"], name="story_file_order")]

    def __str__(self) -> str:
        return f"file {self.file_id} in story {self.story_id}"
