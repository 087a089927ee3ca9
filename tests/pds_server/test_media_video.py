"""Videos in a real Celery worker: real files made here with PyAV (an H.264 MP4 with its
capture time and place, an HEVC MP4 and an MPEG-4 AVI browsers cannot play, and hostile
ones) are uploaded over HTTP; the worker reads their facts and poster in a child process
under time and memory limits, makes browser-playable renditions, and survives the hostile
files; `file/get_video_preview_play_info` hands out a signed URL whose bytes, fetched with
Range, are an MP4 that plays, to the drive's user (through the official SDK) and to a
share's visitor."""

from __future__ import annotations

import io
import os
import random
import shutil
import tempfile
import time
from datetime import UTC, datetime
from fractions import Fraction

import av
import numpy
import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.runtime import RuntimeOptions
from django.conf import settings as django_settings
from PIL import Image

from pds_server.models import File, MediaInfo, Thumbnail
from pds_server.services import downloads
from pds_server.services.fsck import fsck_scan
from pds_server.services.media import videos
from pds_server.services.media.images import NotAnalysable
from pds_server.services.media.video_child import parse_iso6709
from pds_server.services.thumbnails import FIXED_PROCESSES
from pds_server.storage import blob_store
from tests.celery_worker import start_worker
from tests.pds_server.media_files import RATE, video

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


# --- Videos made here -------------------------------------------------------------------------


def garbage_frames() -> bytes:
    """A valid MP4 header (ftyp, moov: an H.264 stream of 2 s) over frames of random bytes."""
    data = bytearray(video("libx264", audio=False))
    mdat = data.index(b"mdat") + 4
    moov = data.index(b"moov") - 4
    end = moov if moov > mdat else len(data)
    noise = random.Random(14)
    data[mdat:end] = bytes(noise.getrandbits(8) for _ in range(end - mdat))
    return bytes(data)


def huge_frames(side: int = 16_000) -> bytes:
    """An AVI of three Motion-JPEG frames of side × side pixels (256 megapixels each, 3 MB
    in the file): the decoder needs a quarter of a gigabyte per frame."""
    out_jpeg = io.BytesIO()
    Image.new("L", (side, side), 128).save(out_jpeg, "JPEG", quality=50)
    jpeg = out_jpeg.getvalue()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "huge.avi")
        with av.open(path, "w") as out:
            stream = out.add_stream("mjpeg", rate=1)
            stream.width = stream.height = 64  # the frames say what they are
            stream.pix_fmt = "yuvj420p"
            for index in range(3):
                packet = av.Packet(jpeg)
                packet.stream, packet.pts, packet.dts, packet.time_base = stream, index, index, Fraction(1, 1)
                out.mux(packet)
        with open(path, "rb") as handle:
            return handle.read()


# --- Helpers ----------------------------------------------------------------------------------


def empty_queue() -> None:
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)


def wait_until(check, worker, log_path, what: str, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert worker.poll() is None, log_path.read_text()
        assert time.monotonic() < deadline, f"{what} not in {timeout} s: " + log_path.read_text()[-3000:]
        time.sleep(0.3)


def media_of(file_ids: list[str]) -> dict[str, MediaInfo] | None:
    files = {item.file_id: item for item in File.objects.select_related("media").filter(file_id__in=file_ids)}
    if all(item.media and item.media.state != MediaInfo.State.PENDING for item in files.values()):
        return {file_id: item.media for file_id, item in files.items()}
    return None


def renditions_done(media_pks: list[int]) -> bool:
    states = MediaInfo.objects.filter(pk__in=media_pks).values_list("rendition_state", flat=True)
    return all(state in ("finished", "failed") for state in states)


def sdk_client(live_server, api) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=api.token))


def played(url: str) -> tuple[bytes, av.container.InputContainer]:
    """The bytes at a play URL, fetched as a player does: a first Range, then the rest."""
    head = requests.get(url, headers={"Range": "bytes=0-1023"}, timeout=30)
    assert head.status_code == 206, head.text
    total = int(head.headers["Content-Range"].rsplit("/", 1)[1])
    assert head.headers["Accept-Ranges"] == "bytes" and len(head.content) == min(1024, total)
    rest = requests.get(url, headers={"Range": f"bytes={len(head.content)}-"}, timeout=30)
    assert rest.status_code == 206 and rest.headers["Content-Range"].endswith(f"/{total}")
    data = head.content + rest.content
    assert len(data) == total
    return data, av.open(io.BytesIO(data))


def decoded_frames(container) -> int:
    return sum(1 for _ in container.decode(video=0))


