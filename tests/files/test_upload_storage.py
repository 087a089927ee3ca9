"""The upload API on a full PDS disk and on cancel: a full disk is a clear, final 507 (no
"unavailable, retrying"), and cancelling an upload releases its quota hold at once."""

from __future__ import annotations

import errno

import pytest

from pds_server.models import Drive, File, Upload
from pds_server.storage import local


@pytest.fixture
def api(browser, drive_url):
    browser.get("/")

    def call(method, path, body=None, **kwargs):
        headers = {
            "X-CSRFToken": browser.session.cookies.get("drive_csrftoken", ""),
            "Content-Type": "application/json",
            "Referer": f"{drive_url}/",
        }
        return browser.session.request(method, f"{drive_url}{path}", json=body, headers=headers, **kwargs)

    return call


def test_a_full_pds_disk_is_a_clear_final_error(api, monkeypatch):
    def full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(local, "write_all", full)
    started = api("POST", "/api/uploads", {"parent_id": "root", "name": "big.bin", "size": 3, "part_count": 1}).json()
    answer = api("PUT", f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1", data=b"abc")
    assert answer.status_code == 507, answer.text
    body = answer.json()
    assert body["code"] == "StorageFull" and "storage is full" in body["error"]
    assert "retry" not in body


def test_cancelling_an_upload_releases_its_quota_hold_and_never_deletes_a_replaced_file(api):
    started = api("POST", "/api/uploads", {"parent_id": "root", "name": "c.bin", "size": 500, "part_count": 1}).json()
    drive = Drive.objects.get(pk=int(Upload.objects.get(upload_id=started["upload_id"]).file.drive_id))
    assert drive.reserved_size == 500
    cancelled = api("POST", f"/api/uploads/{started['file_id']}/{started['upload_id']}/cancel", {})
    assert cancelled.status_code == 200, cancelled.text
    drive.refresh_from_db()
    assert drive.reserved_size == 0 and not File.objects.filter(file_id=started["file_id"]).exists()

    # An upload meant to replace an existing file: cancelling it leaves the file.
    first = api("POST", "/api/uploads", {"parent_id": "root", "name": "keep.bin", "size": 3, "part_count": 1}).json()
    api("PUT", f"/api/uploads/{first['file_id']}/{first['upload_id']}/parts/1", data=b"abc")
    api("POST", f"/api/uploads/{first['file_id']}/{first['upload_id']}/complete", {})
    body = {"parent_id": "root", "name": "keep.bin", "size": 3, "part_count": 1, "check_name_mode": "overwrite"}
    replacing = api("POST", "/api/uploads", body).json()
    assert replacing["file_id"] == first["file_id"]
    assert api("POST", f"/api/uploads/{replacing['file_id']}/{replacing['upload_id']}/cancel", {}).status_code == 200
    assert File.objects.get(file_id=first["file_id"]).status == File.Status.AVAILABLE
