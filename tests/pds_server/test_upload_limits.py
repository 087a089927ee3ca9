"""Quota holds and caps on uploads: deleting a file still uploading releases its hold at
once, drive/get shows used and reserved bytes apart, and a user's open uploads and live
part URLs are capped."""

from __future__ import annotations

import os
import uuid

import requests

from pds_server.models import Drive, Upload
from tests.pds_server.api_client import make_api
from tests.pds_server.test_upload_assembly import create, put_parts


def drive_of(api) -> dict:
    return api.ok("drive/get", {})


def test_deleting_a_file_still_uploading_releases_its_quota_hold_at_once(alice, bob, settings):
    Drive.objects.filter(pk=int(alice.drive_id)).update(total_size=1000)
    data = os.urandom(600)
    created = create(alice, "abandoned.bin", data, parts=2)
    put_parts(created, data)
    shown = drive_of(alice)
    assert (shown["used_size"], shown["reserved_size"], shown["total_size"]) == (0, 600, 1000)
    refused = alice.call(
        "file/create", {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "b", "type": "file", "size": 600}
    )
    assert refused.status_code == 403 and refused.json()["code"] == "QuotaExhausted.Drive"
    # Another user cannot see it, let alone delete it.
    assert bob.call("file/delete", {"drive_id": alice.drive_id, "file_id": created["file_id"]}).status_code in (
        403,
        404,
    )

    alice.ok("file/delete", {"file_id": created["file_id"]}, 204)
    assert drive_of(alice)["reserved_size"] == 0
    assert not Upload.objects.exists()
    assert not (settings.DATA_DIR / "blobs" / "uploads" / created["upload_id"]).exists()
    alice.upload("fits.bin", os.urandom(900))
    assert (drive_of(alice)["used_size"], drive_of(alice)["reserved_size"]) == (900, 0)


def test_open_uploads_are_capped_per_user(pds_url, make_user, jwt_app, settings):
    settings.PDS_MAX_OPEN_UPLOADS_PER_USER = 2
    carol = make_api(pds_url, make_user(f"carol-{uuid.uuid4().hex[:8]}"), jwt_app)
    first = create(carol, "1.bin", b"1", parts=1)
    create(carol, "2.bin", b"2", parts=1)
    third = carol.call(
        "file/create",
        {"drive_id": carol.drive_id, "parent_file_id": "root", "name": "3.bin", "type": "file", "size": 1},
    )
    assert third.status_code == 429 and third.json()["code"] == "TooManyRequests.OpenUploads", third.text
    put_parts(first, b"1")
    carol.ok("file/complete", {"file_id": first["file_id"], "upload_id": first["upload_id"]})
    create(carol, "3.bin", b"3", parts=1)  # a completed upload frees its place


def test_live_part_urls_are_capped_per_user(pds_url, make_user, jwt_app, settings):
    settings.PDS_MAX_PART_URLS_PER_USER = 5
    dave = make_api(pds_url, make_user(f"dave-{uuid.uuid4().hex[:8]}"), jwt_app)
    created = create(dave, "parts.bin", b"x" * 4, parts=4)  # four URLs
    ids = {"drive_id": dave.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
    assert dave.call("file/get_upload_url", {**ids, "part_info_list": [{"part_number": 1}]}).status_code == 200
    refused = dave.call("file/get_upload_url", {**ids, "part_info_list": [{"part_number": 2}]})
    assert refused.status_code == 429 and refused.json()["code"] == "TooManyRequests.PartUrls", refused.text
    again = dave.call(
        "file/create",
        {"drive_id": dave.drive_id, "parent_file_id": "root", "name": "more.bin", "type": "file", "size": 1},
    )
    assert again.status_code == 429 and again.json()["code"] == "TooManyRequests.PartUrls"
    # The URLs handed out still work.
    assert requests.put(created["part_info_list"][0]["upload_url"], data=b"x").status_code == 200
