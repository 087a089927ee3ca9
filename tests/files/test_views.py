"""The drive pages over HTTP, signed in through the live embedded PDS: browsing, managing,
trash, search, download, and every error path."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from accounts.models import Credential
from pds_server.models import Drive, File
from tests.drive_helpers import Browser, sign_in
from tests.factories import listing_entries


def names_on(page: requests.Response) -> list[str]:
    return re.findall(r'data-name="([^"]*)"', page.text)


def test_empty_drive_then_create_folders_and_browse_with_breadcrumbs(browser):
    home = browser.get("/")
    assert home.status_code == 200 and "Your drive is empty." in home.text
    assert browser.post("/folders/new", {"parent_id": "root", "name": "Projects", "next": "/"}).status_code == 200
    projects = File.objects.get(name="Projects").file_id
    browser.post("/folders/new", {"parent_id": projects, "name": "2026", "next": f"/folders/{projects}/"})
    page = browser.get(f"/folders/{File.objects.get(name='2026').file_id}/")
    assert page.status_code == 200
    crumbs = re.search(r'<nav aria-label="Breadcrumbs".*?</nav>', page.text, re.S).group(0)
    assert "My drive" in crumbs and "Projects" in crumbs and 'aria-current="page">2026<' in crumbs
    duplicate = browser.post("/folders/new", {"parent_id": "root", "name": "Projects", "next": "/"})
    assert "already exists" in duplicate.text
    bad = browser.post("/folders/new", {"parent_id": "root", "name": "a/b", "next": "/"})
    assert bad.status_code == 200 and "Could not create the folder" in bad.text


def test_sort_is_remembered_and_pages_load_by_marker(browser):
    drive = Drive.objects.get(pk=int(browser.drive_id))
    now = timezone.now()
    names = [f"item-{i:03d}" for i in range(230)]
    listing_entries(drive, names, category="", updated_at=lambda i: now - timedelta(minutes=i))
    first = browser.get("/?sort=name&dir=desc")
    assert names_on(first)[:2] == ["item-229", "item-228"] and len(names_on(first)) == 200
    again = browser.get("/")  # the choice is remembered
    assert names_on(again)[:1] == ["item-229"]
    next_page = re.search(r'data-next="([^"]+)"', first.text).group(1).replace("&amp;", "&")
    rest = browser.get("/" + next_page)
    assert names_on(rest) == [f"item-{i:03d}" for i in range(29, -1, -1)] and "data-next" not in rest.text
    assert names_on(browser.get("/?sort=size&dir=asc"))[:2] == ["item-000", "item-001"]
    assert names_on(browser.get("/?sort=modified&dir=desc"))[:1] == ["item-000"]


def test_rename_move_copy_trash_restore_and_delete(browser):
    browser.post("/folders/new", {"parent_id": "root", "name": "Target"})
    target = File.objects.get(name="Target").file_id
    doc = browser.upload("notes.txt", b"hello")
    bad = browser.post(f"/files/{doc['file_id']}/rename", {"name": "", "next": "/"})
    assert bad.status_code == 400 and "must not be empty" in bad.text
    browser.post(f"/files/{doc['file_id']}/rename", {"name": "Target", "next": "/"})
    taken = browser.post(f"/files/{doc['file_id']}/rename", {"name": "Target", "next": "/"})
    assert taken.status_code == 400 and "already exists" in taken.text
    browser.post(f"/files/{doc['file_id']}/rename", {"name": "renamed.txt", "next": "/"})
    assert File.objects.get(file_id=doc["file_id"]).name == "renamed.txt"

    picker = browser.post("/selection", {"operation": "move", "ids": [doc["file_id"]], "next": "/"})
    assert picker.url.startswith(f"{browser.base}/pick/") and "Target" in picker.text and "Move here" in picker.text
    browser.post("/selection", {"operation": "move", "ids": [doc["file_id"]], "target_id": target, "next": "/"})
    assert File.objects.get(file_id=doc["file_id"]).parent_file_id == target
    browser.post("/selection", {"operation": "copy", "ids": [doc["file_id"]], "target_id": "root", "next": "/"})
    assert File.objects.filter(name="renamed.txt").count() == 2

    browser.post("/selection", {"operation": "trash", "ids": [target], "next": "/"})
    trash = browser.get("/trash/")
    assert "Target" in trash.text and "Original folder" in trash.text
    browser.post("/selection", {"operation": "restore", "ids": [target], "next": "/trash/"})
    assert File.objects.get(file_id=target).trashed is False
    browser.post("/selection", {"operation": "trash", "ids": [target], "next": "/"})
    browser.post("/selection", {"operation": "delete", "ids": [target], "next": "/trash/"})
    assert not File.objects.filter(file_id=target).exists() and not File.objects.filter(file_id=doc["file_id"]).exists()
    browser.post(
        "/selection", {"operation": "trash", "ids": [File.objects.get(name="renamed.txt").file_id], "next": "/"}
    )
    emptied = browser.post("/trash/empty")
    assert "The trash is empty." in emptied.text
    nothing = browser.post("/selection", {"operation": "trash", "next": "/"})
    assert "Select one or more items first." in nothing.text


def test_search_by_name_type_and_date(browser):
    browser.post("/folders/new", {"parent_id": "root", "name": "Reports"})
    folder = File.objects.get(name="Reports").file_id
    browser.upload("Quarterly report.pdf", b"%PDF-1.4", parent=folder)
    browser.upload("holiday.jpg", b"\xff\xd8\xff")
    found = browser.get("/search/", params={"q": "REPORT"})
    assert "Quarterly report.pdf" in found.text and "Reports" in found.text
    assert f"/folders/{folder}/" in found.text  # results show their folder
    only_files = browser.get("/search/", params={"q": "report", "type": "file"})
    assert "Quarterly report.pdf" in only_files.text and f'data-id="{folder}"' not in only_files.text
    images = browser.get("/search/", params={"type": "image"})
    assert "holiday.jpg" in images.text and "Quarterly" not in images.text
    future = browser.get("/search/", params={"q": "report", "modified": "2999-01-01"})
    assert "Nothing matches." in future.text


def test_download_streams_with_range_and_a_safe_name(browser):
    data = bytes(range(256)) * 100
    item = browser.upload("résumé <1>.html", data)
    full = browser.get(f"/files/{item['file_id']}/download")
    assert full.status_code == 200 and full.content == data
    disposition = full.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "filename*=UTF-8''r%C3%A9sum%C3%A9%20%3C1%3E.html" in disposition
    assert full.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in full.headers["Content-Security-Policy"]
    part = browser.get(f"/files/{item['file_id']}/download", headers={"Range": "bytes=100-199"})
    assert (
        part.status_code == 206
        and part.content == data[100:200]
        and part.headers["Content-Range"] == f"bytes 100-199/{len(data)}"
    )
    etag = full.headers["ETag"]
    assert (
        browser.get(
            f"/files/{item['file_id']}/download", headers={"Range": "bytes=0-9", "If-Range": '"old"'}
        ).status_code
        == 200
    )
    assert browser.get(f"/files/{item['file_id']}/download", headers={"If-None-Match": etag}).status_code == 304


def test_security_headers_on_every_page(browser):
    for path in ("/", "/trash/", "/search/?q=x"):
        page = browser.get(path)
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert page.headers["X-Content-Type-Options"] == "nosniff"
        assert page.headers["Referrer-Policy"] and page.headers["X-Frame-Options"] == "DENY"


# --- error paths ------------------------------------------------------------------------------


def test_another_users_file_is_not_found(browser, drive_url, make_user):
    make_user("bob", password="bob-password-22")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-22"))
    bob.user_id = "bob"
    secret = bob.upload("bob.txt", b"bob's")
    for action in ("download", "rename", "preview", "inline", "thumbnail", "share"):
        assert browser.get(f"/files/{secret['file_id']}/{action}").status_code == 404, action
    assert browser.get(f"/folders/{secret['file_id']}/").status_code == 404
    zipped = browser.post("/download.zip", {"ids": [secret["file_id"]]})
    assert zipped.status_code == 404
    trashed = browser.post("/selection", {"operation": "trash", "ids": [secret["file_id"]], "next": "/"})
    assert trashed.status_code == 200 and "not found" in trashed.text.lower()
    assert File.objects.get(file_id=secret["file_id"]).trashed is False


def test_state_changes_need_post_and_csrf(browser):
    assert browser.get("/folders/new").status_code == 405
    assert (
        browser.session.post(f"{browser.base}/folders/new", data={"parent_id": "root", "name": "x"}).status_code == 403
    )
    assert not File.objects.filter(name="x").exists()


def test_expired_session_and_dead_grant_go_back_to_sign_in(browser, drive_url):
    anonymous = requests.get(f"{drive_url}/", allow_redirects=False)
    assert anonymous.status_code == 302 and anonymous.headers["Location"].startswith("/accounts/login/")
    Credential.objects.update(dead_at=timezone.now(), dead_reason="Your sign-in ended. Please sign in again.")
    answer = browser.get("/", allow_redirects=False)
    assert answer.status_code == 302 and "/accounts/login/" in answer.headers["Location"]


def test_pds_down_shows_a_clear_page_not_a_500(browser, settings):
    settings.PDS_ENDPOINT = "http://127.0.0.1:9"
    page = browser.get("/")
    assert page.status_code == 503 and "unavailable" in page.text
    assert browser.post("/folders/new", {"parent_id": "root", "name": "x"}).status_code == 503


def test_share_link_password_download_limit_save_and_cancel(browser, drive_url, make_user):
    browser.post("/folders/new", {"parent_id": "root", "name": "Shared"})
    shared = File.objects.get(name="Shared").file_id
    browser.upload("inside.txt", b"shared bytes", parent=shared)
    created = browser.post(
        f"/files/{shared}/share", {"password": "open sesame", "expires_in_days": "7", "download_limit": "1"}
    )
    link = re.search(r'id="share-link" value="([^"]+)"', created.text).group(1)
    share_id = link.rstrip("/").rsplit("/", 1)[1]
    assert link.startswith(f"{drive_url}/s/") and "Copy link" in created.text

    visitor = requests.Session()
    gate = visitor.get(link)
    assert gate.status_code == 200 and "protected by a password" in gate.text and "inside.txt" not in gate.text
    csrf = visitor.cookies.get("drive_csrftoken")
    wrong = visitor.post(link, data={"password": "nope", "csrfmiddlewaretoken": csrf})
    assert wrong.status_code == 403 and "not right" in wrong.text
    opened = visitor.post(link, data={"password": "open sesame", "csrfmiddlewaretoken": csrf})
    assert opened.status_code == 200 and "Shared" in opened.text
    inside = visitor.get(f"{drive_url}/s/{share_id}/folders/{shared}/")
    assert "inside.txt" in inside.text and "Sign in to save a copy" in inside.text
    file_id = File.objects.get(name="inside.txt").file_id
    assert visitor.get(f"{drive_url}/s/{share_id}/files/{file_id}/download").content == b"shared bytes"
    limited = visitor.get(f"{drive_url}/s/{share_id}/files/{file_id}/download")
    assert limited.status_code == 403 and "download limit" in limited.text
    # A file outside the share is out of reach.
    outside = browser.upload("private.txt", b"private")
    assert visitor.get(f"{drive_url}/s/{share_id}/files/{outside['file_id']}/download").status_code == 404

    # A signed-in visitor saves a copy into their own drive.
    make_user("bob", password="bob-password-22")
    bob = sign_in(drive_url, "bob", "bob-password-22")
    bob_csrf = lambda: bob.cookies.get("drive_csrftoken")  # noqa: E731
    bob.get(link)
    bob.post(link, data={"password": "open sesame", "csrfmiddlewaretoken": bob_csrf()})
    saved = bob.post(f"{drive_url}/s/{share_id}/files/{shared}/save", data={"csrfmiddlewaretoken": bob_csrf()})
    assert "Saved a copy to your drive." in saved.text
    bob_drive = Credential.objects.get(user__pds_identity__pds_user_id="bob").default_drive_id
    assert File.objects.filter(drive_id=int(bob_drive), name="Shared").exists()

    listing = browser.get("/shares/")
    assert "Shared" in listing.text and "1 / 1" in listing.text
    browser.post(f"/shares/{share_id}/cancel")
    assert visitor.get(link).status_code == 404
    assert requests.get(f"{drive_url}/s/not-a-share").status_code == 404


def test_previews_are_inline_only_for_safe_types(browser):
    import io as _io

    from PIL import Image

    buffer = _io.BytesIO()
    Image.new("RGB", (10, 10)).save(buffer, "PNG")
    photo = browser.upload("photo.png", buffer.getvalue())
    page = browser.get(f"/files/{photo['file_id']}/preview")
    assert f'<img src="/files/{photo["file_id"]}/inline"' in page.text
    inline = browser.get(f"/files/{photo['file_id']}/inline")
    assert (
        inline.headers["Content-Disposition"].startswith("inline;")
        and "sandbox" in inline.headers["Content-Security-Policy"]
    )
    assert inline.content == buffer.getvalue()
    for name, data in (
        ("page.html", b"<script>alert(1)</script>"),
        ("vector.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("blob.xyz", b"?"),
    ):
        item = browser.upload(name, data)
        assert "There is no preview" in browser.get(f"/files/{item['file_id']}/preview").text
        raw = browser.get(f"/files/{item['file_id']}/inline")
        assert (
            raw.headers["Content-Disposition"].startswith("attachment;")
            and raw.headers["X-Content-Type-Options"] == "nosniff"
        )
    note = browser.upload("readme.txt", b"<b>plain</b> text")
    shown = browser.get(f"/files/{note['file_id']}/preview").text
    assert "&lt;b&gt;plain&lt;/b&gt; text" in shown  # escaped, never markup


def test_folder_and_selection_download_as_a_streamed_zip(browser):
    import io as _io
    import zipfile

    browser.post("/folders/new", {"parent_id": "root", "name": "Album"})
    album = File.objects.get(name="Album").file_id
    browser.post("/folders/new", {"parent_id": album, "name": "Inner"})
    inner = File.objects.get(name="Inner").file_id
    browser.upload("a.txt", b"alpha", parent=album)
    browser.upload("b.txt", b"beta" * 1000, parent=inner)
    loose = browser.upload("c.txt", b"gamma")
    answer = browser.post("/download.zip", {"ids": [album, loose["file_id"]]})
    assert answer.headers["Content-Type"] == "application/zip" and "Content-Length" not in answer.headers
    archive = zipfile.ZipFile(_io.BytesIO(answer.content))
    assert sorted(archive.namelist()) == ["Album/", "Album/Inner/", "Album/Inner/b.txt", "Album/a.txt", "c.txt"]
    assert archive.read("Album/Inner/b.txt") == b"beta" * 1000 and archive.read("c.txt") == b"gamma"
    single = browser.post("/download.zip", {"ids": [album]})
    assert 'filename="Album.zip"' in single.headers["Content-Disposition"]


def test_simplified_chinese_and_the_pds_sign_in_follows(browser, drive_url):
    page = browser.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert page.status_code == 200 and "我的网盘" in page.text and 'lang="zh-hans"' in page.text
    fresh = requests.Session()
    fresh.post(
        f"{drive_url}/i18n/setlang/",
        data={
            "language": "zh-hans",
            "next": "/",
            "csrfmiddlewaretoken": fresh.get(f"{drive_url}/accounts/signed-out/").cookies.get("drive_csrftoken")
            or fresh.cookies.get("drive_csrftoken"),
        },
        headers={"Referer": f"{drive_url}/"},
    )
    login = fresh.get(f"{drive_url}/accounts/login/", allow_redirects=False)
    assert "lang=zh_CN" in login.headers["Location"]  # the PDS sign-in page speaks the same language
    assert "登录" in fresh.get(login.headers["Location"]).text


@pytest.mark.parametrize("mode", ["redirect", "xaccel"])
def test_download_modes_redirect_and_x_accel(browser, settings, mode):
    settings.DRIVE_DOWNLOAD_MODE = mode
    item = browser.upload("m.txt", b"mode bytes")
    answer = browser.get(f"/files/{item['file_id']}/download", allow_redirects=False)
    if mode == "redirect":
        assert answer.status_code == 302 and requests.get(answer.headers["Location"]).content == b"mode bytes"
    else:
        accel = answer.headers["X-Accel-Redirect"]
        assert accel.startswith("/_pds_proxy/http/") and "/v2/file/content?" in accel and answer.content == b""
        assert answer.headers["Content-Disposition"].startswith("attachment;")


def test_upload_api_error_paths(browser, drive_url, make_user, settings):
    def api(method, path, body=None, **kwargs):
        headers = {
            "X-CSRFToken": browser.session.cookies.get("drive_csrftoken", ""),
            "Content-Type": "application/json",
            "Referer": f"{drive_url}/",
        }
        return browser.session.request(method, f"{drive_url}{path}", json=body, headers=headers, **kwargs)

    browser.get("/")
    bad = api("POST", "/api/uploads", {"parent_id": "root", "name": "a/b", "size": 3, "part_count": 1})
    assert bad.status_code == 400 and "/" in bad.json()["error"]
    started = api("POST", "/api/uploads", {"parent_id": "root", "name": "ok.bin", "size": 3, "part_count": 1}).json()
    assert started["upload_id"] and "part_urls" not in started  # proxy mode: no PDS URL reaches the browser
    # Another user's upload is not theirs to touch.
    make_user("bob", password="bob-password-22")
    bob = sign_in(drive_url, "bob", "bob-password-22")
    bob.get(f"{drive_url}/")
    stolen = bob.put(
        f"{drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1",
        data=b"abc",
        headers={"X-CSRFToken": bob.cookies.get("drive_csrftoken"), "Referer": f"{drive_url}/"},
    )
    assert stolen.status_code == 404
    no_csrf = browser.session.put(
        f"{drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1", data=b"abc"
    )
    assert no_csrf.status_code == 403
    assert api("PUT", f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1", data=b"abc").json()["etag"]
    assert api("POST", f"/api/uploads/{started['file_id']}/{started['upload_id']}/complete", {}).json()["size"] == 3
    assert api("POST", "/api/uploads", data=b"{not json").status_code == 400
    settings.PDS_ENDPOINT = "http://127.0.0.1:9"
    down = api("POST", "/api/folders", {"parent_id": "root", "name": "x"})
    assert down.status_code == 503 and down.json()["retry"] is True


def test_grid_view_shows_image_thumbnails_through_drive(browser):
    import io as _io

    from PIL import Image

    buffer = _io.BytesIO()
    Image.new("RGB", (300, 200), (250, 100, 0)).save(buffer, "PNG")
    photo = browser.upload("sunset.png", buffer.getvalue())
    grid = browser.get("/?view=grid")
    assert f'<img class="thumb" src="/files/{photo["file_id"]}/thumbnail"' in grid.text
    thumbnail = browser.get(f"/files/{photo['file_id']}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert Image.open(_io.BytesIO(thumbnail.content)).size == (256, 256)
    assert 'class="thumb"' not in browser.get("/?view=list").text


def test_an_upload_survives_an_expired_access_token_between_parts(browser, drive_url):
    from pds_server.models import AccessToken

    def api(method, path, **kwargs):
        headers = {"X-CSRFToken": browser.session.cookies.get("drive_csrftoken", ""), "Referer": f"{drive_url}/"}
        return browser.session.request(method, f"{drive_url}{path}", headers=headers, **kwargs)

    browser.get("/")
    started = api(
        "POST", "/api/uploads", json={"parent_id": "root", "name": "long.bin", "size": 6, "part_count": 2}
    ).json()
    base = f"/api/uploads/{started['file_id']}/{started['upload_id']}"
    assert api("PUT", f"{base}/parts/1", data=b"abc").status_code == 200
    # The access token dies at the PDS between two parts (as after hours of uploading).
    AccessToken.objects.update(revoked_at=timezone.now())
    assert api("PUT", f"{base}/parts/2", data=b"def").status_code == 200
    assert api("POST", f"{base}/complete", json={}).json()["size"] == 6
    assert Credential.objects.get(user__pds_identity__pds_user_id="alice").refresh_count == 1
