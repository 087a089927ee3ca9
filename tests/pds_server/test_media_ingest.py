"""Ingest in a real Celery worker: photos uploaded over HTTP get their capture time (EXIF
with its offset, else a date in the name, else the file's time), camera, place and
thumbnails with the orientation applied, within seconds; hostile files end "not
analysable" with a reason while the worker goes on serving; files stored before ingest
are read by the backfill command, which resumes where it stopped."""

from __future__ import annotations

import base64
import io
import json
import shutil
import time
from datetime import UTC, datetime, timedelta

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from pds_server.models import File, MediaInfo, Thumbnail
from pds_server.services.media.backfill import media_reread, media_sweep
from pds_server.services.media.ingest import media_ingest
from pds_server.services.thumbnails import FIXED_PROCESSES
from tests.celery_worker import start_worker
from tests.pds_server import media_files

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def empty_queue() -> None:
    """Tasks other tests queued (their files are gone) stay out of this test's worker."""
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)


def wait_for_media(file_ids: list[str], worker, log_path, timeout: float = 60) -> dict[str, File]:
    deadline = time.monotonic() + timeout
    while True:
        files = {item.file_id: item for item in File.objects.select_related("media").filter(file_id__in=file_ids)}
        if all(item.media and item.media.state != MediaInfo.State.PENDING for item in files.values()):
            return files
        assert worker.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, f"not read in {timeout} s: " + log_path.read_text()[-3000:]
        time.sleep(0.2)


def picture_of(url: str) -> Image.Image:
    reply = requests.get(url, timeout=30)
    assert reply.status_code == 200, reply.text
    return Image.open(io.BytesIO(reply.content)).convert("RGB")


@pytest.mark.slow
def test_a_worker_reads_photos_after_upload_and_survives_hostile_files(alice, settings, tmp_path):
    empty_queue()
    log_path = tmp_path / "worker.log"
    worker = start_worker("filesystem://", log_path, settings)
    try:
        uploads = {
            # Stored landscape, left red and right blue; orientation 6 shows it turned a
            # quarter clockwise: portrait, red on top.
            "hangzhou.jpg": media_files.photo(
                size=(640, 480), gps=(30.2741, 120.1551), orientation=6, split=(20, 20, 220)
            ),
            "paris.heic": media_files.photo(
                fmt="HEIF", taken="2023:05:06 07:08:09", offset="+02:00", gps=(48.8566, 2.3522)
            ),
            "IMG_20190203_101112.jpg": media_files.photo(taken=None, offset=None),
            "scan.png": media_files.photo(taken=None, offset=None, fmt="PNG"),
            "truncated.jpg": media_files.truncated_jpeg(),
            "bomb.png": media_files.decompression_bomb_png(),
            "frames.gif": media_files.gif_of_frames(100_000),
            "notes.txt": b"not a photo",
        }
        ids = {
            name: alice.upload(name, data, local_created_at="2024-01-02T03:04:05Z")["file_id"]
            for name, data in uploads.items()
        }
        photos = [file_id for name, file_id in ids.items() if name != "notes.txt"]
        files = wait_for_media(photos, worker, log_path)

        hangzhou = files[ids["hangzhou.jpg"]]
        assert hangzhou.image_time == datetime(2021, 7, 4, 10, 30, tzinfo=UTC)  # 18:30 at +08:00
        assert hangzhou.image_time_source == "exif"
        media = hangzhou.media
        assert media.state == MediaInfo.State.DONE
        assert (media.width, media.height, media.orientation, media.taken_offset) == (480, 640, 6, 480)
        assert (media.camera_make, media.camera_model, media.exposure_time, media.iso) == (
            "Canon",
            "EOS R5",
            "1/125",
            400,
        )
        assert (round(media.latitude, 3), round(media.longitude, 3)) == (30.274, 120.155)
        assert "Zhejiang" in media.province and media.city and media.country
        assert media.exif["DateTimeOriginal"] == "2021:07:04 18:30:00"

        heic = files[ids["paris.heic"]].media
        assert heic.state == MediaInfo.State.DONE and (heic.width, heic.height) == (640, 480)
        assert files[ids["paris.heic"]].image_time == datetime(2023, 5, 6, 5, 8, 9, tzinfo=UTC)
        assert "le-de-France" in heic.province or heic.city == "Paris"

        named = files[ids["IMG_20190203_101112.jpg"]]
        assert (named.image_time, named.image_time_source) == (datetime(2019, 2, 3, 10, 11, 12, tzinfo=UTC), "name")
        scan = files[ids["scan.png"]]
        assert (scan.image_time, scan.image_time_source) == (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "file")

        reasons = {name: files[ids[name]].media.reason for name in ("truncated.jpg", "bomb.png", "frames.gif")}
        for name in reasons:
            assert files[ids[name]].media.state == MediaInfo.State.FAILED, name
            assert files[ids[name]].image_time is None, name  # not a photo: off the timeline
        assert "truncated" in reasons["truncated.jpg"]
        assert "megapixels" in reasons["bomb.png"]
        assert "frames" in reasons["frames.gif"]
        assert File.objects.get(file_id=ids["notes.txt"]).media is None

        # Thumbnails at the fixed sizes were made by ingest, orientation applied.
        specs = set(Thumbnail.objects.filter(blob=hangzhou.blob).values_list("spec", flat=True))
        assert len(specs) == len(FIXED_PROCESSES)
        got = alice.ok("file/get", {"file_id": ids["hangzhou.jpg"], "image_thumbnail_process": FIXED_PROCESSES[1]})
        picture = picture_of(got["thumbnail_urls"]["thumbnail"])
        assert picture.size == (360, 480)
        top, bottom = picture.getpixel((180, 60)), picture.getpixel((180, 420))
        assert top[0] > 150 and top[2] < 80, top  # red above
        assert bottom[2] > 150 and bottom[0] < 80, bottom  # blue below

        # The worker still serves after the hostile files: a new photo is read.
        later = alice.upload("later.jpg", media_files.photo(taken="2020:01:01 00:00:00", offset="-05:00"))["file_id"]
        assert wait_for_media([later], worker, log_path)[later].image_time == datetime(2020, 1, 1, 5, tzinfo=UTC)

        # Run again: the same result, nothing read twice.
        before = MediaInfo.objects.get(pk=media.pk).analysed_at
        assert media_ingest(file_pk=hangzhou.pk) == "done"
        again = File.objects.select_related("media").get(pk=hangzhou.pk)
        assert again.image_time == hangzhou.image_time and again.media.analysed_at == before
    finally:
        worker.terminate()
        worker.wait(20)


