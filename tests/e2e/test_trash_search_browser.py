"""Trash and search in Chromium: each item's folder path as links, trash actions enabled
only for a selection, and Delete forever and Empty trash asking first."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pds_server.models import File
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in


@pytest.mark.slow
def test_trash_and_search_show_where_items_are_and_trash_acts_on_a_selection(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    person = Browser(drive_url, sign_in_over_http(drive_url))
    body = {"drive_id": person.drive_id, "type": "folder"}
    photos = person.pds("file/create", {**body, "parent_file_id": "root", "name": "Photos"})["file_id"]
    year = person.pds("file/create", {**body, "parent_file_id": photos, "name": "2024"})["file_id"]
    person.upload("sunset.jpg", b"jpg", parent=year)
    for name in ("old.txt", "older.txt"):
        trashed = person.upload(name, b"x", parent=photos)
        person.pds("recyclebin/trash", {"drive_id": person.drive_id, "file_id": trashed["file_id"]})

    page.goto(f"{drive_url}/search/?q=sunset")
    expect(page.get_by_role("link", name="sunset.jpg")).to_be_visible()
    wait_ready(page)
    row = page.get_by_role("row", name="sunset.jpg")
    expect(row.get_by_role("link")).to_have_text(["sunset.jpg", "My drive", "Photos", "2024"])
    screenshot("search")
    row.get_by_role("link", name="2024").click()
    expect(page.get_by_role("heading", name="2024")).to_be_visible()

    page.goto(f"{drive_url}/trash/")
    expect(page.get_by_text("old.txt", exact=True)).to_be_visible()
    wait_ready(page)
    expect(page.get_by_role("row", name="old.txt", exact=False).first.get_by_role("link")).to_have_text(
        ["My drive", "Photos"]
    )
    restore = page.get_by_role("button", name="Restore")
    forever = page.get_by_role("button", name="Delete forever")
    expect(restore).to_be_disabled()
    expect(forever).to_be_disabled()
    page.get_by_label("Select old.txt").check()
    expect(restore).to_be_enabled()
    expect(page.get_by_text("1 selected")).to_be_visible()
    page.get_by_label("Select all").check()
    expect(page.get_by_label("Select older.txt")).to_be_checked()
    expect(page.get_by_text("2 selected")).to_be_visible()
    page.get_by_label("Select all").uncheck()
    expect(forever).to_be_disabled()
    screenshot("trash")

    page.get_by_role("button", name="Empty trash").click()
    dialog = page.get_by_role("dialog", name="Empty the trash?")
    expect(dialog).to_be_visible()
    screenshot("empty-trash-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert File.objects.filter(name="old.txt").exists()

    page.get_by_label("Select old.txt").check()
    forever.click()
    confirm = page.get_by_role("dialog", name="Delete forever?")
    confirm.get_by_role("button", name="Delete forever").click()
    expect(page.get_by_text("old.txt", exact=True)).to_be_hidden()
    wait_ready(page)
    assert not File.objects.filter(name="old.txt").exists() and File.objects.filter(name="older.txt").exists()

    page.get_by_role("button", name="Empty trash").click()
    dialog.get_by_role("button", name="Empty trash").click()
    expect(page.get_by_text("The trash is empty.")).to_be_visible()
    assert not File.objects.filter(name="older.txt").exists()
