"""Image analysis: what local models derived from a photo, and the people found in a drive.

What comes from the pixels alone (tags, text, a perceptual hash, each face's box and
embedding) belongs to the blob, derived once however many files share it:
`ImageAnalysis` and its rows. Who a face is belongs to a drive: `PersonFace` puts a face
of one of the drive's photos into one of the drive's `FaceGroup`s, so two drives holding
the same photo group its faces each among their own people. Nothing here leaves the server.
"""

from __future__ import annotations

from django.db import models

from pds_server.models.content import File
from pds_server.models.directory import Drive
from pds_server.models.media import MediaInfo


class ImageAnalysis(models.Model):
    class State(models.TextChoices):
        PENDING = "pending"  # queued, or being analysed
        DONE = "done"
        FAILED = "failed"  # `reason` says why; never retried by itself

    class Kind(models.TextChoices):
        PHOTO = "photo"
        SCREENSHOT = "screenshot"
        DOCUMENT = "document"

    media = models.OneToOneField(MediaInfo, on_delete=models.CASCADE, related_name="analysis")
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=12, choices=Kind.choices, blank=True)
    ocr_text = models.TextField(blank=True)
    ocr_language = models.CharField(max_length=32, blank=True)  # tesseract's, e.g. "eng+chi_sim"
    # 64-bit DCT perceptual hash (imagehash.phash) as a signed integer, and the variance of
    # the Laplacian (higher is sharper): near-duplicates, and which of them to keep.
    phash = models.BigIntegerField(null=True, blank=True)
    sharpness = models.FloatField(null=True, blank=True)
    # Which models produced this row (a new release re-analyses rows of older versions).
    model_version = models.CharField(max_length=32, blank=True)
    analysed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "image analyses"

    def __str__(self) -> str:
        return f"{self.media_id} {self.state}"


class ImageTag(models.Model):
    """One tag of a photo with its confidence; `tag` is a key of the tag vocabulary
    (pds_server/services/analysis/tag_vocabulary.py), which names it in each language."""

    analysis = models.ForeignKey(ImageAnalysis, on_delete=models.CASCADE, related_name="tags")
    tag = models.CharField(max_length=48)
    confidence = models.FloatField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["analysis", "tag"], name="one_tag_per_analysis")]
        indexes = [models.Index(fields=["tag", "analysis"], name="image_tag_lookup")]

    def __str__(self) -> str:
        return f"{self.tag} {self.confidence:.2f}"


class AnalysisTerm(models.Model):
    """The content index: one row per searchable word of a photo (text read in it, its
    tags' names in every language), lowercased; CJK text as single characters and pairs.
    A search word is an index range scan on `term` (equal, or prefix by a range)."""

    analysis = models.ForeignKey(ImageAnalysis, on_delete=models.CASCADE, related_name="terms")
    term = models.CharField(max_length=64)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "analysis"], name="one_term_per_analysis")]

    def __str__(self) -> str:
        return self.term


class DetectedFace(models.Model):
    """A face found in a photo: its box as fractions of the displayed image (orientation
    applied) and dlib's 128-d encoding as little-endian float32 bytes."""

    analysis = models.ForeignKey(ImageAnalysis, on_delete=models.CASCADE, related_name="faces")
    left = models.FloatField()
    top = models.FloatField()
    width = models.FloatField()
    height = models.FloatField()
    embedding = models.BinaryField()

    def __str__(self) -> str:
        return f"face {self.pk} of {self.analysis_id}"


class FaceGroup(models.Model):
    """A person: faces of one drive's photos that belong together (PDS `FaceGroup`)."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="face_groups")
    group_id = models.CharField(max_length=40)
    name = models.CharField(max_length=128, blank=True)
    remarks = models.CharField(max_length=1024, blank=True)
    cover_face = models.ForeignKey("PersonFace", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    image_count = models.PositiveIntegerField(default=0)  # files in the drive showing this person
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["drive", "group_id"], name="face_group_id_per_drive")]

    def __str__(self) -> str:
        return self.name or self.group_id


class PersonFace(models.Model):
    """A detected face as seen in one drive, and the group it is in (none yet, or taken out).
    `rejected_groups` holds the pks of groups a user took this face's photo out of: grouping
    and re-clustering never put it back there."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="person_faces")
    face = models.ForeignKey(DetectedFace, on_delete=models.CASCADE, related_name="in_drives")
    group = models.ForeignKey(FaceGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="faces")
    rejected_groups = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["drive", "face"], name="one_person_face_per_drive")]
        indexes = [models.Index(fields=["drive", "group"], name="person_face_group")]

    def __str__(self) -> str:
        return f"{self.face_id} in {self.group_id}"


class SimilarImageCluster(models.Model):
    """Near-duplicate photos of a drive found by the last `create_similar_image_cluster_task`
    (bursts, resized or re-encoded copies); replaced whole by the next run."""

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="similar_clusters")
    cluster_id = models.CharField(max_length=40)
    files = models.ManyToManyField(File, related_name="+")
    image_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["drive", "cluster_id"], name="similar_cluster_id_per_drive")]

    def __str__(self) -> str:
        return self.cluster_id
