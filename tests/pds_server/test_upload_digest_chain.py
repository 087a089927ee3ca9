"""The digest chain (services/upload_digest.py): parts hashed as they arrive, in any order
and sent again, give `complete` the right digests without reading the parts again; and part
bodies nginx wrote to a file (PDS_NGINX_PART_DIR, services/upload_part_files.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import os

import fastcrc
import pytest
import requests

from pds_server.models import Blob, Upload, UploadPart
from pds_server.services.upload_digest import background_idle, chain_of, scratch_name
from pds_server.storage import BlobStore, local
from pds_server.storage.digest import ResumableSha1
from tests.pds_server.test_s3_storage import bucket_keys, s3_blobs, s3_endpoint  # noqa: F401 (fixtures)
from tests.pds_server.test_upload_assembly import blobs_dir, complete, create

MIB = 1024 * 1024


def put(created: dict, number: int, data: bytes, **headers) -> requests.Response:
    url = created["part_info_list"][number - 1]["upload_url"]
    return requests.put(url, data=data, headers=headers)


def expect_digests(done: dict, data: bytes) -> None:
    blob = Blob.objects.get(sha1=done["content_hash"])
    assert done["content_hash"] == hashlib.sha1(data).hexdigest().upper()
    assert done["crc64_hash"] == str(fastcrc.crc64.xz(data)) == blob.crc64
    assert blob.pre_hash == hashlib.sha1(data[:1024]).hexdigest().upper()
    assert (blobs_dir() / blob.storage_name).read_bytes() == data


def leftovers_of(created: dict) -> list:
    """This upload's part folder and scratch files still on disk (other tests' uploads left
    open may share the directory)."""
    return [path for path in (blobs_dir() / "uploads").iterdir() if created["upload_id"] in path.name]


def chained(created: dict) -> Upload:
    """The upload once the background work on its parts is done."""
    background_idle()
    return Upload.objects.get(upload_id=created["upload_id"])


def no_full_pass(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("complete read or copied the parts again")

    monkeypatch.setattr(local, "digest_files", refuse)
    monkeypatch.setattr(local.LocalBlobStore, "digest_stored", refuse)
    monkeypatch.setattr(local, "Concatenation", refuse)


def test_parts_out_of_order_and_sent_again_still_make_the_right_sha1(alice, monkeypatch):
    pieces = [os.urandom(3 * MIB + 1), os.urandom(2 * MIB), os.urandom(700)]
    data = b"".join(pieces)
    created = create(alice, "shuffled.bin", data, parts=3)
    for number in (3, 1):
        assert put(created, number, pieces[number - 1]).status_code == 200
    assert chained(created).digest_through == 1  # part 3 waits for part 2
    assert put(created, 2, pieces[1]).status_code == 200
    assert chained(created).digest_through == 3  # part 2 in the stream, then part 3 from storage
    wrong = os.urandom(len(pieces[0]))
    assert put(created, 1, wrong).status_code == 200  # covered: the chain starts again
    assert chained(created).digest_epoch == 1
    assert put(created, 1, pieces[0]).status_code == 200
    upload = chained(created)
    assert (upload.digest_through, upload.digest_epoch, upload.assembled_through) == (3, 2, 3)
    assert not (blobs_dir() / scratch_name(created["upload_id"], 1)).exists()  # the dead epoch's copy
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), data)


@pytest.mark.parametrize("parts", [1, 3])
def test_in_order_parts_complete_without_reading_them(alice, monkeypatch, parts):
    data = os.urandom(5 * MIB + 3)
    created = create(alice, "ordered.bin", data, parts=parts)
    step = -(-len(data) // parts)
    for number in range(1, parts + 1):
        assert put(created, number, data[(number - 1) * step : number * step]).status_code == 200
    upload = chained(created)
    assert (upload.digest_through, upload.assembled_through) == (parts, parts if parts > 1 else 0)
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), data)
    assert leftovers_of(created) == []


def test_a_digest_state_of_another_library_version_is_ignored(alice):
    data = os.urandom(2 * MIB + 9)
    created = create(alice, "upgraded.bin", data, parts=2)
    put(created, 1, data[: MIB + 5])
    put(created, 2, data[MIB + 5 :])
    upload = chained(created)
    assert upload.digest_through == 2
    # A state the running library would resume, of other bytes, under another version's tag:
    # resumed, it would give a wrong SHA-1.
    other = ResumableSha1()
    other.update(b"other bytes")
    state = json.loads(bytes(upload.digest_state))
    state.update(sha1=base64.b64encode(other.state()).decode(), crc=1)
    assert chain_of(through=2, epoch=0, state=json.dumps(state).encode()) is not None
    state["tag"] = "rehashes-0.0.1"
    assert chain_of(through=2, epoch=0, state=json.dumps(state).encode()) is None
    Upload.objects.filter(pk=upload.pk).update(digest_state=json.dumps(state).encode())
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), data)


def test_a_state_that_names_other_parts_is_not_used(alice):
    data = os.urandom(MIB + 1)
    created = create(alice, "renamed.bin", data, parts=2)
    put(created, 1, data[:MIB])
    put(created, 2, data[MIB:])
    # As if part 2's row named a file other than the one the chain hashed.
    part = UploadPart.objects.get(upload__upload_id=created["upload_id"], part_number=2)
    moved = part.storage_name + "x"
    os.rename(blobs_dir() / part.storage_name, blobs_dir() / moved)
    UploadPart.objects.filter(pk=part.pk).update(storage_name=moved)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), data)


# --- Part bodies written by nginx -------------------------------------------------------


@pytest.fixture
def part_dir(settings, tmp_path):
    directory = tmp_path / "nginx-parts"
    directory.mkdir()
    settings.PDS_NGINX_PART_DIR = str(directory)
    return directory


def nginx_put(created: dict, number: int, path, length: int | None = None) -> requests.Response:
    """What nginx's part location sends: no body, the file's path and the body's length."""
    size = os.path.getsize(path) if length is None else length
    return put(created, number, b"", **{"X-Pds-Part-File": str(path), "X-Pds-Part-Length": str(size)})


