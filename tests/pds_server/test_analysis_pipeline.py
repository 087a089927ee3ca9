"""Image analysis end to end: photos uploaded over HTTP are read by an ingest worker (the
default queue), then analysed by a second worker that consumes only the `analysis` queue —
as an installation adds analysis capacity. The astronaut and her mirrored and resized copies
end in one person who can be named and then found by name; the cat gets a cat tag; the
receipt's text is read and found by a word in it; a re-encoded copy lands in its original's
similar-image cluster; turning analysis off for the domain removes faces, tags and text; the
backfill command analyses photos stored while it was off, and resumes."""

from __future__ import annotations

import shutil
import time

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command

from pds_server.models import (
    AnalysisTerm,
    DetectedFace,
    Domain,
    FaceGroup,
    File,
    ImageAnalysis,
    ImageTag,
    MediaInfo,
    PersonFace,
)
from pds_server.services.analysis.backfill import backfill_media
from pds_server.services.analysis.switch import analysis_switch
from tests.celery_worker import start_worker
from tests.pds_server import analysis_images as images

pytestmark = [pytest.mark.django_db(transaction=True, databases=["default", "pds"]), pytest.mark.slow]


def empty_queue() -> None:
    """Tasks other tests queued (their files are gone) stay out of this test's workers."""
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)


