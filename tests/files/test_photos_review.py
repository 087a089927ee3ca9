"""What a review of the Photos pages found, each kept from coming back: scrolling up
through a run of more than a page of photos taken at one instant reaches the newer ones;
an album takes more photos than the PDS takes in one call; album pages show thumbnails
without a PDS call each; signed thumbnail URLs live apart from the throttles' cache; and a
day out of range is a 400, not a 500."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from files import photos
from pds_server.models import Drive, File
from tests.files.photos_helpers import library, upload_photo

TILE = re.compile(r'class="photo-tile" data-id="([^"]+)"')


def page_attribute(text: str, name: str) -> str:
    found = re.search(rf'class="photos-page"[^>]*{name}="([^"]*)"', text)
    return found.group(1).replace("&amp;", "&") if found else ""


@pytest.fixture
def first_photo(browser) -> File:
    file_id = upload_photo(browser, "first.jpg", taken="2024:05:01 12:00:00", offset="+00:00")
    return File.objects.select_related("blob", "media").get(file_id=file_id)


def test_scrolling_up_through_a_run_of_photos_at_one_instant_reaches_the_newer_ones(browser, first_photo):
    drive = Drive.objects.get(pk=int(browser.drive_id))
    library(drive, first_photo, 20, newest=datetime(2024, 4, 1, tzinfo=UTC), step=timedelta(hours=1), prefix="n")
    library(drive, first_photo, 250, newest=datetime(2024, 3, 1, tzinfo=UTC), step=timedelta(0), prefix="t")
    library(drive, first_photo, 150, newest=datetime(2024, 2, 1, tzinfo=UTC), step=timedelta(hours=1), prefix="o")
    page = browser.get("/photos/page", params={"before": "2024-03-01T11:59:59Z"})  # a scrubber jump
    seen = set(TILE.findall(page.text))
    key, steps = page_attribute(page.text, "data-prev"), 0
    while key and steps < 20:
        steps += 1
        above = browser.get("/photos/page?" + key)
        seen.update(TILE.findall(above.text))
        key = page_attribute(above.text, "data-prev")
    key = page_attribute(page.text, "data-next")
    while key:
        below = browser.get("/photos/page?" + key)
        seen.update(TILE.findall(below.text))
        key = page_attribute(below.text, "data-next")
    assert len(seen) == 421


def test_an_album_takes_more_photos_than_one_pds_call_does(browser, first_photo):
    drive = Drive.objects.get(pk=int(browser.drive_id))
    library(drive, first_photo, 150, newest=datetime(2024, 4, 30, 12, tzinfo=UTC), step=timedelta(hours=1))
    ids = list(File.objects.filter(drive=drive, name__startswith="IMG_").values_list("file_id", flat=True))
    assert len(ids) == 150
    made = browser.post("/photos/albums/api/albums", json={"name": "Trip", "file_ids": ids})
    assert made.status_code == 200 and made.json()["added"] == 150, made.text
    story_id = made.json()["story_id"]
    removed = browser.post(f"/photos/albums/api/{story_id}/remove", json={"file_ids": ids[:101]})
    assert removed.status_code == 200 and removed.json()["removed"] == 101, removed.text


def test_album_thumbnails_cost_no_pds_call_each(browser, first_photo, monkeypatch):
    import pds_client

    drive = Drive.objects.get(pk=int(browser.drive_id))
    library(drive, first_photo, 40, newest=datetime(2024, 4, 30, 12, tzinfo=UTC), step=timedelta(hours=5))
    ids = list(File.objects.filter(drive=drive, name__startswith="IMG_").values_list("file_id", flat=True))
    album = browser.post("/photos/albums/api/albums", json={"name": "Trip", "file_ids": ids}).json()["url"]
    page = browser.get(album)
    thumbnails = re.findall(r'<img src="([^"]+/thumbnail/480[^"]*)"', page.text)
    assert len(thumbnails) == 40
    calls: list = []
    original = pds_client.FilesAPI.get
    monkeypatch.setattr(pds_client.FilesAPI, "get", lambda self, *a, **k: calls.append(a) or original(self, *a, **k))
    for url in thumbnails:
        assert browser.get(url.replace("&amp;", "&")).status_code == 200
    assert calls == []


def test_signed_thumbnail_urls_never_push_the_throttle_counters_out(transactional_db):
    cache.set("pds:throttle:signin:alice", 4, 900)
    pds = SimpleNamespace(user=SimpleNamespace(pk=1), drive_id="1")
    for page in range(10):  # a long scroll: 1,000 URLs
        items = [{"file_id": f"f{page}-{n}", "thumbnail_urls": {"grid": "http://pds/sig"}} for n in range(100)]
        photos.remember_thumbnails(pds, items)
    assert cache.get("pds:throttle:signin:alice") == 4


@pytest.mark.parametrize("day", ["0002-01-01", "1000-03-14", "9999-12-31", "nonsense"])
def test_on_this_day_of_a_day_out_of_range_is_a_400(browser, day):
    assert browser.get("/photos/on-this-day", params={"date": day}).status_code == 400
