"""A full disk: a part that does not fit answers 507 StorageFull and leaves nothing behind,
and a multi-part complete needs no second copy's worth of room (the parts are appended to
the first one in place). On a real tmpfs where one can be mounted, else with the kernel's
answers faked."""

from __future__ import annotations

import errno
import hashlib
import os
from pathlib import Path

import fastcrc
import pytest
import requests

from pds_server.models import Blob, UploadPart
from pds_server.storage import local
from tests.pds_server.small_disk import MIB, blobs_on, small_disk
from tests.pds_server.test_upload_assembly import complete, create


@pytest.fixture
def disk(tmp_path, settings, request):
    """The blob storage on a disk of request.param bytes; yields its root and whether it
    is a real tmpfs."""
    root = tmp_path / "disk"
    with small_disk(root, request.param) as mounted:
        blobs_on(settings, root)
        yield root, mounted


def files_under(root: Path) -> list[str]:
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.mark.parametrize("disk", [4 * MIB], indirect=True)
def test_a_part_that_does_not_fit_answers_507_and_leaves_no_partial_file(alice, disk, monkeypatch):
    root, mounted = disk
    if not mounted:

        def full_after_a_mib(fd, data, written={"bytes": 0}):  # noqa: B006 - a counter across calls
            written["bytes"] += len(data)
            if written["bytes"] > MIB:
                raise OSError(errno.ENOSPC, "No space left on device")
            os.write(fd, data)

        monkeypatch.setattr(local, "write_all", full_after_a_mib)
    data = os.urandom(6 * MIB)
    created = create(alice, "big.bin", data, parts=1)
    reply = requests.put(created["part_info_list"][0]["upload_url"], data=data)
    assert reply.status_code == 507, reply.text
    assert reply.json()["code"] == "StorageFull"
    assert files_under(root) == [], "the partial part should have been removed"
    assert not UploadPart.objects.exists()
    # With room again, uploads go on.
    small = os.urandom(MIB)
    created = create(alice, "small.bin", small, parts=1)
    monkeypatch.undo()
    assert requests.put(created["part_info_list"][0]["upload_url"], data=small).status_code == 200


@pytest.mark.parametrize("disk", [22 * MIB], indirect=True)
def test_a_file_with_room_once_but_not_twice_completes(alice, disk, monkeypatch):
    root, mounted = disk
    if not mounted:
        monkeypatch.setattr(local, "free_space", lambda path: 6 * MIB)
    data = os.urandom(16 * MIB + 5)  # four parts on a disk of 22 MiB: a copy would need 33 MiB
    created = create(alice, "fits.bin", data, parts=4)
    step = -(-len(data) // 4)
    for info in created["part_info_list"]:
        number = info["part_number"]
        assert requests.put(info["upload_url"], data=data[(number - 1) * step : number * step]).status_code == 200
    first_part_inode = (root / UploadPart.objects.get(part_number=1).storage_name).stat().st_ino
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    assert reply.json()["content_hash"] == hashlib.sha1(data).hexdigest().upper()
    blob_path = root / Blob.objects.get().storage_name
    assert blob_path.read_bytes() == data
    assert blob_path.stat().st_ino == first_part_inode, "the parts should have been appended to the first one"
    assert files_under(root) == [str(blob_path.relative_to(root))]


@pytest.mark.parametrize("disk", [22 * MIB], indirect=True)
def test_a_complete_refused_after_joining_in_place_puts_the_parts_back(alice, disk, monkeypatch):
    root, mounted = disk
    monkeypatch.setattr(local, "free_space", lambda path: 0)  # always join in place
    data = os.urandom(5 * MIB + 3)
    created = create(alice, "back.bin", data, parts=3)
    step = -(-len(data) // 3)
    pieces = {}
    for info in created["part_info_list"]:
        number = info["part_number"]
        pieces[number] = data[(number - 1) * step : number * step]
        assert requests.put(info["upload_url"], data=pieces[number]).status_code == 200
    before = files_under(root)
    refused = complete(alice, created, crc64_hash="1")
    assert refused.status_code == 400 and refused.json()["code"] == "InvalidParameter.Crc64Hash"
    assert files_under(root) == before
    for part in UploadPart.objects.all():
        assert (root / part.storage_name).read_bytes() == pieces[part.part_number]
    assert complete(alice, created, crc64_hash=str(fastcrc.crc64.xz(data))).status_code == 200
    assert (root / Blob.objects.get().storage_name).read_bytes() == data
