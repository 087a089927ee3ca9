"""A person opens Places in the browser: each city their photos were taken in, with its count
and cover; a city opens its photos, newest first. The pages pass an axe-core audit in light,
dark and at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_albums_browser import alice_api  # noqa: F401 (fixture)
from tests.e2e.test_drive_browser import sign_in
from tests.files.test_albums import upload_photo
from tests.files.test_places import PARIS, TOKYO, city_of


@pytest.mark.slow
def test_places_lists_a_city_with_its_count_and_opens_its_photos(drive_url, alice_api, page, screenshot):  # noqa: F811
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    sign_in(page, drive_url)
    louvre = upload_photo(alice_api, "louvre.jpg", "2022:06:01 10:00:00", gps=PARIS)
    upload_photo(alice_api, "seine.jpg", "2022:06:03 19:00:00", gps=PARIS, color=(30, 30, 200))
    shibuya = upload_photo(alice_api, "shibuya.jpg", "2023:03:03 12:00:00", gps=TOKYO, color=(30, 200, 30))
    paris, tokyo = city_of(louvre), city_of(shibuya)
    found: list[str] = []

    page.goto(f"{drive_url}/photos/places/")
    expect(page.get_by_role("heading", name="Places", exact=True)).to_be_visible()
    wait_ready(page)
    cards = page.locator(".album-card")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(paris)
    expect(cards.nth(0)).to_contain_text("2 items")
    expect(cards.nth(1)).to_contain_text(tokyo)
    expect(cards.nth(1)).to_contain_text("1 item")
    # The covers are pictures that loaded.
    page.wait_for_function("() => [...document.querySelectorAll('.album-cover')].every((i) => i.naturalWidth > 0)")
    audit_looks(page, screenshot, "places", found)

    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("link", name=paris, exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=paris, level=1)).to_be_visible()
    wait_ready(page)
    photos = page.get_by_role("list", name=f"Photos taken in {paris}").get_by_role("link")
    expect(photos).to_have_count(2)
    assert [photos.nth(n).get_by_role("img").get_attribute("alt") for n in range(2)] == ["seine.jpg", "louvre.jpg"]
    page.wait_for_function("() => [...document.querySelectorAll('.album-tile img')].every((i) => i.naturalWidth > 0)")
    audit_looks(page, screenshot, "place", found)
    assert not found, "\n".join(found)
