"""An album's page and a place's page open their photos in the Photos viewer: a click opens
it, the arrow keys step through that page's photos in the page's order, the info panel
loads, Share opens the share dialog, Esc gives the focus back to the photo; on an album's page "Remove from album" takes
the photo shown out of the album (the file stays) and the viewer goes on to the next one;
"Move to trash" takes a photo off the page; a video plays. The viewer on an album's page passes an axe-core
audit in light, dark and at phone width."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from pds_server.models import File, StoryFile
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_albums_browser import alice_api  # noqa: F401 (fixture)
from tests.e2e.test_drive_browser import sign_in
from tests.files.photos_helpers import upload_video
from tests.files.test_albums import upload_photo
from tests.files.test_places import PARIS, city_of

# An album made as the album picker makes it (static/js/album-picker.js), in Alice's session.
MAKE_ALBUM = """async ([name, ids]) => {
    const any = document.querySelector("script[type=module][src]").src;
    const { api, base } = await import(new URL("ui.js", any).href);
    return (await api("POST", `${base}photos/albums/api/albums`, { name, file_ids: ids })).story_id;
}"""
LOADED = "() => document.querySelector('#photo-viewer img.photo-media')?.naturalWidth > 0"


def album_grid(page):
    return page.get_by_role("list", name="Photos in this album")


@pytest.mark.slow
def test_an_album_opens_its_photos_in_the_viewer_which_removes_one_from_the_album(
    drive_url,
    alice_api,  # noqa: F811
    page,
    screenshot,
):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    sign_in(page, drive_url)
    early = upload_photo(alice_api, "early.jpg", "2019:01:02 08:00:00", color=(30, 200, 30))
    middle = upload_photo(alice_api, "middle.jpg", "2021:07:04 18:30:00", color=(30, 30, 200))
    late = upload_photo(alice_api, "late.jpg", "2023:05:01 10:00:00")
    clip = upload_video(alice_api, "clip.mp4")  # taken (as far as is known) when uploaded: the last
    page.goto(f"{drive_url}/photos/albums/")
    wait_ready(page)
    story_id = page.evaluate(MAKE_ALBUM, ["Summer", [late, clip, early, middle]])

    page.goto(f"{drive_url}/photos/albums/{story_id}/")
    expect(page.get_by_role("heading", name="Summer", level=1)).to_be_visible()
    wait_ready(page)
    links = album_grid(page).get_by_role("link")
    expect(links).to_have_count(4)
    assert [links.nth(n).get_by_role("img").get_attribute("alt") for n in range(4)] == [
        "early.jpg",
        "middle.jpg",
        "late.jpg",
        "clip.mp4",
    ]

    # A click opens the viewer (not the preview page), on the photo clicked.
    album_grid(page).get_by_role("link", name="early.jpg").click()
    viewer = page.get_by_role("dialog", name="early.jpg")
    expect(viewer).to_be_visible()
    assert page.url.endswith(f"/photos/albums/{story_id}/")
    expect(viewer.get_by_role("img", name="early.jpg")).to_be_visible()
    page.wait_for_function(LOADED)
    expect(viewer.get_by_role("button", name="Close")).to_be_focused()
    expect(viewer.get_by_role("button", name="Remove from album")).to_be_visible()
    expect(viewer.get_by_role("link", name="Download")).to_have_attribute(
        "href", re.compile(f"/files/{early}/download$")
    )

    # The arrow keys step through the album in its order.
    page.keyboard.press("ArrowRight")
    viewer = page.get_by_role("dialog", name="middle.jpg")
    expect(viewer).to_be_visible()
    page.wait_for_function(LOADED)
    viewer.get_by_role("button", name="Info").click()
    info = viewer.get_by_role("complementary", name="Info")
    expect(info).to_contain_text("4 July 2021")
    audit_looks(page, screenshot, "album-viewer", found := [])
    page.set_viewport_size({"width": 1280, "height": 800})
    page.keyboard.press("Escape")
    expect(page.locator("#photo-viewer")).to_be_hidden()
    expect(album_grid(page).get_by_role("link", name="middle.jpg")).to_be_focused()

    # Remove from album: the file stays in the drive, the viewer shows the next photo.
    page.keyboard.press("Enter")
    viewer = page.get_by_role("dialog", name="middle.jpg")
    expect(viewer).to_be_visible()
    viewer.get_by_role("button", name="Remove from album").click()
    expect(page.get_by_role("dialog", name="late.jpg")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Removed 1 from the album.")).to_be_visible()
    expect(album_grid(page).get_by_role("link")).to_have_count(3)
    in_album = StoryFile.objects.filter(story__story_id=story_id).values_list("file__file_id", flat=True)
    assert sorted(in_album) == sorted([early, late, clip])
    assert File.objects.get(file_id=middle).trashed is False
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="early.jpg")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="late.jpg")).to_be_visible()
    screenshot("album-viewer-after-remove")

    # Move to trash: the photo leaves the page; the next one shows, a video that plays.
    page.get_by_role("dialog", name="late.jpg").get_by_role("button", name="Move to trash").click()
    expect(page.get_by_role("dialog", name="clip.mp4")).to_be_visible()
    expect(album_grid(page).get_by_role("link")).to_have_count(2)
    assert File.objects.get(file_id=late).trashed is True
    page.wait_for_function("() => document.querySelector('#photo-viewer video')?.readyState >= 2")
    page.evaluate("() => { const v = document.querySelector('#photo-viewer video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#photo-viewer video').currentTime > 0.3")
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="early.jpg")).to_be_visible()
    expect(page.locator("#photo-viewer video")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(album_grid(page).get_by_role("link", name="early.jpg")).to_be_focused()
    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)


@pytest.mark.slow
def test_a_place_opens_its_photos_in_the_viewer(drive_url, alice_api, page, screenshot):  # noqa: F811
    sign_in(page, drive_url)
    louvre = upload_photo(alice_api, "louvre.jpg", "2022:06:01 10:00:00", gps=PARIS)
    upload_photo(alice_api, "seine.jpg", "2022:06:03 19:00:00", gps=PARIS, color=(30, 30, 200))
    paris = city_of(louvre)

    page.goto(f"{drive_url}/photos/places/city/?{urlencode({'city': paris})}")
    expect(page.get_by_role("heading", name=paris, level=1)).to_be_visible()
    wait_ready(page)
    grid = page.get_by_role("list", name=f"Photos taken in {paris}")
    expect(grid.get_by_role("link")).to_have_count(2)

    grid.get_by_role("link", name="seine.jpg").click()  # the newest first
    viewer = page.get_by_role("dialog", name="seine.jpg")
    expect(viewer).to_be_visible()
    page.wait_for_function(LOADED)
    expect(viewer.get_by_role("button", name="Remove from album")).to_have_count(0)
    page.keyboard.press("ArrowRight")
    viewer = page.get_by_role("dialog", name="louvre.jpg")
    expect(viewer).to_be_visible()
    page.wait_for_function(LOADED)
    viewer.get_by_role("button", name="Info").click()
    expect(viewer.get_by_role("complementary", name="Info")).to_contain_text(paris)
    screenshot("place-viewer")
    # Share, as on the timeline: the share dialog over the viewer, and back.
    viewer.get_by_role("button", name="Share").click()
    share = page.get_by_role("dialog", name="Share “louvre.jpg”")
    expect(share).to_be_visible()
    share.get_by_role("button", name="Close").click()
    expect(share).to_be_hidden()
    expect(viewer.get_by_role("button", name="Share")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="seine.jpg")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="louvre.jpg")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#photo-viewer")).to_be_hidden()
    expect(grid.get_by_role("link", name="louvre.jpg")).to_be_focused()
