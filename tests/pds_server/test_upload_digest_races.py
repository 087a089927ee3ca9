"""The digest chain (services/upload_digest.py) when requests cross: a part sent again while
its old epoch's parts are copied ahead or taken by `complete`, a `complete` overtaken by
the background thread, a chain that fails; and the part files nginx leaves behind."""

from __future__ import annotations

import errno
import os
import time

import pytest
from django.db import OperationalError

from pds_server.models import Upload, UploadPart
from pds_server.services import fsck as fsck_module
from pds_server.services import upload_complete, upload_digest, uploads
from pds_server.services.fsck import fsck_cleanup, fsck_scan
from pds_server.services.upload_digest import (
    Chain,
    ChainMoved,
    assembly_advance,
    chain_digest,
    chain_record,
    scratch_name,
)
from pds_server.storage import blob_store, local
from pds_server.storage.digest import ContentDigest
from tests.pds_server.small_disk import blobs_on
from tests.pds_server.test_upload_assembly import blobs_dir, complete, create
from tests.pds_server.test_upload_digest_chain import (  # noqa: F401 (part_dir is a fixture)
    MIB,
    chained,
    expect_digests,
    nginx_put,
    no_full_pass,
    part_dir,
    put,
)


def two_parts_assembled(alice, name: str) -> tuple[dict, list[bytes]]:
    pieces = [os.urandom(MIB + 1), os.urandom(MIB)]
    created = create(alice, name, b"".join(pieces), parts=2)
    for number in (1, 2):
        assert put(created, number, pieces[number - 1]).status_code == 200
    upload = chained(created)
    assert (upload.digest_through, upload.assembled_through, upload.digest_epoch) == (2, 2, 0)
    return created, pieces


def keep_while_resent(monkeypatch, dead: str) -> None:
    """Leave the old epoch's scratch file in place: the request that sends a covered part
    again removes it only once its transaction has committed."""
    real_delete = local.LocalBlobStore.delete

    def delete(store, name):
        if name != dead:
            real_delete(store, name)

    monkeypatch.setattr(local.LocalBlobStore, "delete", delete)


def test_a_copy_ahead_never_takes_a_part_sent_again_after_it_read_the_row(alice, monkeypatch):
    created, pieces = two_parts_assembled(alice, "copied.bin")
    upload = Upload.objects.get(upload_id=created["upload_id"])
    dead = scratch_name(upload.upload_id, 0)
    # A copier that read the row when only part 1 was copied, and lists the parts once part
    # 2 has been sent again, before the old epoch's file is removed.
    Upload.objects.filter(pk=upload.pk).update(assembled_through=1)
    real_covered = upload_digest.covered_parts

    def resent_first(*args, **kwargs):
        monkeypatch.setattr(upload_digest, "covered_parts", real_covered)
        keep_while_resent(monkeypatch, dead)
        assert put(created, 2, os.urandom(MIB)).status_code == 200
        chained(created)
        return real_covered(*args, **kwargs)

    monkeypatch.setattr(upload_digest, "covered_parts", resent_first)
    assembly_advance(blob_store(), upload.pk)
    assert (blobs_dir() / dead).read_bytes() == b"".join(pieces)  # the parts of its own epoch only


def test_complete_drops_a_scratch_file_taken_after_a_part_was_sent_again(alice, monkeypatch):
    created, pieces = two_parts_assembled(alice, "taken.bin")
    other = os.urandom(MIB)
    real_chain_digest = upload_complete.chain_digest

    def then_resent(upload, names_and_sizes):
        found = real_chain_digest(upload, names_and_sizes)
        monkeypatch.setattr(upload_complete, "chain_digest", real_chain_digest)
        assert found is not None and found.scratch is not None
        keep_while_resent(monkeypatch, found.scratch)
        assert put(created, 2, other).status_code == 200
        chained(created)
        # What a copier of the old epoch that listed the new part would have written there.
        (blobs_dir() / found.scratch).write_bytes(pieces[0] + other)
        return found

    monkeypatch.setattr(upload_complete, "chain_digest", then_resent)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), pieces[0] + other)


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.ENOSPC, "No space left on device"),
        OSError(errno.EIO, "I/O error"),
        OperationalError("database is locked"),
    ],
)
def test_a_digest_chain_that_fails_leaves_complete_to_read_the_parts(alice, monkeypatch, error):
    created, pieces = two_parts_assembled(alice, "failing.bin")

    def fail(upload_pk, upload_id):
        raise error

    monkeypatch.setattr(upload_digest, "chain_advance", fail)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))


