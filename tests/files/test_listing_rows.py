"""Rows rendered as the listing renders them (GET /api/actions/rows), which the folder page
fetches to show a just-uploaded file or a new folder in place."""

from __future__ import annotations

import io
import re

import requests
from PIL import Image

from pds_server.models import File
from tests.drive_helpers import Browser, sign_in


def rows(browser: Browser, *file_ids: str) -> str:
    query = "&".join(f"ids={file_id}" for file_id in file_ids)
    answer = browser.session.get(f"{browser.base}/api/actions/rows?{query}")
    assert answer.status_code == 200, answer.text
    html: str = answer.json()["rows"]
    return html


def test_a_new_file_comes_back_as_its_listing_row(browser):
    item = browser.upload("notes.txt", b"hello")
    row = rows(browser, item["file_id"])
    assert re.findall(r'<tr data-id="([^"]+)"', row) == [item["file_id"]]
    assert 'data-name="notes.txt"' in row and 'data-type="file"' in row and 'data-size="5"' in row
    assert "<html" not in row and 'class="more"' not in row  # just the row


def test_a_folder_row_links_to_the_folder_and_grid_rows_show_thumbnails(browser):
    browser.post("/folders/new", {"parent_id": "root", "name": "Photos", "next": "/"})
    folder = File.objects.get(name="Photos").file_id
    assert f'href="/folders/{folder}/"' in rows(browser, folder)

    png = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(png, format="PNG")
    photo = browser.upload("red.png", png.getvalue(), parent=folder)
    browser.get(f"/folders/{folder}/?view=grid")  # the view is the page's, kept in the session
    assert f"/files/{photo['file_id']}/thumbnail" in rows(browser, photo["file_id"])
    browser.get(f"/folders/{folder}/?view=list")
    assert "/thumbnail" not in rows(browser, photo["file_id"])


def test_another_users_a_trashed_or_an_unknown_item_has_no_row(browser, drive_url, make_user):
    make_user("bob", password="bob-password-22")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-22"))
    bob.user_id = "bob"
    secret = bob.upload("bob.txt", b"bob's")
    mine = browser.upload("old.txt", b"old")
    browser.post("/selection", {"operation": "trash", "ids": [mine["file_id"]], "next": "/"})
    assert File.objects.get(file_id=mine["file_id"]).trashed
    kept = browser.upload("kept.txt", b"kept")
    found = rows(browser, secret["file_id"], "no-such-file", mine["file_id"], kept["file_id"])
    assert re.findall(r'<tr data-id="([^"]+)"', found) == [kept["file_id"]]


def test_rows_need_a_signed_in_user(drive_url, alice):
    answer = requests.get(f"{drive_url}/api/actions/rows?ids=anything", allow_redirects=False)
    assert answer.status_code in (302, 401, 403)
    assert "rows" not in answer.text
