"""The folder page's panels over HTTP: the viewer's fragment, the details panel, the share
dialog's JSON endpoints (bad input is a 4xx JSON message, never a 500; another person's file or
link is out of reach), and the public share page's gallery, thumbnails and zip."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import requests
from django.utils import timezone
from PIL import Image

from pds_server.models import File, ShareLink
from tests.drive_helpers import Browser, sign_in


def api(browser: Browser, method: str, path: str, body: object = None, raw: bytes | None = None):
    if not browser.session.cookies.get("drive_csrftoken"):
        browser.get("/")
    headers = {
        "X-CSRFToken": browser.session.cookies.get("drive_csrftoken", ""),
        "Referer": f"{browser.base}/",
        "Content-Type": "application/json",
    }
    if raw is not None:
        return browser.session.request(method, f"{browser.base}{path}", data=raw, headers=headers)
    return browser.session.request(method, f"{browser.base}{path}", json=body, headers=headers)


def png(color: tuple[int, int, int] = (200, 40, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "PNG")
    return out.getvalue()


def bob_of(drive_url: str, make_user) -> Browser:
    make_user("bob", password="bob-password-22")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-22"))
    bob.user_id = "bob"
    return bob


def test_viewer_fragment_and_preview_page_show_the_path(browser):
    browser.post("/folders/new", {"parent_id": "root", "name": "Notes"})
    notes = File.objects.get(name="Notes").file_id
    item = browser.upload("todo.txt", b"buy milk\n", parent=notes)
    fragment = browser.get(f"/files/{item['file_id']}/preview?fragment=1")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and 'class="text-preview"' in fragment.text and "buy milk" in fragment.text
    page = browser.get(f"/files/{item['file_id']}/preview")
    assert page.status_code == 200 and "<html" in page.text and "buy milk" in page.text
    assert "Open folder" not in page.text
    assert f'href="/folders/{notes}/"' in page.text and 'href="/"' in page.text


def test_details_panel_shows_type_size_path_times_and_links(browser):
    browser.post("/folders/new", {"parent_id": "root", "name": "Photos"})
    photos = File.objects.get(name="Photos").file_id
    browser.post("/folders/new", {"parent_id": photos, "name": "2026"})
    year = File.objects.get(name="2026").file_id
    item = browser.upload("sky.png", png(), parent=year)
    panel = browser.get(f"/files/{item['file_id']}/details")
    assert panel.status_code == 200 and "<html" not in panel.text
    assert "image/png" in panel.text and "sky.png" in panel.text
    assert re.search(r"\d+ bytes", panel.text)
    links = re.findall(r'<a href="(/(?:folders/[^"]+/)?)"><bdi>([^<]*)</bdi>|<a href="(/)">([^<]*)</a>', panel.text)
    hrefs = [match[0] or match[2] for match in links]
    assert hrefs == ["/", f"/folders/{photos}/", f"/folders/{year}/"], hrefs
    assert "Created" in panel.text and "Modified" in panel.text and "You" in panel.text
    assert "No share links." in panel.text
    created = api(browser, "POST", f"/api/files/{item['file_id']}/shares", {"expires_on": "", "download_limit": 3})
    share = created.json()["share"]
    panel = browser.get(f"/files/{item['file_id']}/details")
    assert share["url"] in panel.text and "Never expires" in panel.text and "0 of 3 downloads" in panel.text
    assert f'data-share-edit="{share["share_id"]}"' in panel.text


def test_share_dialog_creates_and_updates_a_link(browser):
    item = browser.upload("plan.txt", b"the plan")
    path = f"/api/files/{item['file_id']}/shares"
    assert api(browser, "GET", path).json() == {
        "item": {"file_id": item["file_id"], "name": "plan.txt", "type": "file"},
        "shares": [],
    }
    day = (timezone.localdate() + timedelta(days=5)).isoformat()
    answer = api(browser, "POST", path, {"expires_on": day, "password": "tulip", "download_limit": "2"})
    assert answer.status_code == 200, answer.text
    share = answer.json()["share"]
    assert share["expires_on"] == day and share["has_pwd"] is True and share["download_limit"] == 2
    assert share["url"] == f"{browser.base}/s/{share['share_id']}"
    record = ShareLink.objects.get(share_id=share["share_id"])
    assert timezone.localtime(record.expiration).date().isoformat() == day and record.file_ids == [item["file_id"]]

    later = (timezone.localdate() + timedelta(days=40)).isoformat()
    update = f"/api/shares/{share['share_id']}"
    changed = api(browser, "POST", update, {"expires_on": later, "password": "", "download_limit": 0})
    assert changed.status_code == 200, changed.text
    assert changed.json()["share"]["expires_on"] == later and changed.json()["share"]["has_pwd"] is True
    record.refresh_from_db()
    assert timezone.localtime(record.expiration).date().isoformat() == later and record.download_limit == 0
    limited = api(browser, "POST", update, {"download_limit": 9}).json()["share"]
    assert limited["download_limit"] == 9 and limited["expires_on"] == later and limited["has_pwd"] is True
    removed = api(browser, "POST", update, {"expires_on": "", "remove_password": True}).json()["share"]
    assert removed["has_pwd"] is False and removed["expires_on"] == ""
    record.refresh_from_db()
    assert record.password == "" and record.expiration is None
    listed = api(browser, "GET", path).json()["shares"]
    assert [entry["share_id"] for entry in listed] == [share["share_id"]]


def test_bad_share_input_is_a_readable_4xx_next_to_its_field(browser):
    item = browser.upload("plan.txt", b"the plan")
    path = f"/api/files/{item['file_id']}/shares"
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    cases = [
        ({"expires_on": "next tuesday"}, "InvalidParameter.expires_on"),
        ({"expires_on": yesterday}, "InvalidParameter.expires_on"),
        ({"expires_on": "9999-01-01"}, "InvalidParameter.expires_on"),
        ({"download_limit": "-1"}, "InvalidParameter.download_limit"),
        ({"download_limit": "lots"}, "InvalidParameter.download_limit"),
        ({"password": "pässword"}, "InvalidParameter.password"),
        ({"password": "x" * 65}, "InvalidParameter.password"),
    ]
    for body, code in cases:
        answer = api(browser, "POST", path, body)
        assert answer.status_code == 400, (body, answer.status_code, answer.text)
        assert answer.json()["code"] == code and answer.json()["error"], (body, answer.json())
    not_json = api(browser, "POST", path, raw=b"{nope")
    assert not_json.status_code == 400 and not_json.json()["error"]
    listed = api(browser, "POST", path, raw=b"[1, 2]")
    assert listed.status_code == 400
    assert api(browser, "POST", "/api/files/no-such-file/shares", {}).status_code == 404
    assert api(browser, "POST", "/api/shares/no-such-share", {}).status_code == 404
    assert api(browser, "DELETE", path).status_code == 405
    assert not ShareLink.objects.exists()


def test_another_persons_file_and_link_are_refused(browser, drive_url, make_user):
    item = browser.upload("mine.txt", b"mine")
    share = api(browser, "POST", f"/api/files/{item['file_id']}/shares", {}).json()["share"]
    bob = bob_of(drive_url, make_user)
    for method, path, body in (
        ("GET", f"/api/files/{item['file_id']}/shares", None),
        ("POST", f"/api/files/{item['file_id']}/shares", {}),
        ("POST", f"/api/shares/{share['share_id']}", {"remove_password": True, "expires_on": ""}),
    ):
        answer = api(bob, method, path, body)
        assert answer.status_code == 404 and answer.json()["error"], (path, answer.text)
    assert bob.get(f"/files/{item['file_id']}/details").status_code == 404
    assert bob.get(f"/files/{item['file_id']}/preview?fragment=1").status_code == 404
    assert ShareLink.objects.count() == 1
    signed_out = requests.post(f"{drive_url}/api/shares/{share['share_id']}", json={})
    assert signed_out.status_code in (302, 401, 403)


def test_public_page_gallery_thumbnails_and_download_all(browser, drive_url):
    browser.post("/folders/new", {"parent_id": "root", "name": "Trip"})
    trip = File.objects.get(name="Trip").file_id
    browser.upload("a.png", png((10, 200, 10)), parent=trip)
    browser.upload("b.png", png((10, 10, 200)), parent=trip)
    browser.upload("read me.txt", b"hello", parent=trip)
    share = api(browser, "POST", f"/api/files/{trip}/shares", {"download_limit": 3}).json()["share"]
    visitor = requests.Session()
    page = visitor.get(share["url"])
    assert page.status_code == 200 and "Shared by <bdi>Alice</bdi>" in page.text
    folder = visitor.get(f"{drive_url}/s/{share['share_id']}/folders/{trip}/")
    thumbs = re.findall(r'<img src="(/s/[^"]+/thumbnail)"', folder.text)
    assert len(thumbs) == 2 and "5 bytes" in folder.text
    picture = visitor.get(f"{drive_url}{thumbs[0]}")
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/jpeg"
    assert picture.content[:2] == b"\xff\xd8" and picture.headers["X-Content-Type-Options"] == "nosniff"
    large = visitor.get(f"{drive_url}{thumbs[0]}?size=large")
    assert large.status_code == 200 and large.content[:2] == b"\xff\xd8"
    assert visitor.get(f"{drive_url}{thumbs[0]}?size=huge").status_code == 404
    assert ShareLink.objects.get().download_count == 0  # previews are not downloads

    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    archive = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf)
    assert archive.status_code == 200 and archive.headers["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert sorted(names) == ["Trip/", "Trip/a.png", "Trip/b.png", "Trip/read me.txt"]
    assert zipfile.ZipFile(io.BytesIO(archive.content)).read("Trip/read me.txt") == b"hello"
    # The limit (3) is used up: a second zip is refused with a page that says so, not cut short.
    again = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf)
    assert again.status_code == 403 and "no downloads left" in again.text and not again.content.startswith(b"PK")
    stranger = requests.Session()
    stranger.get(f"{drive_url}/s/not-a-share")
    assert stranger.get(f"{drive_url}/s/{share['share_id']}/files/{trip}/thumbnail").status_code in (302, 404)


def test_download_all_asks_for_the_password_first(browser, drive_url):
    item = browser.upload("secret.txt", b"s3cret")
    share = api(browser, "POST", f"/api/files/{item['file_id']}/shares", {"password": "tulip"}).json()["share"]
    visitor = requests.Session()
    visitor.get(share["url"])
    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    blocked = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf, allow_redirects=False)
    assert blocked.status_code == 302 and blocked.headers["Location"].endswith(f"/s/{share['share_id']}")
    visitor.post(share["url"], data={**csrf, "password": "tulip"})
    archive = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf)
    assert zipfile.ZipFile(io.BytesIO(archive.content)).read("secret.txt") == b"s3cret"
