"""A link's download settings hold for everything that is as good as a download: its large
previews and its "Download all" zip are refused (a readable 403, no bytes) when downloads are
turned off or the limit is used up; and the share dialog's fields must have their JSON types."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
import requests

from pds_server.models import File, ShareLink
from tests.files.test_share_panel import api, png


def shared_trip(browser, **settings) -> tuple[dict, str]:
    browser.post("/folders/new", {"parent_id": "root", "name": "Trip"})
    trip = File.objects.get(name="Trip").file_id
    browser.upload("a.png", png((10, 200, 10)), parent=trip)
    browser.upload("note.txt", b"hello", parent=trip)
    share = api(browser, "POST", f"/api/files/{trip}/shares", settings).json()["share"]
    return share, trip


def visit(share: dict) -> requests.Session:
    visitor = requests.Session()
    assert visitor.get(share["url"]).status_code == 200
    return visitor


def folder_page(visitor: requests.Session, drive_url: str, share: dict, trip: str) -> str:
    page = visitor.get(f"{drive_url}/s/{share['share_id']}/folders/{trip}/")
    assert page.status_code == 200
    return page.text


def test_large_previews_follow_the_links_download_settings(browser, drive_url):
    share, trip = shared_trip(browser, download_limit=2)
    visitor = visit(share)
    html = folder_page(visitor, drive_url, share, trip)
    thumb = re.findall(r'<img src="(/s/[^"]+/thumbnail)"', html)[0]
    assert f'href="{thumb}?size=large"' in html and 'id="lightbox"' in html
    assert visitor.get(f"{drive_url}{thumb}?size=large").status_code == 200

    record = ShareLink.objects.get()
    for change, message in (
        ({"disable_download": True}, "turned off downloads"),
        ({"download_count": 2}, "no downloads left"),
    ):
        ShareLink.objects.filter(pk=record.pk).update(**{"disable_download": False, "download_count": 0, **change})
        large = visitor.get(f"{drive_url}{thumb}?size=large")
        assert large.status_code == 403, change
        assert large.headers["Content-Type"].startswith("text/html") and message in large.text
        assert b"\xff\xd8" not in large.content[:4]
        html = folder_page(visitor, drive_url, share, trip)
        assert "size=large" not in html and 'id="lightbox"' not in html and "share-gallery.js" not in html
        assert f'<img src="{thumb}"' in html  # the grid thumbnail is still shown
        grid = visitor.get(f"{drive_url}{thumb}")
        assert grid.status_code == 200 and grid.content[:2] == b"\xff\xd8"
        assert "Download all" not in html
    ShareLink.objects.filter(pk=record.pk).update(disable_download=False, download_count=1)
    assert visitor.get(f"{drive_url}{thumb}?size=large").status_code == 200
    assert ShareLink.objects.get().download_count == 1  # previews are not downloads


def test_download_all_is_refused_before_any_byte_when_downloads_are_off(browser, drive_url):
    share, _ = shared_trip(browser)
    ShareLink.objects.update(disable_download=True)
    visitor = visit(share)
    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    answer = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf, allow_redirects=False)
    assert answer.status_code == 403, answer.status_code
    assert answer.headers["Content-Type"].startswith("text/html") and "turned off downloads" in answer.text
    assert not answer.content.startswith(b"PK")
    assert ShareLink.objects.get().download_count == 0


def test_download_all_is_refused_when_the_limit_is_used_up_or_too_small(browser, drive_url):
    share, _ = shared_trip(browser, download_limit=1)
    visitor = visit(share)
    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    # Two files, one download left: back to the share page with a message.
    answer = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf, allow_redirects=False)
    assert answer.status_code == 302 and answer.headers["Location"].endswith(f"/s/{share['share_id']}")
    assert "does not allow that many more downloads" in visitor.get(share["url"]).text
    assert ShareLink.objects.get().download_count == 0
    ShareLink.objects.update(download_count=1)
    answer = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf, allow_redirects=False)
    assert answer.status_code == 403 and "no downloads left" in answer.text
    assert not answer.content.startswith(b"PK")
    assert ShareLink.objects.get().download_count == 1


def test_a_file_refused_while_zipping_is_left_out_of_a_whole_zip(browser, drive_url, monkeypatch):
    """Downloads turned off after the zip was checked and its first file claimed (a race):
    the zip still ends well formed, with the files it got and a note naming the rest."""
    share, _ = shared_trip(browser)
    visitor = visit(share)
    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    from files import shares

    claim = shares.shared_file_open
    calls = []

    def claim_then_turn_off(**kwargs):
        calls.append(kwargs["file_id"])
        opened = claim(**kwargs)
        ShareLink.objects.update(disable_download=True)
        return opened

    monkeypatch.setattr(shares, "shared_file_open", claim_then_turn_off)
    answer = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf)
    assert answer.status_code == 200 and len(calls) == 2
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None
    names = archive.namelist()
    assert "Trip/" in names and shares.LEFT_OUT_NAME in names
    got = [name for name in ("Trip/a.png", "Trip/note.txt") if name in names]
    missing = {"Trip/a.png", "Trip/note.txt"} - set(got)
    assert len(got) == 1 and len(missing) == 1
    assert missing.pop() in archive.read(shares.LEFT_OUT_NAME).decode()
    assert ShareLink.objects.get().download_count == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"expires_on": ["2030-01-01"]}, "expires_on"),
        ({"expires_on": {"a": 1}}, "expires_on"),
        ({"expires_on": 5}, "expires_on"),
        ({"password": ["a"]}, "password"),
        ({"password": 5}, "password"),
        ({"password": None}, "password"),
        ({"remove_password": "yes"}, "remove_password"),
        ({"remove_password": 1}, "remove_password"),
        ({"download_limit": [1]}, "download_limit"),
        ({"download_limit": {"n": 1}}, "download_limit"),
        ({"download_limit": True}, "download_limit"),
        ({"download_limit": 2.5}, "download_limit"),
    ],
)
def test_share_fields_of_the_wrong_json_type_are_a_400_next_to_the_field(browser, body, field):
    item = browser.upload("plan.txt", b"the plan")
    created = api(browser, "POST", f"/api/files/{item['file_id']}/shares", {"password": "tulip"})
    share = created.json()["share"]
    before = ShareLink.objects.values().get()
    for path in (f"/api/files/{item['file_id']}/shares", f"/api/shares/{share['share_id']}"):
        answer = api(browser, "POST", path, body)
        assert answer.status_code == 400, (path, body, answer.status_code, answer.text[:200])
        assert answer.json()["code"] == f"InvalidParameter.{field}" and answer.json()["error"], answer.json()
    assert ShareLink.objects.count() == 1  # nothing created
    assert ShareLink.objects.values().get() == before  # nor changed


def test_a_connection_broken_mid_file_ends_the_zip_well_without_the_url(browser, drive_url, monkeypatch):
    share, _ = shared_trip(browser)
    visitor = visit(share)
    csrf = {"csrfmiddlewaretoken": visitor.cookies.get("drive_csrftoken")}
    from files import shares

    claim = shares.shared_file_open
    calls = []

    def break_the_second(**kwargs):
        calls.append(kwargs["file_id"])
        chunks = claim(**kwargs)
        if len(calls) == 1:
            return chunks

        def broken():
            yield next(iter(chunks))[:3]
            raise requests.ConnectionError("Max retries exceeded with url: /v2/file/content?signature=SECRET")

        return broken()

    monkeypatch.setattr(shares, "shared_file_open", break_the_second)
    answer = visitor.post(f"{drive_url}/s/{share['share_id']}/download.zip", data=csrf)
    assert answer.status_code == 200 and len(calls) == 2
    archive = zipfile.ZipFile(io.BytesIO(answer.content))
    assert archive.testzip() is None and b"SECRET" not in archive.read(shares.LEFT_OUT_NAME)
    kept = [name for name in ("Trip/a.png", "Trip/note.txt") if name in archive.namelist()]
    assert len(kept) == 1 and "stopped answering" in archive.read(shares.LEFT_OUT_NAME).decode()
