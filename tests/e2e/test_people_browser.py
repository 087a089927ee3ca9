"""People in the browser: real photos of one face (the astronaut and copies of her) analysed
as the worker does; the Photos home and the People page show her face; naming her "Alice" in
place (Enter saves, Escape cancels) makes the Photos search for "Alice" find her photos; a
wrong photo is taken out of her; and the People pages pass an axe-core audit in light, dark
and at phone width."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pds_server.models import FaceGroup
from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_drive_browser import sign_in
from tests.files.test_people_photos import astronaut, cat, split_off, upload_analysed


@pytest.fixture
def alice_api(drive_url, alice) -> Browser:
    return Browser(drive_url, None)  # type: ignore[arg-type]


@pytest.fixture
def her(page, drive_url, alice_api) -> dict[str, str]:
    """Alice, signed in, with three photos of the astronaut taken on three days, and a cat."""
    sign_in(page, drive_url)
    return {
        "astronaut.jpg": upload_analysed(alice_api, "astronaut.jpg", astronaut(), "2021:07:04 18:30:00"),
        "mirrored.jpg": upload_analysed(alice_api, "mirrored.jpg", astronaut(mirrored=True), "2022:01:02 09:00:00"),
        "small.jpg": upload_analysed(alice_api, "small.jpg", astronaut(side=360), "2023:05:01 10:00:00"),
        "cat.jpg": upload_analysed(alice_api, "cat.jpg", cat(), "2023:06:01 10:00:00"),
    }


def photos_of_her(page):
    return page.locator("#person-body .album-grid").get_by_role("img")


@pytest.mark.slow
def test_people_shows_a_face_and_naming_her_makes_search_by_her_name_find_her_photos(drive_url, her, page, screenshot):
    # The Photos home: a row of faces, hers, with her photo count.
    page.goto(f"{drive_url}/photos/")
    expect(page.get_by_role("heading", name="Photos", exact=True)).to_be_visible()
    wait_ready(page)
    strip = page.get_by_role("region", name="People")
    expect(strip.get_by_role("link", name=re.compile(r"^Add a name\W+3 photos$"))).to_be_visible()
    screenshot("photos-home")

    page.get_by_role("navigation", name="Photos").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    wait_ready(page)
    people = page.get_by_role("list", name="People in your photos")
    expect(people.get_by_role("listitem")).to_have_count(1)
    # Her round cover shows the square around her face: the photo placed larger than its frame.
    page.wait_for_function(
        """() => {
            const image = document.querySelector(".person-card .face-cover img");
            const frame = image.parentElement.getBoundingClientRect();
            return image.complete && image.naturalWidth > 0 && image.classList.contains("is-placed")
                && image.getBoundingClientRect().width > 1.5 * frame.width;
        }"""
    )
    expect(people.get_by_text("3 photos", exact=True)).to_be_visible()
    screenshot("people")

    people.get_by_role("link", name=re.compile(r"^Unnamed person\W+3 photos$")).click()
    expect(page.get_by_role("heading", name="Unnamed person", level=1)).to_be_visible()
    wait_ready(page)
    expect(photos_of_her(page)).to_have_count(3)
    names = photos_of_her(page).evaluate_all("(images) => images.map((image) => image.alt)")
    assert names == ["small.jpg", "mirrored.jpg", "astronaut.jpg"]  # newest first, not the cat

    # Her name, typed in place: Escape leaves it as it was, Enter saves it.
    page.get_by_role("button", name="Add a name").click()
    field = page.get_by_role("textbox", name="Name")
    expect(field).to_be_focused()
    page.keyboard.type("Bob")
    page.keyboard.press("Escape")
    expect(field).to_be_hidden()
    expect(page.get_by_role("heading", name="Unnamed person", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Add a name")).to_be_focused()
    page.keyboard.press("Enter")
    expect(field).to_be_focused()
    expect(field).to_have_value("")
    page.keyboard.type("Alice")
    screenshot("naming")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Alice", level=1)).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="Name saved.")).to_be_visible()
    expect(page.get_by_role("button", name="Edit name")).to_be_focused()
    assert FaceGroup.objects.get().name == "Alice"
    screenshot("named")

    # The Photos search box: her name finds her photos.
    search = page.get_by_role("searchbox", name="Search photos")
    search.fill("Alice")
    search.press("Enter")
    expect(page.get_by_role("heading", name=re.compile("Photos matching “Alice”"))).to_be_visible()
    wait_ready(page)
    found = page.get_by_role("list", name="Photos matching Alice").get_by_role("img")
    expect(found).to_have_count(3)
    assert sorted(found.evaluate_all("(images) => images.map((image) => image.alt)")) == [
        "astronaut.jpg",
        "mirrored.jpg",
        "small.jpg",
    ]
    screenshot("search-alice")

    # The People page shows her name now.
    page.goto(f"{drive_url}/photos/people/")
    wait_ready(page)
    expect(page.get_by_role("link", name="Alice")).to_be_visible()


@pytest.mark.slow
def test_a_wrong_photo_is_taken_out_of_her_by_keyboard(drive_url, her, page, screenshot):
    group_id = FaceGroup.objects.get().group_id
    page.goto(f"{drive_url}/photos/people/{group_id}/")
    expect(page.get_by_role("heading", name="Unnamed person", level=1)).to_be_visible()
    wait_ready(page)
    remove = page.get_by_role("button", name="Remove from this person")
    expect(remove).to_be_disabled()
    page.get_by_role("checkbox", name="Select mirrored.jpg").focus()
    page.keyboard.press("Space")
    expect(page.get_by_text("1 selected")).to_be_visible()
    screenshot("selected")
    remove.click()
    expect(page.get_by_role("status").filter(has_text="Removed 1 from this person.")).to_be_visible()
    expect(photos_of_her(page)).to_have_count(2)
    expect(page.get_by_text("2 photos")).to_be_visible()
    page.reload()
    wait_ready(page)
    expect(photos_of_her(page)).to_have_count(2)
    # In the viewer: "Remove from this person" takes the photo shown out.
    page.get_by_role("link", name="small.jpg").click()
    viewer = page.get_by_role("dialog", name="small.jpg")
    expect(viewer).to_be_visible()
    viewer.get_by_role("button", name="Remove from this person").click()
    expect(page.get_by_role("status").filter(has_text="Removed 1 from this person.")).to_have_count(1)
    page.keyboard.press("Escape")
    expect(photos_of_her(page)).to_have_count(1)
    # The page says so at once: the count, and no day left without a photo.
    expect(page.locator(".person-title").get_by_text("1 photo", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=2)).to_have_count(1)
    expect(page.get_by_role("heading", name="Sunday, 4 July 2021", level=2)).to_be_visible()
    page.reload()
    wait_ready(page)
    expect(photos_of_her(page)).to_have_count(1)
    # Nobody else to merge with: the button says so and cannot be used.
    expect(page.get_by_role("button", name="Merge with…")).to_be_disabled()
    # Her last photo taken out: she is no more; People says so.
    page.get_by_role("checkbox", name="Select astronaut.jpg").check()
    page.get_by_role("button", name="Remove from this person").click()
    expect(page.get_by_role("heading", name="People", level=1)).to_be_visible()
    wait_ready(page)
    expect(page.locator(".toast", has_text="That person is not in your photos any more.")).to_be_visible()
    expect(page.get_by_text("No people yet.")).to_be_visible()


@pytest.mark.slow
def test_two_people_who_are_one_are_merged_from_the_merge_dialog(drive_url, her, page, screenshot):
    # The grouping split her in two: her small photo's face in a group of its own, named.
    first = FaceGroup.objects.get()
    second = split_off(first, her["small.jpg"], name="Alice")
    page.goto(f"{drive_url}/photos/people/{first.group_id}/")
    expect(page.get_by_role("heading", name="Unnamed person", level=1)).to_be_visible()
    wait_ready(page)
    expect(photos_of_her(page)).to_have_count(2)
    opener = page.get_by_role("button", name="Merge with…")
    opener.click()
    dialog = page.get_by_role("dialog", name="Merge with…")
    choice = dialog.get_by_role("radio", name=re.compile(r"^Alice\W+1 photo$"))
    expect(choice).to_be_focused()
    merge = dialog.get_by_role("button", name="Merge", exact=True)
    expect(merge).to_be_disabled()
    page.keyboard.press("Space")
    expect(merge).to_be_enabled()
    screenshot("merge-dialog")
    page.keyboard.press("Escape")
    expect(opener).to_be_focused()
    opener.click()
    dialog.get_by_role("radio", name=re.compile(r"^Alice\W+1 photo$")).check()
    merge.click()
    # The named one stays: her page, with the photos of both.
    expect(page.get_by_role("heading", name="Alice", level=1)).to_be_visible()
    wait_ready(page)
    assert page.url.endswith(f"/photos/people/{second.group_id}/")
    expect(photos_of_her(page)).to_have_count(3)
    assert FaceGroup.objects.count() == 1
    screenshot("merged")


@pytest.mark.slow
def test_the_people_pages_pass_an_audit_in_every_look(drive_url, her, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    found: list[str] = []
    page.goto(f"{drive_url}/photos/")
    wait_ready(page)
    expect(page.get_by_role("region", name="People")).to_be_visible()
    audit_looks(page, screenshot, "photos-home", found)
    page.goto(f"{drive_url}/photos/people/")
    wait_ready(page)
    audit_looks(page, screenshot, "people", found)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name=re.compile(r"^Unnamed person\W+3 photos$")).click()
    expect(page.get_by_role("heading", name="Unnamed person", level=1)).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "person", found)
    page.get_by_role("button", name="Add a name").click()
    page.get_by_role("textbox", name="Name").fill("Alice with a rather long name for a phone")
    page.get_by_role("checkbox", name="Select small.jpg").check()
    audit_looks(page, screenshot, "person-naming", found)
    assert not found, "\n".join(found)