@pytest.mark.slow
def test_copies_and_equal_content_take_what_was_read_without_a_second_read(alice):
    data = media_files.photo(taken="2018:08:08 08:08:08", offset="+00:00")
    first = alice.upload("first.jpg", data)["file_id"]
    item = File.objects.get(file_id=first)
    assert item.media_id is None and item.image_time is None  # no worker ran: queued only
    assert media_ingest(file_pk=item.pk) == "done"
    analysed = MediaInfo.objects.get().analysed_at

    # Equal content uploaded again (instant upload or not) and a copy: read at once.
    second = alice.upload("second.jpg", data)["file_id"]
    copied = alice.ok("file/copy", {"file_id": first, "to_parent_file_id": "root", "new_name": "copy.jpg"}, 201)
    copy_id = copied.get("file_id")
    for file_id in (second, copy_id):
        row = File.objects.get(file_id=file_id)
        assert row.image_time == datetime(2018, 8, 8, 8, 8, 8, tzinfo=UTC), file_id
    assert MediaInfo.objects.count() == 1 and MediaInfo.objects.get().analysed_at == analysed


@pytest.mark.slow
def test_backfill_reads_files_stored_before_ingest_and_resumes(alice, capsys):
    ids = [
        alice.upload(f"old-{n}.jpg", media_files.photo(taken=f"2015:0{n + 1}:01 12:00:00"))["file_id"] for n in range(3)
    ]
    File.objects.filter(file_id__in=ids).update(media=None, image_time=None)
    empty_queue()  # their tasks are lost: as if stored before ingest existed

    call_command("pds_media_backfill", "--inline", "--batch", "2")
    out = capsys.readouterr().out
    assert "3 file(s) to read" in out and "read 2/3" in out and "read 3/3" in out
    times = dict(File.objects.filter(file_id__in=ids).values_list("file_id", "image_time"))
    assert [times[file_id].month for file_id in ids] == [1, 2, 3]

    call_command("pds_media_backfill", "--inline")  # nothing left: nothing read twice
    assert "0 file(s) to read" in capsys.readouterr().out


def test_the_sweep_queues_again_reads_that_were_lost_and_leaves_fresh_ones(alice):
    stale, fresh = (
        alice.upload(f"{name}.jpg", media_files.photo(size=(64, 48)))["file_id"] for name in ("stale", "fresh")
    )
    File.objects.filter(file_id=stale).update(updated_at=timezone.now() - timedelta(minutes=30))
    empty_queue()  # both tasks lost
    assert media_sweep() == 1
    queued = list((django_settings.BROKER_DIR / "queue").iterdir())
    assert len(queued) == 1
    message = json.loads(queued[0].read_text())
    args = json.loads(base64.b64decode(message["body"]))[0]
    assert (message["headers"]["task"], args) == ("pds_server.tasks.ingest_media", [File.objects.get(file_id=stale).pk])
    assert File.objects.get(file_id=fresh).media is None


def test_read_again_puts_a_failed_read_back_in_the_queue(alice):
    file_id = alice.upload("broken.jpg", media_files.truncated_jpeg())["file_id"]
    item = File.objects.get(file_id=file_id)
    assert media_ingest(file_pk=item.pk) == "failed"
    media = MediaInfo.objects.get(blob=item.blob)
    empty_queue()
    assert media_reread([media.pk]) == 1
    media.refresh_from_db()
    assert (media.state, media.reason, media.attempts) == (MediaInfo.State.PENDING, "", 0)
    assert len(list((django_settings.BROKER_DIR / "queue").iterdir())) == 1


def test_camera_raw_is_read_through_libraw_and_gets_thumbnails(alice):
    file_id = alice.upload("DSC_0001.dng", media_files.dng(size=(512, 384)))["file_id"]
    item = File.objects.get(file_id=file_id)
    assert item.category == "image"
    assert media_ingest(file_pk=item.pk) == "done"
    item.refresh_from_db()
    media = item.media
    assert (media.width, media.height, media.camera_make, media.camera_model) == (512, 384, "Nikon", "Z 6II")
    assert (item.image_time, item.image_time_source) == (datetime(2020, 2, 2, 10, 20, 30, tzinfo=UTC), "exif")
    # Any size, fixed or not, comes from what ingest developed (Pillow cannot open a DNG).
    for process in (FIXED_PROCESSES[1], "image/resize,m_fill,w_100,h_100"):
        got = alice.ok("file/get", {"file_id": file_id, "image_thumbnail_process": process})
        assert picture_of(got["thumbnail_urls"]["thumbnail"]).size in ((256, 192), (100, 100))
