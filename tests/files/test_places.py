"""Places over HTTP, signed in through the live embedded PDS: the cities of the drive's
photos (read from their GPS by ingest) with their counts and covers, and a city's photos,
newest first."""

from __future__ import annotations

import re

from pds_server.models import File
from tests.files.test_albums import upload_photo

PARIS = (48.8566, 2.3522)
TOKYO = (35.6762, 139.6503)


def city_of(file_id: str) -> str:
    return File.objects.get(file_id=file_id).media.city


def test_no_places_yet_says_so(browser):
    browser.upload("plain.jpg", b"not really a picture")
    page = browser.get("/photos/places/")
    assert page.status_code == 200 and "No places yet." in page.text
    assert re.search(r'href="/photos/places/" aria-current="page"', page.text)


def test_places_list_each_city_with_its_count_and_open_its_photos(browser):
    paris = [
        upload_photo(browser, "louvre.jpg", "2022:06:01 10:00:00", gps=PARIS),
        upload_photo(browser, "seine.jpg", "2022:06:03 19:00:00", gps=PARIS),
    ]
    tokyo = upload_photo(browser, "shibuya.jpg", "2023:03:03 12:00:00", gps=TOKYO)
    upload_photo(browser, "nowhere.jpg", "2020:01:01 00:00:00")
    paris_name, tokyo_name = city_of(paris[0]), city_of(tokyo)
    assert paris_name and tokyo_name and paris_name != tokyo_name

    page = browser.get("/photos/places/")
    assert page.status_code == 200
    cards = re.findall(r'<li class="album-card">.*?</li>', page.text, re.S)
    assert len(cards) == 2
    # The city with most photos first.
    assert f"<bdi>{paris_name}</bdi>" in cards[0] and "2 items" in cards[0]
    assert f"<bdi>{tokyo_name}</bdi>" in cards[1] and "1 item" in cards[1]
    cover = re.search(r'<img class="album-cover" src="([^"]+)"', cards[0]).group(1)
    assert cover.split("/")[3] in paris
    assert browser.get(cover).headers["Content-Type"] == "image/jpeg"

    link = re.search(r'<a href="([^"]+)">', cards[0]).group(1).replace("&amp;", "&")
    city = browser.get(link)
    assert city.status_code == 200 and f"<h1><bdi>{paris_name}</bdi></h1>" in city.text
    assert re.findall(r'<li class="album-tile" data-id="([^"]+)"', city.text) == [paris[1], paris[0]]


def test_a_place_page_without_a_city_says_what_is_wrong(browser):
    page = browser.get("/photos/places/city/")
    assert page.status_code == 400 and "Choose a place." in page.text
