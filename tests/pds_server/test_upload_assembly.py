"""How `complete` turns parts into a blob on local disk: read once, never copied for a
single part, no file left behind, one file per content, the winner's file kept."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import fastcrc
import requests
from django.conf import settings

from pds_server.models import Blob, Drive, Upload, UploadPart
from pds_server.services.upload_complete import upload_complete
from tests.pds_server.upload_race import rival_complete_commits_first


def blobs_dir() -> Path:
    return settings.DATA_DIR / "blobs"


def stored_files(under: str) -> list[str]:
    root = blobs_dir() / under
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()) if root.exists() else []


def blob_files(data: bytes) -> list[str]:
    """The files stored for this content: its blob name and any variant of it."""
    sha1 = hashlib.sha1(data).hexdigest().upper()
    return sorted(
        f"{sha1[:2]}/{sha1[2:4]}/{path.name}"
        for path in (blobs_dir() / "blobs" / sha1[:2] / sha1[2:4]).glob(f"{sha1}*")
    )


def create(api, name: str, data: bytes, parts: int) -> dict:
    return api.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": name,
            "type": "file",
            "size": len(data),
            "part_info_list": [{"part_number": n} for n in range(1, parts + 1)],
        },
        201,
    )


def put_parts(created: dict, data: bytes) -> list[requests.Response]:
    step = -(-len(data) // len(created["part_info_list"]))
    replies = [
        requests.put(info["upload_url"], data=data[(info["part_number"] - 1) * step : info["part_number"] * step])
        for info in created["part_info_list"]
    ]
    assert all(reply.status_code == 200 for reply in replies), [reply.text for reply in replies]
    return replies


def complete(api, created: dict, **extra) -> requests.Response:
    return api.call(
        "file/complete",
        {"drive_id": api.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"], **extra},
    )


def test_part_etag_is_the_quoted_crc64_of_the_part(alice):
    created = create(alice, "check.txt", b"123456789", parts=1)
    reply = put_parts(created, b"123456789")[0]
    # CRC-64/XZ of "123456789" is 0x995DC9BBDF1939FA (RevEng catalogue).
    assert reply.headers["ETag"] == '"995DC9BBDF1939FA"'
    listed = alice.ok("file/list_uploaded_parts", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    assert listed["uploaded_parts"][0]["etag"] == '"995DC9BBDF1939FA"'


def test_a_single_part_becomes_the_blob_without_a_copy_and_leaves_nothing_behind(alice):
    data = os.urandom(3 * 1024 * 1024 + 5)
    created = create(alice, "one.bin", data, parts=1)
    put_parts(created, data)
    part_inode = (blobs_dir() / UploadPart.objects.get().storage_name).stat().st_ino
    assert complete(alice, created).status_code == 200
    blob = Blob.objects.get()
    blob_path = blobs_dir() / blob.storage_name
    assert blob.storage_name == f"blobs/{blob.sha1[:2]}/{blob.sha1[2:4]}/{blob.sha1}"
    assert blob_path.read_bytes() == data
    assert blob_path.stat().st_ino == part_inode, "the part's file should have been linked, not copied"
    assert stored_files(f"uploads/{created['upload_id']}") == []


def test_several_parts_make_one_blob_equal_to_their_concatenation(alice):
    data = os.urandom(34 * 1024 * 1024 + 3)  # parts longer than one mapped window
    created = create(alice, "three.bin", data, parts=3)
    put_parts(created, data)
    done = complete(alice, created).json()
    blob = Blob.objects.get()
    assert (blobs_dir() / blob.storage_name).read_bytes() == data
    assert done["content_hash"] == hashlib.sha1(data).hexdigest().upper() == blob.sha1
    assert done["crc64_hash"] == str(fastcrc.crc64.xz(data)) == blob.crc64
    assert blob.pre_hash == hashlib.sha1(data[:1024]).hexdigest().upper()
    assert stored_files(f"uploads/{created['upload_id']}") == []


def test_an_empty_upload_makes_an_empty_blob(alice):
    created = create(alice, "empty.txt", b"", parts=1)
    put_parts(created, b"")
    done = complete(alice, created).json()
    assert done["content_hash"] == hashlib.sha1(b"").hexdigest().upper() and done["crc64_hash"] == "0"
    assert (blobs_dir() / Blob.objects.get().storage_name).read_bytes() == b""


def test_equal_content_uploaded_again_stores_no_second_file(alice):
    data = os.urandom(2 * 1024 * 1024)
    upload_ids = []
    for name, parts in (("first.bin", 1), ("second.bin", 1), ("third.bin", 4)):
        created = create(alice, name, data, parts=parts)
        put_parts(created, data)
        assert complete(alice, created).status_code == 200
        upload_ids.append(created["upload_id"])
    blob = Blob.objects.get()
    assert blob_files(data) == [blob.storage_name.removeprefix("blobs/")]
    assert [stored_files(f"uploads/{upload_id}") for upload_id in upload_ids] == [[], [], []]


def test_a_refused_complete_keeps_the_parts_and_leaves_no_scratch_file(alice):
    data = os.urandom(1024 * 1024 + 1)
    created = create(alice, "crc.bin", data, parts=2)
    put_parts(created, data)
    part_files = stored_files(f"uploads/{created['upload_id']}")
    refused = complete(alice, created, crc64_hash="1")
    assert refused.status_code == 400 and refused.json()["code"] == "InvalidParameter.Crc64Hash"
    assert stored_files(f"uploads/{created['upload_id']}") == part_files
    assert blob_files(data) == []
    assert complete(alice, created, crc64_hash=str(fastcrc.crc64.xz(data))).status_code == 200
    assert (blobs_dir() / Blob.objects.get().storage_name).read_bytes() == data


def test_a_complete_refused_for_quota_leaves_no_blob_file(alice):
    Drive.objects.filter(pk=int(alice.drive_id)).update(total_size=10)
    created = alice.ok(
        "file/create", {"parent_file_id": "root", "name": "open.bin", "type": "file"}, 201
    )  # no size: nothing reserved
    data = os.urandom(6)
    put_parts(created, data)
    Drive.objects.filter(pk=int(alice.drive_id)).update(used_size=8)  # another upload took the room meanwhile
    refused = complete(alice, created)
    assert refused.status_code == 403 and refused.json()["code"] == "QuotaExhausted.Drive"
    assert blob_files(data) == [] and not Blob.objects.exists()
    assert len(stored_files(f"uploads/{created['upload_id']}")) == 1  # the part stays for a later try


def test_of_two_completes_at_once_the_loser_removes_only_its_own_file(alice, monkeypatch):
    data = os.urandom(1024 * 1024 + 7)
    created = create(alice, "race.bin", data, parts=2)
    put_parts(created, data)
    rival_complete_commits_first(monkeypatch)
    assert complete(alice, created).status_code == 200
    blob = Blob.objects.get()
    assert (blobs_dir() / blob.storage_name).read_bytes() == data
    assert blob_files(data) == [blob.storage_name.removeprefix("blobs/")]
    assert stored_files(f"uploads/{created['upload_id']}") == []
    assert Drive.objects.get(pk=int(alice.drive_id)).used_size == len(data)


def test_a_complete_that_finds_the_parts_taken_by_a_finished_one_returns_the_file(alice):
    data = os.urandom(4096)
    created = create(alice, "late.bin", data, parts=2)
    put_parts(created, data)
    stale = Upload.objects.get(upload_id=created["upload_id"])
    assert complete(alice, created).status_code == 200
    item = upload_complete(upload=stale)
    assert item.file_id == created["file_id"] and item.content_hash == hashlib.sha1(data).hexdigest().upper()


def test_scratch_left_by_a_killed_complete_goes_with_the_upload(alice):
    from pds_server.services.uploads import upload_discard

    data = os.urandom(4096)
    for finish in ("complete", "discard"):
        created = create(alice, f"{finish}.bin", data, parts=2)
        put_parts(created, data)
        folder = blobs_dir() / "uploads" / created["upload_id"]
        (folder / "assembling-0123456789abcdef").write_bytes(data[:100])  # as a worker killed mid-complete leaves it
        if finish == "complete":
            assert complete(alice, created).status_code == 200
        else:
            upload_discard(upload=Upload.objects.get(upload_id=created["upload_id"]))
        assert not folder.exists(), f"after {finish}: {sorted(path.name for path in folder.iterdir())}"


def test_equal_content_completed_at_the_same_moment_shares_the_first_blob(alice, monkeypatch):
    from django.db.models.query import QuerySet

    data = os.urandom(1024 * 1024 + 11)
    first = create(alice, "first.bin", data, parts=2)
    put_parts(first, data)
    second = create(alice, "second.bin", data, parts=2)
    put_parts(second, data)
    assert complete(alice, first).status_code == 200
    # The second complete does not see the first one's blob row until it tries to insert
    # its own, as when both commit at once.
    hidden = {"blob": True}
    real_first, real_exists, real_create = QuerySet.first, QuerySet.exists, QuerySet.create

    def first_(queryset):
        return None if queryset.model is Blob and hidden["blob"] else real_first(queryset)

    def exists(queryset):
        return False if queryset.model is Blob and hidden["blob"] else real_exists(queryset)

    def create_(queryset, **fields):
        if queryset.model is Blob:
            hidden["blob"] = False
        return real_create(queryset, **fields)

    monkeypatch.setattr(QuerySet, "first", first_)
    monkeypatch.setattr(QuerySet, "exists", exists)
    monkeypatch.setattr(QuerySet, "create", create_)
    reply = complete(alice, second)
    monkeypatch.undo()
    assert reply.status_code == 200, reply.text
    blob = Blob.objects.get()
    assert blob.files.count() == 2
    assert blob_files(data) == [blob.storage_name.removeprefix("blobs/")]
    assert (blobs_dir() / blob.storage_name).read_bytes() == data
