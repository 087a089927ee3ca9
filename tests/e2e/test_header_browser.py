"""The header at phone width (375 px): one short row with search behind an icon button, so
that the first file row shows on the first screen; on a desktop the search field shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in

PHONE = {"width": 375, "height": 667}


@pytest.mark.slow
def test_phone_header_hides_search_behind_a_button_and_leaves_room_for_rows(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    person = Browser(drive_url, sign_in_over_http(drive_url))
    for n in range(30):
        person.upload(f"file-{n:02d}.txt", b"x")
    page.set_viewport_size(PHONE)
    page.goto(f"{drive_url}/")
    expect(page.get_by_role("link", name="file-00.txt", exact=True)).to_be_visible()
    wait_ready(page)

    field = page.get_by_role("searchbox", name="Search")
    opener = page.get_by_role("button", name="Open search")
    expect(field).to_be_hidden()
    expect(opener).to_have_attribute("aria-expanded", "false")
    header = page.locator(".site-header").bounding_box()
    nav = page.get_by_role("navigation", name="Main").bounding_box()
    assert header["height"] + nav["height"] <= 112, (header, nav)
    first_row = page.locator("table.files tr[data-id]").first.bounding_box()
    assert first_row["y"] + first_row["height"] <= PHONE["height"], first_row
    screenshot("phone-header")

    opener.click()
    expect(field).to_be_visible()
    expect(field).to_be_focused()
    # The open field covers the row: what it covers leaves the tab order, its close button stays.
    expect(opener).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_role("button", name="Close search")).to_be_visible()
    screenshot("phone-search-open")
    page.keyboard.press("Escape")
    expect(field).to_be_hidden()
    expect(opener).to_be_focused()

    opener.click()
    page.get_by_role("button", name="Close search").click()
    expect(field).to_be_hidden()
    opener.click()
    field.fill("file-07")
    field.press("Enter")
    expect(page.get_by_role("heading", name="Search")).to_be_visible()
    wait_ready(page)
    expect(page.get_by_role("link", name="file-07.txt")).to_be_visible()

    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("searchbox", name="Search")).to_be_visible()
    expect(page.get_by_role("button", name="Open search")).to_be_hidden()
