"""Parts nginx wrote to disk are digested and copied ahead into the upload's scratch file
from one read (services/upload_digest.py, chain_step_assembling), under the scratch file's
lock: in order they are read once, and a part sent again while its old file was being
copied is always copied again after it."""

from __future__ import annotations

import os
import threading

from django.db import connections

from pds_server.models import Upload
from pds_server.services import upload_digest, uploads
from pds_server.services.upload_digest import ADVANCED, CHANGED, chain_advance, chain_step, scratch_name
from pds_server.storage import blob_store, local
from tests.pds_server.test_upload_assembly import blobs_dir, complete, create
from tests.pds_server.test_upload_digest_chain import (  # noqa: F401 (part_dir is a fixture)
    MIB,
    chained,
    expect_digests,
    nginx_put,
    no_full_pass,
    part_dir,
)


def send(directory, created: dict, number: int, data: bytes, tag: str = "") -> None:
    path = directory / f"{number:05d}{tag}"
    path.write_bytes(data)
    reply = nginx_put(created, number, path)
    assert reply.status_code == 200, reply.text


def counted(monkeypatch, name: str) -> list:
    calls: list = []
    real = getattr(local.LocalBlobStore, name)

    def counting(self, *args, **kwargs):
        calls.append(args[0])
        return real(self, *args, **kwargs)

    monkeypatch.setattr(local.LocalBlobStore, name, counting)
    return calls


def test_parts_in_order_are_digested_and_copied_from_one_read(alice, part_dir, monkeypatch):  # noqa: F811
    # Sizes that put later parts on and off the 4 KiB boundary direct I/O needs.
    pieces = [os.urandom(MIB), os.urandom(MIB + 5), os.urandom(3000), os.urandom(MIB)]
    created = create(alice, "ahead.bin", b"".join(pieces), parts=len(pieces))
    digested, copied, both = (
        counted(monkeypatch, name) for name in ("digest_stored", "assemble_part", "digest_assembled")
    )
    for number, piece in enumerate(pieces, start=1):
        send(part_dir, created, number, piece)
        upload = chained(created)
        assert (upload.digest_through, upload.assembled_through) == (number, number)
    assert len(digested) == len(copied) == 1  # part 1, which the scratch file starts with
    assert len(both) == len(pieces) - 1  # every later one: read once
    scratch = blobs_dir() / scratch_name(created["upload_id"], 0)
    assert scratch.read_bytes() == b"".join(pieces)
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))


def test_a_part_sent_again_while_its_old_file_was_copied_is_copied_again_after(alice, part_dir, monkeypatch):  # noqa: F811
    monkeypatch.setattr(uploads, "chain_advance_later", lambda upload_pk, upload_id: None)  # the test steps the chain
    pieces = [os.urandom(MIB), os.urandom(MIB), os.urandom(5000)]
    replacement = os.urandom(MIB)
    created = create(alice, "resent.bin", b"".join(pieces), parts=3)
    upload = Upload.objects.get(upload_id=created["upload_id"])
    store = blob_store()
    send(part_dir, created, 1, pieces[0])
    chain_advance(upload.pk, upload.upload_id)
    send(part_dir, created, 2, pieces[1])
    real_digest_copy = local.digest_copy

    def then_sent_again(*args):
        copied = real_digest_copy(*args)  # the old part 2 is in the scratch file now
        monkeypatch.setattr(local, "digest_copy", real_digest_copy)
        send(part_dir, created, 2, replacement, tag="-again")  # recorded: it takes no file lock
        return copied

    monkeypatch.setattr(local, "digest_copy", then_sent_again)
    assert chain_step(store, upload.pk) == CHANGED  # its update found another part 2
    upload.refresh_from_db()
    assert (upload.digest_through, upload.assembled_through) == (1, 1)
    scratch = blobs_dir() / scratch_name(upload.upload_id, 0)
    assert scratch.read_bytes() == pieces[0] + pieces[1]  # old bytes, past what the row trusts
    assert chain_step(store, upload.pk) == ADVANCED
    assert scratch.read_bytes() == pieces[0] + replacement
    send(part_dir, created, 3, pieces[2])
    chain_advance(upload.pk, upload.upload_id)
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), pieces[0] + replacement + pieces[2])