# --- Tests ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_a_worker_reads_renders_and_serves_videos_and_survives_hostile_ones(
    alice, live_server, settings, tmp_path, monkeypatch
):
    empty_queue()
    # A child may use 320 MiB here: a normal video needs far less, the huge frames more.
    monkeypatch.setenv("PDS_MEDIA_VIDEO_MEMORY_MB", "320")
    log_path = tmp_path / "worker.log"
    worker = start_worker("filesystem://", log_path, settings)
    try:
        tags = {"creation_time": "2021-07-04T10:30:00.000000Z", "location": "+30.2500+120.1667/"}
        uploads = {
            "trip.mp4": video("libx264", tags=tags),
            "phone.mp4": video("libx265", size=(480, 270)),
            "old.avi": video("mpeg4", fmt="avi"),
            "garbage.mp4": garbage_frames(),
            "huge.avi": huge_frames(),
        }
        ids = {name: alice.upload(name, data)["file_id"] for name, data in uploads.items()}
        read = wait_until(lambda: media_of(list(ids.values())), worker, log_path, "the videos read")

        trip = read[ids["trip.mp4"]]
        assert trip.state == MediaInfo.State.DONE and trip.kind == MediaInfo.Kind.VIDEO
        assert (trip.width, trip.height, trip.video_codec, trip.audio_codec) == (320, 240, "h264", "aac")
        assert trip.duration == pytest.approx(2.0, abs=0.1) and trip.frame_rate == 25 and trip.frame_count == 50
        assert trip.bit_rate and trip.audio_bit_rate
        assert trip.taken_at == datetime(2021, 7, 4, 10, 30, tzinfo=UTC) and trip.taken_offset is None
        assert (trip.latitude, trip.longitude) == (30.25, 120.1667)
        assert trip.city or trip.province  # the place of its position (Hangzhou)
        assert trip.rendition_state == "" and trip.poster_name  # browsers play it as it is
        item = File.objects.get(file_id=ids["trip.mp4"])
        assert (item.image_time, item.image_time_source) == (trip.taken_at, "exif")

        # The poster is the frame at 1 s (red = 250), and the fixed thumbnails come from it.
        assert Thumbnail.objects.filter(blob=item.blob).count() == len(FIXED_PROCESSES)
        thumbnail = requests.get(
            downloads.thumbnail_url(base_url=alice.base, item=item, process=FIXED_PROCESSES[1]), timeout=30
        )
        assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
        poster = Image.open(io.BytesIO(thumbnail.content)).convert("RGB")
        assert poster.size == (320, 240)  # lfit never enlarges
        red, green, _ = poster.getpixel((10, 10))
        assert red > 230 and green < 30, poster.getpixel((10, 10))
        assert poster.getpixel((120, 90))[1] > 150  # the green square

        phone, old = read[ids["phone.mp4"]], read[ids["old.avi"]]
        # Browsers cannot play these: a rendition is made (or being made already).
        assert (phone.video_codec, phone.width, phone.height) == ("hevc", 480, 270)
        assert (old.video_codec, old.audio_codec) == ("mpeg4", "aac")
        assert phone.rendition_state in ("running", "finished") and old.rendition_state in ("running", "finished")

        garbage, huge = read[ids["garbage.mp4"]], read[ids["huge.avi"]]
        assert garbage.state == MediaInfo.State.FAILED and "no frame of the video could be decoded" in garbage.reason
        assert huge.state == MediaInfo.State.FAILED
        assert huge.reason == "the video decoder ran out of memory (limit 320 MiB)"
        assert File.objects.get(file_id=ids["huge.avi"]).image_time is None

        # The same worker goes on: the renditions, then a video uploaded after the hostile ones.
        wait_until(lambda: renditions_done([phone.pk, old.pk]), worker, log_path, "the renditions")
        later = alice.upload("later.mp4", video("libx264", seconds=1, size=(160, 120)))["file_id"]
        assert wait_until(lambda: media_of([later]), worker, log_path, "a later video")[later].duration

        phone.refresh_from_db()
        assert phone.rendition_state == "finished" and phone.rendition_name.endswith(".mp4"), phone.reason
        assert phone.rendition_size == blob_store().storage.size(phone.rendition_name)

        # The drive's user, through the official SDK: the original of what browsers play...
        client = sdk_client(live_server, alice)
        info = client.get_video_preview_play_info(
            m.GetVideoPreviewPlayInfoRequest(
                drive_id=alice.drive_id, file_id=ids["trip.mp4"], category="live_transcoding", url_expire_sec=600
            )
        ).body
        assert (info.drive_id, info.file_id) == (alice.drive_id, ids["trip.mp4"])
        play = info.video_preview_play_info
        assert play.category == "live_transcoding"
        assert (play.meta.width, play.meta.height) == (320, 240) and play.meta.duration == pytest.approx(2.0, abs=0.1)
        task = play.live_transcoding_task_list[0]
        assert (task.status, task.template_id, task.keep_original_resolution) == ("finished", "LD", True)
        data, container = played(task.url)
        assert data == uploads["trip.mp4"]
        assert requests.head(task.url, timeout=30).headers["Content-Type"] == "video/mp4"

        # ...and the rendition of what they cannot: H.264 + AAC, index first, that plays.
        for name in ("phone.mp4", "old.avi"):
            play = client.get_video_preview_play_info(
                m.GetVideoPreviewPlayInfoRequest(drive_id=alice.drive_id, file_id=ids[name], category="quick_video")
            ).body.video_preview_play_info
            task = play.quick_video_list[0]
            assert task.status == "finished" and task.url, name
            data, container = played(task.url)
            assert data[4:8] == b"ftyp" and data.index(b"moov") < data.index(b"mdat"), name
            streams = {stream.type: stream.codec_context.name for stream in container.streams}
            assert streams == {"video": "h264", "audio": "aac"}, name
            assert container.streams.video[0].codec_context.format.name == "yuv420p"
            assert container.duration / 1_000_000 == pytest.approx(2.0, abs=0.15), name
            assert decoded_frames(container) >= 49, name
            assert "video/mp4" == requests.head(task.url, timeout=30).headers["Content-Type"]

        # The hostile ones: failed, no URL.
        meta = client.get_video_preview_play_meta(
            m.GetVideoPreviewPlayMetaRequest(drive_id=alice.drive_id, file_id=ids["huge.avi"], category="quick_video")
        ).body
        assert meta.video_preview_play_meta.quick_video_list[0].status == "failed"
        assert getattr(meta.video_preview_play_meta.quick_video_list[0], "url", None) is None

        # A share's visitor plays it too (share_id + x-share-token), and its URL is the same kind.
        share = alice.ok("share_link/create", {"file_id_list": [ids["phone.mp4"]]}, 201)
        visitor = Client(Config(endpoint=f"127.0.0.1:{live_server.url.rsplit(':', 1)[1]}", protocol="http"))
        share_token = visitor.get_share_link_token(m.GetShareLinkTokenRequest(share_id=share["share_id"])).body
        shared = visitor.get_video_preview_play_info_with_options(
            m.GetVideoPreviewPlayInfoRequest(
                share_id=share["share_id"], file_id=ids["phone.mp4"], category="quick_video"
            ),
            {"x-share-token": share_token.share_token},
            RuntimeOptions(),
        ).body
        assert shared.share_id == share["share_id"]
        _, container = played(shared.video_preview_play_info.quick_video_list[0].url)
        assert container.streams.video[0].codec_context.name == "h264"

        # Posters and renditions are known to fsck, and go with their blob.
        derived = {phone.poster_name, phone.rendition_name, trip.poster_name}
        assert not {finding.name for finding in fsck_scan()} & derived
        deleted = alice.call("file/delete", {"drive_id": alice.drive_id, "file_id": ids["phone.mp4"]})
        assert deleted.status_code in (200, 204), deleted.text
        store = blob_store()
        assert not any(store.storage.exists(name) for name in (phone.poster_name, phone.rendition_name))
    finally:
        worker.terminate()
        worker.wait(20)


