"""The rendition task's body: a browser-playable copy (H.264 + AAC in an MP4, at most
1080p) of a video browsers cannot play as it is, transcoded by the child process of
videos.py under its limits and kept beside the blob as `thumbnails/<sha1>/rendition.mp4`
(derived data: no quota counts it; it goes with the blob). Served through the signed
content URL with `rendition=1` (services/downloads.py)."""

from __future__ import annotations

import logging
import os
import tempfile

from django.conf import settings
from django.core.files import File as DjangoFile

from pds_server.models import MediaInfo
from pds_server.services.media.images import NotAnalysable
from pds_server.services.media.ingest import blob_local_path
from pds_server.services.media.videos import child_run
from pds_server.storage import blob_store

log = logging.getLogger(__name__)

RenditionState = MediaInfo.RenditionState


class RenditionNotReady(Exception):
    """The video's read has not been saved yet (the task was queued just before): retried."""


def rendition_make(*, media_pk: int) -> str:
    """Transcode the video once; run twice, the second finds it made (or failed). Its state
    ends finished (name and size kept) or failed (the reason kept)."""
    media = MediaInfo.objects.select_related("blob").filter(pk=media_pk, kind=MediaInfo.Kind.VIDEO).first()
    if media is None:
        return "gone"
    if media.state == MediaInfo.State.PENDING:
        raise RenditionNotReady(media_pk)
    if media.state != MediaInfo.State.DONE or media.rendition_state != RenditionState.RUNNING:
        return media.rendition_state or "not needed"
    store = blob_store()
    with tempfile.TemporaryDirectory(prefix="pds-rendition-") as folder:
        target = os.path.join(folder, "rendition.mp4")
        try:
            with blob_local_path(media.blob) as path:
                child_run("render", path, target, timeout=settings.PDS_MEDIA_RENDITION_TIMEOUT)
        except NotAnalysable as error:
            return rendition_fail(media, str(error).replace("reading the video", "making the rendition"))
        size = os.path.getsize(target)
        try:
            with open(target, "rb") as handle:
                name = store.storage.save(f"thumbnails/{media.blob.sha1}/rendition.mp4", DjangoFile(handle))
        except OSError as error:
            if not store.is_full(error):
                raise  # transient: the task is retried
            return rendition_fail(media, "the storage is full")
    made = MediaInfo.objects.filter(pk=media.pk, rendition_state=RenditionState.RUNNING).update(
        rendition_state=RenditionState.FINISHED, rendition_name=name, rendition_size=size
    )
    if not made:  # another worker finished first, or the blob went meanwhile
        store.delete(name)
        return "made elsewhere"
    if media.rendition_name and media.rendition_name != name:  # the one of an earlier read
        store.delete(media.rendition_name)
    return RenditionState.FINISHED


def rendition_fail(media: MediaInfo, reason: str) -> str:
    log.info("no rendition of the video of blob %s: %s", media.blob_id, reason)
    MediaInfo.objects.filter(pk=media.pk, rendition_state=RenditionState.RUNNING).update(
        rendition_state=RenditionState.FAILED, reason=f"rendition: {reason}"[:255]
    )
    return RenditionState.FAILED