def wait_until(check, workers, timeout: float = 240.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        for worker, log_path in workers:
            assert worker.poll() is None, log_path.read_text()[-4000:]
        assert time.monotonic() < deadline, f"{what} not met in {timeout} s: " + workers[-1][1].read_text()[-4000:]
        time.sleep(0.3)


def analyses_done(file_ids: list[str]):
    files = list(File.objects.select_related("media").filter(file_id__in=file_ids))
    media = [item.media for item in files]
    if len(files) < len(file_ids) or any(m is None or m.state == MediaInfo.State.PENDING for m in media):
        return None
    states = dict(ImageAnalysis.objects.filter(media__in=media).values_list("media_id", "state"))
    if len(states) < len({m.pk for m in media}) or ImageAnalysis.State.PENDING in states.values():
        return None
    return {item.file_id: item for item in files}


def search(api, query: str) -> set[str]:
    found = api.ok("file/search", {"drive_id": api.drive_id, "query": query, "limit": 100})
    return {item["name"] for item in found["items"]}


def test_photos_are_analysed_by_a_worker_of_the_analysis_queue(alice, settings, tmp_path):
    empty_queue()
    ingest_log, analysis_log = tmp_path / "ingest.log", tmp_path / "analysis.log"
    workers = [
        (start_worker("filesystem://", ingest_log, settings, queues="celery"), ingest_log),
        (start_worker("filesystem://", analysis_log, settings, queues="analysis"), analysis_log),
    ]
    try:
        uploads = {
            **images.astronaut_copies(),
            "chelsea.jpg": images.encoded(images.chelsea(), quality=92),
            "receipt.jpg": images.receipt(),
            "coffee.png": images.encoded(images.coffee(), "PNG"),
            "coffee-copy.jpg": images.encoded(images.coffee(), quality=55),
            "motorcycle.jpg": images.encoded(images.motorcycle(), quality=90),
        }
        ids = {name: alice.upload(name, data)["file_id"] for name, data in uploads.items()}
        wait_until(lambda: analyses_done(list(ids.values())), workers, what="analysis of every photo")
        assert "analyse_image[" in analysis_log.read_text()
        assert "analyse_image[" not in ingest_log.read_text()  # routed to its own queue

        # Faces: one person, her three photos.
        people = alice.ok("image/list_facegroups", {"drive_id": alice.drive_id})["items"]
        astronauts = {ids[name] for name in images.astronaut_copies()}
        groups = [group for group in people if group["image_count"] == 3]
        assert len(groups) == 1, people
        her = groups[0]
        assert her["group_cover_file_id"] in astronauts and her["group_cover_url"].startswith("http")
        group_files = alice.ok(
            "file/search", {"drive_id": alice.drive_id, "query": f'face_group_id = "{her["group_id"]}"'}
        )["items"]
        assert {item["file_id"] for item in group_files} == astronauts
        alice.ok(
            "image/update_facegroup_info",
            {"drive_id": alice.drive_id, "group_id": her["group_id"], "group_name": "Eileen"},
        )
        assert search(alice, 'keyword match "eileen"') == set(images.astronaut_copies())

        # Tags, in English and Chinese, on file/get and in search.
        cat = alice.ok("file/get", {"drive_id": alice.drive_id, "file_id": ids["chelsea.jpg"]})
        tags = {tag["name"].lower(): tag for tag in cat["image_media_metadata"]["image_tags"]}
        assert "cat" in tags and tags["cat"]["name_zh"] == "猫" and 0 < tags["cat"]["confidence"] <= 1
        assert "chelsea.jpg" in search(alice, 'image_tags = "cat"')
        assert search(alice, 'keyword match "猫"') >= {"chelsea.jpg"}
        assert "chelsea.jpg" not in search(alice, 'image_tags = "dog"')
        listed = {tag["name"].lower(): tag for tag in alice.ok("image/list_tags", {"drive_id": alice.drive_id})["tags"]}
        assert listed["cat"]["count"] >= 1 and listed["cat"]["cover_url"].startswith("http")

        # Text: read, shown, found by a word in it (and not by a word that is not).
        receipt = alice.ok("file/get", {"drive_id": alice.drive_id, "file_id": ids["receipt.jpg"]})
        assert "ACME" in receipt["image_media_metadata"]["ocr_text"]
        assert search(alice, 'keyword match "acme"') == {"receipt.jpg"}
        assert search(alice, 'keyword match "receipt acme"') == {"receipt.jpg"}  # name and text
        assert search(alice, 'keyword match "zebra"') == set()

        # Similar photos: the re-encoded copy in its original's cluster, nothing else with them.
        task = alice.ok("image/create_similar_image_cluster_task", {"drive_id": alice.drive_id})
        wait_until(
            lambda: alice.ok("async_task/get", {"async_task_id": task["task_id"]})["state"] in ("Succeed", "Failed"),
            workers,
            what="similar-image clustering",
        )
        clusters = alice.ok("image/query_similar_image_clusters", {"drive_id": alice.drive_id})[
            "similar_image_clusters"
        ]
        coffee = [c for c in clusters if ids["coffee.png"] in {f["file_id"] for f in c["files"]}]
        assert len(coffee) == 1 and {f["file_id"] for f in coffee[0]["files"]} == {
            ids["coffee.png"],
            ids["coffee-copy.jpg"],
        }

        # Off for the domain: faces, tags and text are gone, search no longer finds by them.
        domain = Domain.objects.get(drives__pk=int(alice.drive_id))
        analysis_switch(domain, enabled=False)
        for model in (ImageAnalysis, ImageTag, AnalysisTerm, DetectedFace, PersonFace, FaceGroup):
            assert not model.objects.exists(), model.__name__
        assert alice.ok("image/list_facegroups", {"drive_id": alice.drive_id})["items"] == []
        off = alice.ok("file/get", {"drive_id": alice.drive_id, "file_id": ids["receipt.jpg"]})
        assert "ocr_text" not in off["image_media_metadata"] and "image_tags" not in off["image_media_metadata"]
        assert search(alice, 'keyword match "acme"') == set()
    finally:
        for worker, _ in workers:
            worker.terminate()
            worker.wait(timeout=30)


def test_backfill_analyses_what_was_stored_while_analysis_was_off_and_resumes(alice):
    from pds_server.services.media.ingest import media_ingest

    domain = Domain.objects.get(drives__pk=int(alice.drive_id))
    Domain.objects.filter(pk=domain.pk).update(image_analysis_enabled=False)
    for name, data in (("one.jpg", images.receipt(("ONE 1111",))), ("two.jpg", images.receipt(("TWO 2222",)))):
        media_ingest(file_pk=File.objects.get(file_id=alice.upload(name, data)["file_id"]).pk)
    assert backfill_media().count() == 0  # off: nothing is wanted
    Domain.objects.filter(pk=domain.pk).update(image_analysis_enabled=True)
    assert backfill_media().count() == 2

    call_command("pds_analysis_backfill", "--inline", "--batch", "1", "--domain", domain.domain_id)
    assert backfill_media().count() == 0
    assert search(alice, 'keyword match "2222"') == {"two.jpg"}
    done = ImageAnalysis.objects.get(ocr_text__contains="TWO")
    call_command("pds_analysis_backfill", "--inline")  # nothing left: nothing analysed twice
    assert ImageAnalysis.objects.get(pk=done.pk).analysed_at == done.analysed_at


def test_the_sweep_analyses_photos_whose_task_was_lost_and_groups_them_in_every_drive(alice, bob):
    """No worker ran: the tasks the uploads queued are lost. The sweep finds the photo read
    long ago and never analysed, and later the same photo in another drive whose people do
    not have its face yet; the tasks it queues (run here at once) analyse and group them."""
    from datetime import timedelta

    from django.utils import timezone

    from drive_site.celery import app
    from pds_server.services.analysis.backfill import SWEEP_AGE, analysis_sweep
    from pds_server.services.media.ingest import media_ingest

    data = images.astronaut_copies()["astronaut.png"]
    item = File.objects.get(file_id=alice.upload("her.png", data)["file_id"])
    media_ingest(file_pk=item.pk)
    item.refresh_from_db()
    assert analysis_sweep() == 0  # read just now: its task may still be on its way
    MediaInfo.objects.filter(pk=item.media_id).update(analysed_at=timezone.now() - SWEEP_AGE - timedelta(seconds=1))

    app.conf.task_always_eager = True
    try:
        assert analysis_sweep() == 1
        assert ImageAnalysis.objects.get(media_id=item.media_id).state == ImageAnalysis.State.DONE
        assert FaceGroup.objects.filter(drive_id=item.drive_id).count() == 1
        assert analysis_sweep() == 0  # nothing left

        app.conf.task_always_eager = False  # bob's upload of the same photo queues a task that is lost
        bob.upload("same.png", data)
        app.conf.task_always_eager = True
        bob_drive = int(bob.drive_id)
        assert not FaceGroup.objects.filter(drive_id=bob_drive).exists()
        assert analysis_sweep() == 1
        assert FaceGroup.objects.filter(drive_id=bob_drive).count() == 1
        assert analysis_sweep() == 0
    finally:
        app.conf.task_always_eager = False
