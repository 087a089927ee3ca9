"""The analysis pipeline: after ingest has read a photo (MediaInfo done, its 1920-px
thumbnail made), `analyse_image(media_pk)` runs on the "analysis" queue. It reads that
thumbnail, not the original (a decode of a 12-megapixel JPEG costs more than some models),
and runs each local model: perceptual hash and sharpness, tags, text, kind, faces. The
results replace the blob's earlier ones in one transaction, then the faces are grouped
among the people of every drive that holds the photo.

Idempotent and resumable: a done analysis of the current MODEL_VERSION is not redone (only
its faces are grouped again, which is itself idempotent); a worker killed midway leaves the
row pending and the broker gives the task back; after MAX_ATTEMPTS starts the photo ends
failed, so a photo that kills its analyser cannot take workers down forever. Photos whose
task was lost are found again by the sweep (services/analysis/backfill.py).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from pds_server.models import (
    LISTED,
    AnalysisTerm,
    Drive,
    File,
    ImageAnalysis,
    ImageTag,
    MediaInfo,
)
from pds_server.routers import PDS_DB

log = logging.getLogger(__name__)

# Bump when a model or a step changes what it derives: rows of older versions are analysed again.
MODEL_VERSION = "1:efficientnet-lite0-57934424"
MAX_ATTEMPTS = 3
TERM_MAX = 64


class NotAnalysable(Exception):
    """The photo cannot be analysed (its thumbnail is missing or unreadable)."""


@dataclass
class Findings:
    """What the models derived from one photo, before it is stored."""

    phash: int | None = None
    sharpness: float | None = None
    tags: list[tuple[str, float]] = field(default_factory=list)
    ocr_text: str = ""
    kind: str = ""
    faces: list = field(default_factory=list)  # faces.FoundFace
    seconds: dict[str, float] = field(default_factory=dict)  # CPU seconds per step


# --- Who wants it -----------------------------------------------------------------------------


def enabled_files(media_pk: int):
    """Live files of this photo in drives whose domain has analysis on."""
    return File.objects.filter(LISTED, media_id=media_pk, drive__domain__image_analysis_enabled=True)


def drives_holding(media_pk: int) -> list[int]:
    return sorted(set(enabled_files(media_pk).values_list("drive_id", flat=True)))


def analysis_queue(media_pk: int) -> None:
    from pds_server.tasks import analyse_image

    analyse_image.delay(media_pk)


def analysis_after_ingest(media: MediaInfo) -> None:
    """Ingest read a photo: queue its analysis (the broker being down loses nothing: the
    sweep queues photos left without analysis)."""
    if media.kind != MediaInfo.Kind.IMAGE or media.state != MediaInfo.State.DONE:
        return
    try:
        analysis_queue(media.pk)
    except Exception:  # noqa: BLE001 — the sweep catches up; ingest must not fail for it
        log.warning("analysis of media %s not queued; the sweep will", media.pk, exc_info=True)


# --- The task ---------------------------------------------------------------------------------


def analyse_media(media_pk: int) -> str:
    """Analyse the photo `media_pk` unless done, then group its faces in each drive."""
    media = MediaInfo.objects.select_related("blob").filter(pk=media_pk).first()
    if media is None or media.kind != MediaInfo.Kind.IMAGE or media.state != MediaInfo.State.DONE:
        return "not a photo"
    drives = drives_holding(media_pk)
    if not drives:
        return "off"
    analysis = analysis_of(media)
    if analysis.state == ImageAnalysis.State.FAILED:
        return analysis.state
    if analysis.state != ImageAnalysis.State.DONE or analysis.model_version != MODEL_VERSION:
        analysis = analyse(analysis)
        if analysis.state != ImageAnalysis.State.DONE:
            return analysis.state
    from pds_server.services.analysis.face_groups import group_analysis_faces

    for drive_pk in drives_holding(media_pk):  # again: a domain may have switched off meanwhile
        group_analysis_faces(drive_pk, analysis.pk)
    return analysis.state


def analysis_of(media: MediaInfo) -> ImageAnalysis:
    try:
        with transaction.atomic(using=PDS_DB):
            analysis, _ = ImageAnalysis.objects.get_or_create(media=media)
    except IntegrityError:  # made at this moment by another worker
        analysis = ImageAnalysis.objects.get(media=media)
    return analysis


def analyse(analysis: ImageAnalysis) -> ImageAnalysis:
    ImageAnalysis.objects.filter(pk=analysis.pk).update(attempts=F("attempts") + 1)
    analysis.refresh_from_db()
    if analysis.attempts > MAX_ATTEMPTS:
        return analysis_fail(analysis, f"analysis did not finish in {MAX_ATTEMPTS} attempts")
    media = analysis.media
    try:
        image = picture_of(media)
    except NotAnalysable as error:
        return analysis_fail(analysis, str(error))
    try:
        found = findings_of(image, media=media)
    finally:
        image.close()
    if not analysis_store(analysis, found):  # analysed by another worker, or switched off meanwhile
        return ImageAnalysis.objects.filter(pk=analysis.pk).first() or analysis
    log.info("analysed media %s: %s", media.pk, {step: round(s, 3) for step, s in found.seconds.items()})
    return analysis


def picture_of(media: MediaInfo):
    """The photo as ingest drew it at 1920 px (orientation applied), in RGB."""
    from PIL import Image

    from pds_server.models import Thumbnail
    from pds_server.services.thumbnails import FIXED_PROCESSES, parse_image_process, process_spec
    from pds_server.storage import blob_store

    spec = process_spec(parse_image_process(FIXED_PROCESSES[-1]))
    made = Thumbnail.objects.filter(blob_id=media.blob_id, spec=spec).first()
    if made is None:
        raise NotAnalysable("the photo has no thumbnail to analyse")
    try:
        with blob_store().open(made.storage_name) as stream:
            image = Image.open(stream)
            image.load()
    except (OSError, ValueError) as error:
        raise NotAnalysable(f"the photo's thumbnail cannot be read: {type(error).__name__}") from error
    return image.convert("RGB") if image.mode != "RGB" else image


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (tesseract runs as one)."""
    now = os.times()
    return now.user + now.system + now.children_user + now.children_system