def test_complete_goes_on_from_where_the_background_thread_overtook_it(alice, monkeypatch):
    monkeypatch.setattr(uploads, "chain_advance_later", lambda upload_pk, upload_id: None)
    pieces = [os.urandom(MIB + 5), os.urandom(MIB), os.urandom(900)]
    created = create(alice, "overtaken.bin", b"".join(pieces), parts=3)
    for number in (3, 2, 1):
        assert put(created, number, pieces[number - 1]).status_code == 200
    upload = Upload.objects.get(upload_id=created["upload_id"])
    assert upload.digest_through == 1  # part 1 in the stream; nothing in the background
    store, real_digest_stored = blob_store(), local.LocalBlobStore.digest_stored
    rivals = []

    def rival_first(self, name, digest):
        real_digest_stored(self, name, digest)
        if not rivals:  # the background thread carries the chain over part 2 meanwhile
            rivals.append("running")
            rivals[0] = upload_digest.chain_step(store, upload.pk)

    monkeypatch.setattr(local.LocalBlobStore, "digest_stored", rival_first)
    parts = list(UploadPart.objects.filter(upload=upload).order_by("part_number").values_list("storage_name", "size"))
    assert chain_digest(upload, parts) is not None
    assert rivals == [upload_digest.ADVANCED]
    monkeypatch.setattr(local.LocalBlobStore, "digest_stored", real_digest_stored)
    upload.refresh_from_db()
    assert (upload.digest_through, upload.assembled_through) == (3, 3)
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))


def test_the_chain_moves_only_from_where_the_lock_found_it(alice):
    created, _ = two_parts_assembled(alice, "conditional.bin")
    upload = Upload.objects.get(upload_id=created["upload_id"])
    stale = Chain(ContentDigest(resumable=True), "", 0, 0)
    chain_record(upload, (0, 0), part_number=1, name="x", size=1, chain=stale, replaced=False)
    with pytest.raises(ChainMoved):
        chain_record(upload, (1, 0), part_number=1, name="x", size=1, chain=None, replaced=True)
    upload.refresh_from_db()
    assert (upload.digest_through, upload.digest_epoch, upload.assembled_through) == (2, 0, 2)


# --- Part files nginx wrote ----------------------------------------------------------------


def test_a_part_file_nginx_removed_before_it_was_taken_is_refused(alice, part_dir, monkeypatch):  # noqa: F811
    data = os.urandom(5000)
    created = create(alice, "gone.bin", data, parts=1)
    path = part_dir / "0000000001"
    path.write_bytes(data)
    real_digest_file = local.digest_file

    def then_removed(handle, digest):
        real_digest_file(handle, digest)
        os.unlink(path)  # the client went away: nginx removed the body

    monkeypatch.setattr(local, "digest_file", then_removed)
    reply = nginx_put(created, 1, path)
    assert (reply.status_code, reply.json()["code"]) == (400, "InvalidParameter.PartFile"), reply.text
    assert not UploadPart.objects.exists()


def nginx_findings() -> list[str]:
    return [finding.name for finding in fsck_scan() if finding.problem == "nginx_part_file"]


def test_part_files_a_killed_nginx_left_go_once_an_hour_old(alice, part_dir, settings, monkeypatch, tmp_path):  # noqa: F811
    blobs_on(settings, tmp_path / "data" / "blobs")  # a blob store of its own: fsck sees no other test's files
    settings.PDS_FSCK_TEMP_AGE = 60
    left = part_dir / "3" / "21" / "0000000123"
    left.parent.mkdir(parents=True)
    left.write_bytes(b"half a body")
    assert nginx_findings() == [], "a body nginx may still be writing"
    now = time.time()
    monkeypatch.setattr(fsck_module.time, "time", lambda: now + 1800)
    assert fsck_cleanup() == {} and left.exists(), "younger than an hour, whatever PDS_FSCK_TEMP_AGE says"
    monkeypatch.setattr(fsck_module.time, "time", lambda: now + 2 * 3600)
    assert nginx_findings() == [str(left)]
    assert fsck_cleanup() == {"nginx_part_file": 1}
    assert not left.exists() and left.parent.is_dir()  # nginx's own directories stay
