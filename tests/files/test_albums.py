"""Albums over HTTP, signed in through the live embedded PDS: made from a selection of
photos, listed with their count and cover, opened with their photos in capture-date order,
renamed, given a cover, emptied of a photo, shared by link and deleted (the photos stay)."""

from __future__ import annotations

import re

import pytest
import requests

from pds_server.models import File, ShareLink, Story
from pds_server.services.media.ingest import media_ingest
from tests.drive_helpers import Browser
from tests.pds_server.media_files import photo

PARIS = (48.8566, 2.3522)


def upload_photo(person: Browser, name: str, taken: str, gps=None, color=(200, 30, 30)) -> str:
    """A JPEG with EXIF time (and GPS), uploaded and read by ingest as the worker would."""
    file_id = person.upload(name, photo(taken=taken, gps=gps, color=color))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) != "gone"
    return file_id


def api(person: Browser, path: str, body: dict | None = None) -> tuple[int, dict]:
    reply = person.post(path, json=body or {}) if body is not None else person.get(path)
    return reply.status_code, reply.json()


@pytest.fixture
def photos(browser) -> dict[str, str]:
    """Three photos, uploaded in another order than they were taken."""
    return {
        "late.jpg": upload_photo(browser, "late.jpg", "2023:05:01 10:00:00", gps=PARIS),
        "early.jpg": upload_photo(browser, "early.jpg", "2019:01:02 08:00:00", color=(30, 200, 30)),
        "middle.jpg": upload_photo(browser, "middle.jpg", "2021:07:04 18:30:00", color=(30, 30, 200)),
    }


def make_album(person: Browser, name: str, file_ids: list[str]) -> str:
    status, made = api(person, "/photos/albums/api/albums", {"name": name, "file_ids": file_ids})
    assert status == 200, made
    assert made["added"] == len(file_ids) and made["url"] == f"/photos/albums/{made['story_id']}/"
    return made["story_id"]


def tiles(html: str) -> list[str]:
    return re.findall(r'<li class="album-tile[^"]*" data-id="([^"]+)"', html)


def test_no_albums_yet_says_so_and_offers_a_new_one(browser):
    page = browser.get("/photos/albums/")
    assert page.status_code == 200
    assert "No albums yet." in page.text and "New album" in page.text
    # The Photos pages' own navigation, Albums the current one.
    assert re.search(r'href="/photos/albums/" aria-current="page"', page.text)
    assert 'href="/photos/places/"' in page.text


def test_an_album_made_from_a_selection_opens_with_its_photos_by_capture_date(browser, photos):
    story_id = make_album(browser, "  Summer   trip ", [photos["late.jpg"], photos["early.jpg"], photos["middle.jpg"]])
    assert Story.objects.get(story_id=story_id).story_name == "Summer trip"

    listed = browser.get("/photos/albums/")
    card = re.search(r'<li class="album-card">.*?</li>', listed.text, re.S).group(0)
    assert f'href="/photos/albums/{story_id}/"' in card and "Summer trip" in card and "3 items" in card
    cover = re.search(r'<img class="album-cover" src="([^"]+)"', card).group(1)
    thumbnail = browser.get(cover)
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert thumbnail.content[:2] == b"\xff\xd8"

    page = browser.get(f"/photos/albums/{story_id}/")
    assert page.status_code == 200 and "<bdi>Summer trip</bdi>" in page.text
    assert tiles(page.text) == [photos["early.jpg"], photos["middle.jpg"], photos["late.jpg"]]
    assert 'aria-label="Select early.jpg"' in page.text and 'alt="early.jpg"' in page.text