def findings_of(image, *, media: MediaInfo) -> Findings:
    """Run every model on `image`, keeping each step's CPU seconds for the log and the benchmark."""
    from pds_server.services.analysis import classify, faces, ocr, similar

    found = Findings()
    started = cpu_seconds()

    def step_done(step: str) -> None:
        nonlocal started
        now = cpu_seconds()
        found.seconds[step], started = now - started, now

    found.phash, found.sharpness = similar.perceptual_hash(image), similar.sharpness(image)
    step_done("hash")
    found.tags = classify.classify(image)
    step_done("tags")
    try:
        found.ocr_text = ocr.read_text(image)
    except ocr.OcrError as error:  # a photo tesseract cannot read still gets its tags and faces
        log.warning("text of media %s not read: %s", media.pk, error)
    step_done("text")
    extension = File.objects.filter(media=media).values_list("file_extension", flat=True).first() or ""
    has_camera = bool(media.camera_make or media.camera_model)
    found.kind = classify.photo_kind(image, ocr_text=found.ocr_text, has_camera=has_camera, file_extension=extension)
    if found.kind in ("screenshot", "document") and all(tag != found.kind for tag, _ in found.tags):
        found.tags.append((found.kind, 1.0))
    step_done("kind")
    found.faces = faces.detect_faces(image)
    step_done("faces")
    return found


def analysis_store(analysis: ImageAnalysis, found: Findings) -> bool:
    """Replace what earlier runs stored for this photo with `found`, at once. The row is
    claimed first by one conditional UPDATE (a row lock on PostgreSQL, the write lock on
    SQLite): a second worker that analysed the same photo meanwhile, or a domain switched
    off meanwhile (its rows deleted, or no drive wanting them any more), stores nothing.
    Returns whether it stored."""
    from pds_server.services.analysis.face_groups import faces_store
    from pds_server.services.analysis.ocr import LANGUAGES
    from pds_server.services.analysis.text_terms import terms_of_text

    terms = {term for term in terms_of_text(found.ocr_text) if term and len(term) <= TERM_MAX}
    now = timezone.now()
    with transaction.atomic(using=PDS_DB):
        claimed = (
            ImageAnalysis.objects.filter(pk=analysis.pk)
            .exclude(state=ImageAnalysis.State.DONE, model_version=MODEL_VERSION)
            .exclude(state=ImageAnalysis.State.FAILED)
            .update(
                phash=found.phash,
                sharpness=found.sharpness,
                ocr_text=found.ocr_text,
                kind=found.kind,
                ocr_language=LANGUAGES,
                state=ImageAnalysis.State.DONE,
                reason="",
                attempts=0,  # a later model version starts with a full budget of attempts
                model_version=MODEL_VERSION,
                analysed_at=now,
            )
        )
        if not claimed or not drives_holding(analysis.media_id):
            transaction.set_rollback(True, using=PDS_DB)
            return False
        ImageTag.objects.filter(analysis=analysis).delete()
        AnalysisTerm.objects.filter(analysis=analysis).delete()
        ImageTag.objects.bulk_create(
            ImageTag(analysis=analysis, tag=tag, confidence=round(confidence, 4)) for tag, confidence in found.tags
        )
        AnalysisTerm.objects.bulk_create(AnalysisTerm(analysis=analysis, term=term) for term in sorted(terms))
        # A face found again where it was keeps its row: its groups and a user's removals stay.
        faces_store(analysis_pk=analysis.pk, found=found.faces)
    analysis.refresh_from_db()
    return True


def analysis_fail(analysis: ImageAnalysis, reason: str) -> ImageAnalysis:
    log.info("photo of media %s is not analysable: %s", analysis.media_id, reason)
    analysis.state, analysis.reason, analysis.analysed_at = ImageAnalysis.State.FAILED, reason[:255], timezone.now()
    analysis.save(update_fields=["state", "reason", "analysed_at"])
    return analysis


def drive_pks_of_domain(domain_pk: int) -> list[int]:
    return list(Drive.objects.filter(domain_id=domain_pk).values_list("pk", flat=True))