def test_a_video_read_longer_than_the_timeout_is_killed_and_not_analysable(settings, tmp_path):
    path = tmp_path / "huge.avi"
    path.write_bytes(huge_frames())
    settings.PDS_MEDIA_VIDEO_TIMEOUT = 0.3
    started = time.monotonic()
    with pytest.raises(NotAnalysable) as slow:
        videos.video_read(str(path))
    assert str(slow.value) == "reading the video took longer than 0.3 s"
    assert time.monotonic() - started < 10
    settings.PDS_MEDIA_VIDEO_TIMEOUT, settings.PDS_MEDIA_VIDEO_MEMORY_MB = 60, 2048
    read = videos.video_read(str(path))  # with room and time, the same file reads
    assert (read.facts["width"], read.facts["height"], read.facts["video_codec"]) == (16_000, 16_000, "mjpeg")
    assert Image.open(io.BytesIO(read.poster_jpeg)).size == (1920, 1920)


def test_a_text_file_naming_other_files_is_not_opened(tmp_path):
    """FFmpeg's concat demuxer would read the files a text names; only video demuxers run."""
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(video("libx264", seconds=1, size=(64, 48), audio=False))
    playlist = tmp_path / "holiday.mp4"
    playlist.write_text("ffconcat version 1.0\nfile secret.mp4\n")
    with pytest.raises(NotAnalysable) as refused:
        videos.video_read(str(playlist))
    assert "not a video container this server reads" in str(refused.value)


