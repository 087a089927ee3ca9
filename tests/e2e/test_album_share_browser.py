"""A visitor opens an album's link in a fresh browser: the page is a gallery of the album's
photos, a photo opens large over the page with a download button, the arrow keys step
through them, Escape returns to the grid; light, dark and phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pds_server.models import File
from pds_server.services.media.ingest import media_ingest
from tests.e2e.pages import wait_ready
from tests.pds_server import media_files
from tests.pds_server.api_client import make_api


def photo(api, name: str, color: tuple[int, int, int]) -> str:
    file_id = api.upload(name, media_files.photo(size=(900, 600), color=color))["file_id"]
    assert media_ingest(file_pk=File.objects.get(file_id=file_id).pk) == "done"  # the worker's task body
    return file_id


@pytest.mark.slow
def test_an_album_link_shows_a_gallery_that_opens_each_photo_large(drive_url, alice, jwt_app, page, screenshot):
    owner = make_api(drive_url, alice, jwt_app)
    sea, sand = photo(owner, "sea.jpg", (20, 60, 200)), photo(owner, "sand.jpg", (220, 200, 120))
    photo(owner, "private.jpg", (200, 20, 20))  # in the drive, not in the album
    story_id = owner.ok("image/create_story", {"story_type": "custom", "story_name": "Holiday"})["story_id"]
    owner.ok("image/add_story_files", {"story_id": story_id, "files": [{"file_id": sea}, {"file_id": sand}]})
    share = owner.ok("share_link/create", {"story_id": story_id}, 201)

    page.goto(f"{drive_url}/s/{share['share_id']}")
    expect(page.get_by_role("heading", name="Holiday")).to_be_visible()
    wait_ready(page)
    gallery = page.get_by_role("region", name="Pictures")
    expect(gallery.get_by_role("link")).to_have_text(["sand.jpg", "sea.jpg"])
    expect(page.get_by_text("private.jpg")).to_have_count(0)
    expect(page.get_by_role("table")).to_have_count(0)  # every file of the album is in the gallery
    expect(page.get_by_role("link", name="Sign in to save a copy to your drive")).to_have_count(0)
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gallery img')].every((img) => img.complete && img.naturalWidth === 480)"
    )
    screenshot("album-gallery")

    gallery.get_by_role("link", name="sand.jpg").click()
    picture = page.get_by_role("dialog", name="sand.jpg")
    expect(picture).to_be_visible()
    page.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth === 900")
    download = picture.get_by_role("link", name="Download")
    expect(download).to_have_attribute("href", f"/s/{share['share_id']}/files/{sand}/download")
    screenshot("album-photo-large")
    with page.expect_download() as downloaded:
        download.click()
    with open(downloaded.value.path(), "rb") as saved:
        assert saved.read(2) == b"\xff\xd8"
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="sea.jpg")).to_be_visible()
    expect(page.get_by_role("dialog", name="sea.jpg").get_by_role("link", name="Download")).to_have_attribute(
        "href", f"/s/{share['share_id']}/files/{sea}/download"
    )
    page.keyboard.press("Escape")
    expect(gallery.get_by_role("link", name="sea.jpg")).to_be_focused()

    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 740})
    assert page.evaluate("document.documentElement.scrollWidth") <= 376
    screenshot("album-gallery-dark-phone")
    gallery.get_by_role("link", name="sea.jpg").click()
    expect(page.get_by_role("dialog", name="sea.jpg")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth === 900")
    screenshot("album-photo-dark-phone")