def test_a_writer_that_opened_the_scratch_file_before_complete_took_it_writes_nothing(alice, tmp_path, monkeypatch):
    store = blob_store()
    scratch = scratch_name("lock-test", 0)
    store.assemble_start(scratch)
    path = blobs_dir() / scratch
    opened, results = threading.Event(), []
    real_flock = local.fcntl.flock

    def flock(fd, operation):
        if threading.current_thread().name == "writer":
            opened.set()  # open, about to wait for the lock
        real_flock(fd, operation)

    def writer():
        with store.scratch_writable(scratch) as fd:
            results.append(fd)

    monkeypatch.setattr(local.fcntl, "flock", flock)
    with store.scratch_writable(scratch) as held:  # complete, taking the file
        assert held is not None
        late = threading.Thread(target=writer, name="writer")
        late.start()
        assert opened.wait(10)
        os.rename(path, tmp_path / "taken")
        path.write_bytes(b"")  # even a new file under the old name is not the one it opened
    late.join(10)
    assert results == [None]
    path.unlink()
    with store.scratch_writable(scratch) as gone:
        assert gone is None
    assert upload_digest.scratch_name("lock-test", 0) == scratch


def test_one_process_at_a_time_carries_a_chain_and_each_part_is_read_once(alice, part_dir, monkeypatch):  # noqa: F811
    # Parts sent at once reach different workers, whose digest threads all run chain_advance:
    # the upload folder's lock (flock, per open file, so two threads here exclude each other as
    # two processes do) lets one carry the chain while the others wait, then find it carried.
    monkeypatch.setattr(uploads, "chain_advance_later", lambda upload_pk, upload_id: None)  # the test runs them
    pieces = [os.urandom(MIB), os.urandom(MIB), os.urandom(MIB)]
    created = create(alice, "together.bin", b"".join(pieces), parts=3)
    upload = Upload.objects.get(upload_id=created["upload_id"])
    for number, piece in enumerate(pieces, start=1):
        send(part_dir, created, number, piece)
    digested, both = (counted(monkeypatch, name) for name in ("digest_stored", "digest_assembled"))
    store = blob_store()
    real_flock = local.fcntl.flock
    waiting = threading.Semaphore(0)

    def flock(fd, operation):
        if threading.current_thread().name.startswith("digest-"):
            waiting.release()  # about to ask for the lock the test holds
        return real_flock(fd, operation)

    def digest_thread() -> None:
        try:
            chain_advance(upload.pk, upload.upload_id)
        finally:
            connections.close_all()  # this thread's (PostgreSQL drops the test database after)

    workers = [threading.Thread(target=digest_thread, name=f"digest-{n}", daemon=True) for n in range(3)]
    with store.folder_locked(uploads.upload_folder(upload)) as present:
        assert present
        monkeypatch.setattr(local.fcntl, "flock", flock)
        for worker in workers:
            worker.start()
        for _ in workers:
            assert waiting.acquire(timeout=30)
        upload.refresh_from_db()
        assert upload.digest_through == 0 and all(worker.is_alive() for worker in workers)
    for worker in workers:
        worker.join(30)
        assert not worker.is_alive()
    upload.refresh_from_db()
    assert (upload.digest_through, upload.assembled_through) == (3, 3)
    assert len(digested) + len(both) == len(pieces)  # no part hashed twice
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))
    assert not (blobs_dir() / uploads.upload_folder(upload)).exists()
    with store.folder_locked(uploads.upload_folder(upload)) as present:
        assert present is False  # gone with its upload: nothing to carry


def test_a_digest_thread_leaves_a_locked_chain_to_its_holder_which_looks_again(alice, part_dir, monkeypatch):  # noqa: F811
    # A digest thread that finds the lock taken does not wait (other uploads' jobs queue behind
    # it); a part recorded while the holder held the lock is carried by the holder's next look.
    monkeypatch.setattr(uploads, "chain_advance_later", lambda upload_pk, upload_id: None)  # jobs "skipped"
    pieces = [os.urandom(MIB), os.urandom(MIB)]
    created = create(alice, "left.bin", b"".join(pieces), parts=2)
    upload = Upload.objects.get(upload_id=created["upload_id"])
    send(part_dir, created, 1, pieces[0])
    store = blob_store()
    with store.folder_locked(uploads.upload_folder(upload)):
        chain_advance(upload.pk, upload.upload_id, wait=False)  # at once, carrying nothing
        upload.refresh_from_db()
        assert upload.digest_through == 0
    real_steps = upload_digest.chain_steps
    looks: list[int] = []

    def then_part_2_arrives(*args):
        real_steps(*args)  # the first time: carries part 1, finds no part 2, stops
        looks.append(1)
        if len(looks) == 1:
            send(part_dir, created, 2, pieces[1])  # recorded while the lock is held

    monkeypatch.setattr(upload_digest, "chain_steps", then_part_2_arrives)
    chain_advance(upload.pk, upload.upload_id, wait=False)
    upload.refresh_from_db()
    assert upload.digest_through == 2 and len(looks) == 2  # the second look carried it
    no_full_pass(monkeypatch)
    reply = complete(alice, created)
    assert reply.status_code == 200, reply.text
    expect_digests(reply.json(), b"".join(pieces))