def test_rename_cover_remove_and_delete_change_the_album_not_the_photos(browser, photos):
    story_id = make_album(browser, "Trip", list(photos.values()))
    base = f"/photos/albums/api/{story_id}"

    assert api(browser, f"{base}/rename", {"name": "Holidays"}) == (200, {"name": "Holidays"})
    status, refused = api(browser, f"{base}/rename", {"name": "   "})
    assert status == 400 and refused["error"] == "Enter a name for the album."
    assert Story.objects.get(story_id=story_id).story_name == "Holidays"

    assert api(browser, f"{base}/cover", {"file_id": photos["middle.jpg"]})[0] == 200
    page = browser.get(f"/photos/albums/{story_id}/").text
    assert re.search(rf'class="album-tile is-cover" data-id="{photos["middle.jpg"]}"', page)

    assert api(browser, f"{base}/remove", {"file_ids": [photos["late.jpg"]]}) == (200, {"removed": 1})
    assert tiles(browser.get(f"/photos/albums/{story_id}/").text) == [photos["early.jpg"], photos["middle.jpg"]]
    status, refused = api(browser, f"{base}/remove", {"file_ids": []})
    assert status == 400 and refused["error"] == "Choose at least one photo."

    assert api(browser, f"{base}/add", {"file_ids": [photos["late.jpg"]]}) == (200, {"added": 1})
    assert len(tiles(browser.get(f"/photos/albums/{story_id}/").text)) == 3

    assert api(browser, f"{base}/delete", {}) == (200, {"url": "/photos/albums/"})
    assert not Story.objects.filter(story_id=story_id).exists()
    assert File.objects.filter(file_id__in=photos.values(), trashed=False).count() == 3
    gone = browser.get(f"/photos/albums/{story_id}/")
    assert gone.status_code == 404


def test_a_share_link_of_the_album_is_made_and_listed(browser, photos):
    story_id = make_album(browser, "Trip", [photos["early.jpg"]])
    status, made = api(browser, f"/photos/albums/api/{story_id}/share", {"expires_on": "", "download_limit": "0"})
    assert status == 200, made
    share_id = made["share"]["share_id"]
    assert made["share"]["url"].endswith(f"/s/{share_id}")
    assert ShareLink.objects.get(share_id=share_id).story_id == story_id
    status, links = api(browser, f"/photos/albums/api/{story_id}/share")
    assert status == 200 and [link["share_id"] for link in links["shares"]] == [share_id]

    # A visitor opens it: the album's photo is there.
    visit = requests.get(made["share"]["url"])
    assert visit.status_code == 200 and "early.jpg" in visit.text

    status, refused = api(browser, f"/photos/albums/api/{story_id}/share", {"expires_on": "2001-01-01"})
    assert status == 400 and refused["code"] == "InvalidParameter.expires_on"


def test_the_add_photos_picker_lists_the_drive_s_photos_newest_first(browser, photos):
    browser.upload("notes.txt", b"not a photo")
    status, page = api(browser, "/photos/albums/api/photos")
    assert status == 200
    assert [item["name"] for item in page["items"]] == ["late.jpg", "middle.jpg", "early.jpg"]
    assert page["items"][0]["thumb_url"] == f"/photos/files/{photos['late.jpg']}/thumbnail/480"


def test_the_album_picker_lists_albums_with_its_words_and_refuses_an_empty_name(browser, photos):
    story_id = make_album(browser, "Trip", [photos["early.jpg"]])
    status, listed = api(browser, "/photos/albums/api/albums")
    assert status == 200 and listed["labels"]["title"] == "Add to album"
    assert [(album["story_id"], album["name"], album["count"]) for album in listed["items"]] == [(story_id, "Trip", 1)]
    status, refused = api(browser, "/photos/albums/api/albums", {"name": "", "file_ids": [photos["late.jpg"]]})
    assert status == 400 and refused["error"] == "Enter a name for the album."
    assert Story.objects.count() == 1


def test_a_viewer_of_the_whole_drive_sees_its_albums_but_cannot_change_them(browser, photos, make_user, drive_url):
    from tests.drive_helpers import sign_in

    story_id = make_album(browser, "Trip", [photos["early.jpg"]])
    make_user("bob", password="bob-password-1", nick_name="Bob")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-1"))
    member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    browser.pds("file/add_permission", {"drive_id": browser.drive_id, "file_id": "root", "member_list": [member]})
    scope = f"/d/{browser.drive_id}"

    listed = bob.get(f"{scope}/photos/albums/")
    assert listed.status_code == 200 and f'href="{scope}/photos/albums/{story_id}/"' in listed.text
    status, refused = api(bob, f"{scope}/photos/albums/api/{story_id}/rename", {"name": "Mine"})
    assert (status, refused["error"]) == (403, "Your role in this drive doesn't let you change its albums.")
    status, refused = api(bob, f"{scope}/photos/albums/api/albums", {"name": "Mine"})
    assert status == 403 and Story.objects.count() == 1
    gone = bob.get(f"{scope}/photos/albums/nosuchalbum/")
    assert gone.status_code == 404