def test_a_part_file_nginx_wrote_is_taken_and_renamed(alice, part_dir):
    pieces = [os.urandom(MIB + 3), os.urandom(4000)]
    created = create(alice, "nginx.bin", b"".join(pieces), parts=2)
    for number in (2, 1):
        path = part_dir / f"000000000{number}"
        path.write_bytes(pieces[number - 1])
        inode = path.stat().st_ino
        reply = nginx_put(created, number, path)
        assert reply.status_code == 200, reply.text
        assert reply.headers["ETag"] == f'"{fastcrc.crc64.xz(pieces[number - 1]):016X}"'
        assert not path.exists()
        stored = UploadPart.objects.get(upload__upload_id=created["upload_id"], part_number=number)
        assert (blobs_dir() / stored.storage_name).stat().st_ino == inode  # renamed, not copied
    assert chained(created).digest_through == 2
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))


def test_part_files_that_fail_a_check_are_refused_and_left_in_place(alice, part_dir, tmp_path):
    data = os.urandom(5000)
    created = create(alice, "refused.bin", data, parts=1)
    outside = tmp_path / "outside"
    outside.write_bytes(data)
    inside = part_dir / "0000000001"
    inside.write_bytes(data)
    link = part_dir / "0000000002"
    link.symlink_to(inside)
    hard = part_dir / "0000000003"
    os.link(inside, hard)
    escape = part_dir / "0000000004"
    escape.symlink_to(outside)
    cases = [
        (outside, None, "InvalidParameter.PartFile"),
        (part_dir / ".." / "outside", None, "InvalidParameter.PartFile"),
        (escape, None, "InvalidParameter.PartFile"),
        (link, None, "InvalidParameter.PartFile"),
        (hard, None, "InvalidParameter.PartFile"),  # two links: not nginx's own temp file
        (part_dir / "0000000009", 5000, "InvalidParameter.PartFile"),  # no such file
    ]
    for path, length, code in cases:
        reply = nginx_put(created, 1, path, length)
        assert (reply.status_code, reply.json()["code"]) == (400, code), (path, reply.text)
    os.unlink(hard)
    reply = nginx_put(created, 1, inside, 4999)  # not the length nginx received
    assert (reply.status_code, reply.json()["code"]) == (400, "InvalidParameter.PartFile")
    larger = part_dir / "0000000005"
    larger.write_bytes(data + b"x")  # more than the declared size
    reply = nginx_put(created, 1, larger)
    assert (reply.status_code, reply.json()["code"]) == (403, "QuotaExhausted.Drive")
    assert outside.read_bytes() == inside.read_bytes() == data and larger.exists()
    assert not UploadPart.objects.exists()
    assert nginx_put(created, 1, inside).status_code == 200
    assert complete(alice, created).json()["content_hash"] == hashlib.sha1(data).hexdigest().upper()