def test_rotation_and_what_browsers_play(tmp_path):
    path = tmp_path / "portrait.mp4"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=RATE)
        stream.width, stream.height, stream.pix_fmt = 320, 240, "yuv420p"
        stream.set_display_rotation(-90)  # a phone held upright: shown turned a quarter clockwise
        pixels = numpy.zeros((240, 320, 3), numpy.uint8)
        pixels[:, :160, 0] = 255  # stored: red on the left
        for index in range(10):
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base = index, Fraction(1, RATE)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    read = videos.video_read(str(path))
    assert (read.facts["width"], read.facts["height"]) == (240, 320)
    poster = Image.open(io.BytesIO(read.poster_jpeg)).convert("RGB")
    assert poster.size == (240, 320)
    assert poster.getpixel((120, 40))[0] > 200 and poster.getpixel((120, 280))[0] < 60  # red on top
    facts = dict(read.facts)
    assert videos.rendition_needed(facts) == "" and "_container" not in facts

    def needed(container: str, video_codec: str, audio_codec: str = "aac", pixels: str = "yuv420p") -> str:
        return videos.rendition_needed(
            {"_container": container, "_pixel_format": pixels, "video_codec": video_codec, "audio_codec": audio_codec}
        )

    assert needed("mov", "h264") == needed("matroska", "vp9", "opus") == needed("mov", "av1", "") == ""
    assert needed("mov", "hevc") == needed("avi", "mpeg4") == needed("asf", "wmv2", "wmav2") == "running"
    assert needed("mov", "h264", pixels="yuv422p10le") == needed("mpegts", "h264", "ac3") == "running"
    assert parse_iso6709("+30.2500+120.1667/") == (30.25, 120.1667)
    assert parse_iso6709("+37.3349-122.0090+040.000/") == (37.3349, -122.009)
    assert parse_iso6709("+4012.345-07354.321/") == (40.20575, -73.90535)
    assert parse_iso6709("+0000.000+00000.000/") is None and parse_iso6709("nowhere") is None


def test_play_info_answers_running_before_the_read_and_refuses_what_it_must(alice, bob, make_user):
    empty_queue()  # no worker here: the read stays queued
    clip = alice.upload("clip.mp4", video("libx264", seconds=1, size=(64, 48), audio=False))["file_id"]
    text = alice.upload("notes.txt", b"not a video")["file_id"]
    answer = alice.ok("file/get_video_preview_play_info", {"file_id": clip, "category": "quick_video"})
    info = answer["video_preview_play_info"]
    assert info["quick_video_list"] == [{"status": "running"}] and info["meta"] == {}
    meta = alice.ok("file/get_video_preview_play_meta", {"file_id": clip, "category": "quick_video"})
    assert meta["video_preview_play_meta"]["quick_video_list"] == [{"status": "running"}]

    def refused(api, body: dict) -> tuple[int, str]:
        reply = api.call("file/get_video_preview_play_info", {"drive_id": alice.drive_id, **body})
        return reply.status_code, reply.json()["code"]

    assert refused(alice, {"file_id": clip, "category": "quick_video", "url_expire_sec": 14401}) == (
        400,
        "InvalidParameter.UrlExpireSec",
    )
    assert refused(alice, {"file_id": clip, "category": "other"}) == (400, "InvalidParameter.Category")
    assert refused(alice, {"file_id": text, "category": "quick_video"}) == (400, "InvalidParameter.FileId")
    assert refused(bob, {"file_id": clip, "category": "quick_video"})[0] in (403, 404)

    share = alice.ok("share_link/create", {"file_id_list": [clip], "disable_preview": True}, 201)
    token = requests.post(
        f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share["share_id"]}, timeout=30
    ).json()["share_token"]
    reply = requests.post(
        f"{alice.base}/v2/file/get_video_preview_play_info",
        json={"share_id": share["share_id"], "file_id": clip, "category": "quick_video"},
        headers={"x-share-token": token},
        timeout=30,
    )
    assert (reply.status_code, reply.json()["code"]) == (403, "ForbiddenSharePreviewDisabled")


def test_a_finished_play_url_serves_only_what_it_signs(alice, tmp_path):
    """Read inline (no worker): the URL plays the original; tampered or used for the
    rendition flag it did not sign, it is refused."""
    from pds_server.services.media.ingest import media_ingest

    clip = alice.upload("clip.mp4", video("libx264", seconds=1, size=(64, 48)))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=clip).pk) == "done"
    info = alice.ok("file/get_video_preview_play_info", {"file_id": clip, "category": "offline_video"})
    task = info["video_preview_play_info"]["offline_video_transcoding_list"][0]
    assert task["status"] == "finished"
    assert requests.get(task["url"], timeout=30).status_code == 200
    assert requests.get(task["url"] + "&rendition=1", timeout=30).status_code == 403
    without = alice.ok(
        "file/get_video_preview_play_info", {"file_id": clip, "category": "quick_video", "get_without_url": True}
    )
    assert "url" not in without["video_preview_play_info"]["quick_video_list"][0]
