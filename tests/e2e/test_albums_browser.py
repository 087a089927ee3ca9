"""A person makes albums in the browser: a new album gets photos from the "Add photos"
picker, is renamed and shared by link; the album picker (the Photos timeline's and the
viewer's "Add to album") makes an album from a selection, which opens with its photos; and
the Albums pages pass an axe-core audit in light, dark and at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pds_server.models import ShareLink, Story
from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_drive_browser import sign_in
from tests.files.test_albums import upload_photo

# What the timeline and the viewer do: import the module and call it with the selection.
OPEN_PICKER = """async (ids) => {
    const any = document.querySelector("script[type=module][src]").src;
    const { openAlbumPicker } = await import(new URL("album-picker.js", any).href);
    window.pickerResult = openAlbumPicker(ids);
}"""


@pytest.fixture
def alice_api(drive_url, alice) -> Browser:
    return Browser(drive_url, None)  # type: ignore[arg-type]


@pytest.fixture
def photos(page, drive_url, alice_api) -> dict[str, str]:
    """Alice, signed in, with three photos taken on three days."""
    sign_in(page, drive_url)
    return {
        "early.jpg": upload_photo(alice_api, "early.jpg", "2019:01:02 08:00:00", color=(30, 200, 30)),
        "middle.jpg": upload_photo(alice_api, "middle.jpg", "2021:07:04 18:30:00", color=(30, 30, 200)),
        "late.jpg": upload_photo(alice_api, "late.jpg", "2023:05:01 10:00:00"),
    }


def grid(page):
    return page.get_by_role("list", name="Photos in this album")


@pytest.mark.slow
def test_a_new_album_gets_photos_from_the_picker_is_renamed_and_shared(drive_url, photos, page, screenshot):
    page.goto(f"{drive_url}/photos/albums/")
    expect(page.get_by_role("heading", name="Albums", exact=True)).to_be_visible()
    wait_ready(page)
    expect(page.get_by_text("No albums yet.")).to_be_visible()
    screenshot("albums-empty")

    page.get_by_role("button", name="New album").click()
    dialog = page.get_by_role("dialog", name="New album")
    expect(dialog.get_by_label("Album name")).to_be_focused()
    page.keyboard.type("Summer")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Summer", level=1)).to_be_visible()
    wait_ready(page)
    expect(page.get_by_text("This album is empty.")).to_be_visible()

    # Add photos: the drive's photos, newest first; two chosen by keyboard.
    page.get_by_role("button", name="Add photos").click()
    picker = page.get_by_role("dialog", name="Add photos")
    first = picker.get_by_role("checkbox", name="late.jpg")
    expect(first).to_be_focused()
    names = picker.get_by_role("checkbox").evaluate_all("(boxes) => boxes.map((box) => box.labels[0].textContent)")
    assert names == ["late.jpg", "middle.jpg", "early.jpg"]
    page.keyboard.press("Space")
    # The picker has taken the first choice (its count shows it) before the second is made.
    expect(first).to_be_checked()
    expect(picker.get_by_role("button", name="Add 1")).to_be_visible()
    picker.get_by_role("checkbox", name="early.jpg").check()
    expect(picker.get_by_role("button", name="Add 2")).to_be_visible()
    screenshot("add-photos")
    picker.get_by_role("button", name="Add 2").click()
    expect(page.get_by_role("status").filter(has_text="Added 2 to the album.")).to_be_visible()
    expect(grid(page).get_by_role("img")).to_have_count(2)
    # In capture-date order, oldest first.
    expect(grid(page).get_by_role("img").first).to_have_attribute("alt", "early.jpg")
    expect(page.get_by_role("button", name="Add photos")).to_be_focused()

    # Set one as the cover (not the one shown at first: the newest), by keyboard.
    expect(page.locator(".album-tile.is-cover")).to_have_attribute("data-id", photos["late.jpg"])
    page.get_by_role("checkbox", name="Select early.jpg").focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("1 selected")).to_be_visible()
    page.get_by_role("button", name="Set as cover").click()
    expect(page.locator(".album-tile.is-cover")).to_have_attribute("data-id", photos["early.jpg"])
    expect(page.get_by_role("checkbox", name="Select early.jpg")).to_be_focused()
    story = Story.objects.get(story_name="Summer")
    assert story.cover_file_id == photos["early.jpg"]
    screenshot("album")

    page.get_by_role("button", name="Rename album").click()
    rename = page.get_by_role("dialog", name="Rename album")
    rename.get_by_label("Album name").fill("Summer 2023")
    rename.get_by_role("button", name="Rename").click()
    expect(page.get_by_role("heading", name="Summer 2023", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Rename album")).to_be_focused()
    page.reload()
    expect(page.get_by_role("heading", name="Summer 2023", level=1)).to_be_visible()
    wait_ready(page)

    page.get_by_role("button", name="Share").click()
    share = page.get_by_role("dialog", name="Share album")
    share.get_by_role("button", name="Create link").click()
    link = share.get_by_label("Link")
    expect(link).to_be_focused()
    expect(link).to_have_value(re.compile(r"/s/[A-Za-z0-9_-]+$"))
    share_id = link.input_value().rsplit("/", 1)[1]
    assert ShareLink.objects.get(share_id=share_id).story_id == story.story_id
    screenshot("share")
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Share")).to_be_focused()

    page.goto(f"{drive_url}/photos/albums/")
    expect(page.get_by_role("link", name="Summer 2023")).to_be_visible()
    wait_ready(page)
    expect(page.get_by_text("2 items")).to_be_visible()


@pytest.mark.slow
def test_the_album_picker_makes_an_album_from_a_selection_which_opens_with_its_photos(
    drive_url, photos, alice_api, page, screenshot
):
    alice_api.pds("image/create_story", {"drive_id": alice_api.drive_id, "story_type": "custom", "story_name": "Old"})
    page.goto(f"{drive_url}/photos/albums/")
    expect(page.get_by_role("heading", name="Albums", exact=True)).to_be_visible()
    wait_ready(page)
    opener = page.get_by_role("button", name="New album")
    opener.focus()
    page.evaluate(OPEN_PICKER, [photos["middle.jpg"], photos["late.jpg"]])
    picker = page.get_by_role("dialog", name="Add to album")
    expect(picker.get_by_text("2 selected")).to_be_visible()
    expect(picker.get_by_role("button", name=re.compile(r"^Old"))).to_be_focused()
    screenshot("picker")
    picker.get_by_label("New album").fill("Paris")
    picker.get_by_role("button", name="Create and add").click()
    expect(picker).to_be_hidden()
    expect(opener).to_be_focused()
    toast = page.get_by_role("status").filter(has_text="Added to “Paris”.")
    expect(toast).to_be_visible()
    result = page.evaluate("async () => await window.pickerResult")
    assert result["url"] == f"/photos/albums/{result['story_id']}/"

    toast.get_by_role("button", name="Open album").click()
    expect(page.get_by_role("heading", name="Paris", level=1)).to_be_visible()
    wait_ready(page)
    expect(grid(page).get_by_role("img")).to_have_count(2)
    assert grid(page).get_by_role("img").evaluate_all("(images) => images.map((image) => image.alt)") == [
        "middle.jpg",
        "late.jpg",
    ]

    # The picker again, into the album now there: it adds there, and says so.
    page.evaluate(OPEN_PICKER, [photos["early.jpg"]])
    page.get_by_role("dialog", name="Add to album").get_by_role("button", name=re.compile(r"^Paris")).click()
    expect(page.get_by_role("status").filter(has_text="Added to “Paris”.")).to_have_count(1)
    page.reload()
    wait_ready(page)
    expect(grid(page).get_by_role("img")).to_have_count(3)


@pytest.mark.slow
def test_the_albums_pages_pass_an_audit_in_every_look(drive_url, photos, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    found: list[str] = []
    page.goto(f"{drive_url}/photos/albums/")
    wait_ready(page)
    audit_looks(page, screenshot, "albums-empty", found)
    page.get_by_role("button", name="New album").click()
    page.get_by_label("Album name").fill("A long album name for the trip to the sea in the summer")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("A long album name")
    wait_ready(page)
    audit_looks(page, screenshot, "album-empty", found)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("button", name="Add photos").click()
    expect(page.get_by_role("dialog", name="Add photos").get_by_role("checkbox")).to_have_count(3)
    audit_looks(page, screenshot, "album-add", found)
    page.get_by_role("dialog", name="Add photos").get_by_role("checkbox", name="late.jpg").check()
    page.get_by_role("dialog", name="Add photos").get_by_role("checkbox", name="early.jpg").check()
    page.get_by_role("button", name="Add 2").click()
    expect(grid(page).get_by_role("img")).to_have_count(2)
    page.get_by_role("checkbox", name="Select early.jpg").check()
    audit_looks(page, screenshot, "album", found)
    page.goto(f"{drive_url}/photos/albums/")
    wait_ready(page)
    audit_looks(page, screenshot, "albums", found)
    page.evaluate(OPEN_PICKER, [photos["middle.jpg"]])
    expect(page.get_by_role("dialog", name="Add to album")).to_be_visible()
    audit_looks(page, screenshot, "album-picker", found)
    assert not found, "\n".join(found)