def test_an_unreadable_part_file_names_the_nginx_user_requirement(alice, part_dir, monkeypatch):
    from pds_server.services import upload_part_files

    created = create(alice, "unreadable.bin", b"abc", parts=1)
    path = part_dir / "0000000001"
    path.write_bytes(b"abc")
    real_open = os.open

    def denied(name, flags, *args, **kwargs):
        if str(name) == str(path):
            raise PermissionError(13, "Permission denied")
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(upload_part_files.os, "open", denied)
    reply = nginx_put(created, 1, path)
    assert reply.status_code == 500 and "nginx workers as the PDS user" in reply.json()["message"]


def test_the_part_file_header_is_ignored_when_the_setting_is_off(alice, settings, tmp_path):
    settings.PDS_NGINX_PART_DIR = ""
    body, other = os.urandom(3000), os.urandom(3000)
    path = tmp_path / "0000000001"
    path.write_bytes(other)
    created = create(alice, "plain.bin", body, parts=1)
    reply = put(created, 1, body, **{"X-Pds-Part-File": str(path), "X-Pds-Part-Length": "3000"})
    assert reply.status_code == 200, reply.text
    assert path.read_bytes() == other
    assert complete(alice, created).json()["content_hash"] == hashlib.sha1(body).hexdigest().upper()


def test_parts_sent_at_once_still_make_the_right_sha1(alice):
    from concurrent.futures import ThreadPoolExecutor

    pieces = [os.urandom(MIB + number) for number in range(8)]
    data = b"".join(pieces)
    created = create(alice, "parallel.bin", data, parts=8)
    with ThreadPoolExecutor(4) as pool:
        replies = list(pool.map(lambda number: put(created, number, pieces[number - 1]), range(8, 0, -1)))
    assert all(reply.status_code == 200 for reply in replies), [reply.text for reply in replies]
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), data)
    assert leftovers_of(created) == []


@pytest.mark.slow
def test_on_s3_a_part_file_is_sent_to_the_bucket_and_hashed_on_the_way(alice, part_dir, request, monkeypatch):
    bucket = request.getfixturevalue("s3_blobs")
    pieces = [os.urandom(MIB + 7), os.urandom(3000)]
    created = create(alice, "s3-nginx.bin", b"".join(pieces), parts=2)
    for number in (1, 2):
        path = part_dir / f"000000000{number}"
        path.write_bytes(pieces[number - 1])
        reply = nginx_put(created, number, path)
        assert reply.status_code == 200, reply.text
        assert path.exists()  # nginx removes it at the end of the request
    assert chained(created).digest_through == 2
    reads, real_streams = [], BlobStore.part_streams

    def part_streams(store, names):
        reads.append(names)
        return real_streams(store, names)

    monkeypatch.setattr(BlobStore, "part_streams", part_streams)
    reply = complete(alice, created)
    monkeypatch.undo()
    assert len(reads) == 1, "the parts are read once, to store the blob, not once more to hash them"
    assert reply.status_code == 200, reply.text
    done = reply.json()
    assert done["content_hash"] == hashlib.sha1(b"".join(pieces)).hexdigest().upper()
    assert bucket_keys(bucket) == [Blob.objects.get().storage_name]
