"""A video on the wire once ingest has read it: thumbnails from its poster like a photo's,
and a rendition whose task was lost is queued again by the sweep."""

from __future__ import annotations

import base64
import io
import json
import shutil
from datetime import timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.utils import timezone
from PIL import Image

from pds_server.models import File, MediaInfo
from pds_server.services.media.backfill import media_sweep
from pds_server.services.media.ingest import media_ingest
from tests.pds_server.media_files import video

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def test_a_video_with_a_poster_has_thumbnails_like_a_photo(alice):
    file_id = alice.upload("clip.mp4", video(size=(320, 240)))["file_id"]
    assert "thumbnail_urls" not in alice.ok("file/get", {"file_id": file_id, "image_thumbnail_process": "x"})
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) == "done"
    process = "image/resize,m_lfit,w_480,h_480"
    for body in (
        alice.ok("file/get", {"file_id": file_id, "video_thumbnail_process": process, "fields": "*"}),
        alice.ok("file/list", {"parent_file_id": "root", "video_thumbnail_process": process})["items"][0],
    ):
        url = body["thumbnail_urls"]["thumbnail"]
        picture = Image.open(io.BytesIO(requests.get(url, timeout=30).content))
        assert picture.size == (320, 240)
    assert alice.ok("file/get", {"file_id": file_id, "fields": "thumbnail"})["thumbnail"]


def test_the_sweep_queues_again_a_rendition_whose_task_was_lost(alice):
    file_id = alice.upload("old.avi", video("mpeg4", fmt="avi"))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) == "done"
    media = MediaInfo.objects.get()
    assert media.rendition_state == MediaInfo.RenditionState.RUNNING
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
    assert media_sweep() == 0  # just queued: not lost yet
    long_ago = timezone.now() - timedelta(seconds=django_settings.PDS_MEDIA_RENDITION_TIMEOUT, minutes=20)
    MediaInfo.objects.filter(pk=media.pk).update(analysed_at=long_ago)
    assert media_sweep() == 1
    (queued,) = (django_settings.BROKER_DIR / "queue").iterdir()
    message = json.loads(queued.read_text())
    args = json.loads(base64.b64decode(message["body"]))[0]
    assert (message["headers"]["task"], args) == ("pds_server.tasks.render_video", [media.pk])
