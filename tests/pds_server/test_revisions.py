"""File revisions on the live embedded PDS: an overwrite keeps the previous content as a
revision, every revision counts in the drive's used size, equal content shares one blob,
restore, keep_forever (at most 50 per file), delete (never the latest), copies, deleting
for good, retention per domain, fsck and the data migration."""

from __future__ import annotations

import base64
import hashlib
import importlib
import os
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connections
from django.test import Client
from django.utils import timezone

from pds_server import errors
from pds_server.models import Blob, Domain, Drive, File, PdsUser, Revision
from pds_server.services import uploads
from pds_server.services.fsck import fsck_repair, fsck_scan
from pds_server.services.revisions import MAX_KEEP_FOREVER
from pds_server.tasks import prune_revisions
from tests.pds_server.small_disk import blobs_on


@pytest.fixture(autouse=True)
def data_dir(tmp_path, settings):
    """Blob storage of this test's own, so that fsck sees no other test's files."""
    blobs_on(settings, tmp_path / "data" / "blobs")


def used(api) -> int:
    return Drive.objects.get(pk=int(api.drive_id)).used_size


def revisions(api, file_id: str, **body) -> list[dict]:
    return api.ok("file/revision/list", {"file_id": file_id, **body})["items"]


def overwrite(api, name: str, data: bytes, **extra) -> dict:
    return api.upload(name, data, check_name_mode="overwrite", **extra)


def versions(file_id: str) -> list[int]:
    return sorted(Revision.objects.filter(file__file_id=file_id).values_list("version", flat=True))


def test_an_overwrite_keeps_the_previous_content_as_a_revision(alice):
    first = alice.upload("notes.txt", b"first")
    assert used(alice) == 5
    second = overwrite(alice, "notes.txt", b"second!")
    assert second["file_id"] == first["file_id"] and second["revision_id"] != first["revision_id"]
    assert used(alice) == 5 + 7, "the old content stays counted"

    items = revisions(alice, first["file_id"])
    assert [item["revision_version"] for item in items] == [2, 1]
    assert [item["is_latest_version"] for item in items] == [True, False]
    assert [item["revision_id"] for item in items] == [second["revision_id"], first["revision_id"]]
    assert [item["size"] for item in items] == [7, 5]
    assert items[1]["content_hash"] == first["content_hash"] and items[1]["revision_name"] == "notes.txt"
    assert items[0]["creator_id"] == "alice" and items[0]["file_extension"] == "txt"
    assert "download_url" not in items[0], "list gives URLs only when asked for"

    old = alice.ok("file/revision/get", {"file_id": first["file_id"], "revision_id": first["revision_id"]})
    assert old["revision_version"] == 1 and not old["is_latest_version"]
    assert old["url"] == old["download_url"]
    assert requests.get(old["download_url"]).content == b"first"
    latest = alice.ok("file/get_download_url", {"file_id": first["file_id"]})["url"]
    assert requests.get(latest).content == b"second!"
    assert Blob.objects.count() == 2


def test_create_naming_the_file_adds_a_revision(alice):
    """`file/create` with the `file_id` of an existing file (the service; the view passes
    the file the caller may edit): the upload becomes its new revision, name and place kept."""
    first = alice.upload("named.txt", b"one")
    item = File.objects.get(file_id=first["file_id"])
    request = uploads.FileCreateRequest(
        drive=item.drive,
        user=PdsUser.objects.get(user_id="alice"),
        parent_file_id="root",
        name="other name.txt",
        size=4,
        part_numbers=[1],
        check_name_mode="refuse",
        target=item,
    )
    created = uploads.file_create(request)
    assert created.upload is not None and created.item.pk == item.pk and not created.exist
    (part,) = uploads.part_urls(base_url=alice.base, upload=created.upload, part_numbers=[1])
    assert requests.put(part.url, data=b"two!").status_code == 200
    done = alice.ok("file/complete", {"file_id": item.file_id, "upload_id": created.upload.upload_id})
    assert done["name"] == "named.txt" and done["size"] == 4
    assert [entry["revision_version"] for entry in revisions(alice, item.file_id)] == [2, 1]
    assert used(alice) == 7
    folder = File.objects.get(file_id=alice.folder("a folder"))
    with pytest.raises(errors.NotFound):
        uploads.file_create(uploads.FileCreateRequest(**{**request.__dict__, "target": folder}))
    alice.ok("recyclebin/trash", {"file_id": item.file_id}, 204)
    with pytest.raises(errors.Forbidden):
        uploads.file_create(request)


def test_equal_content_shares_one_blob_and_each_revision_counts(alice):
    data = os.urandom(3000)
    first = alice.upload("same.bin", data)
    overwrite(alice, "same.bin", data)
    assert versions(first["file_id"]) == [1, 2]
    assert Blob.objects.count() == 1
    assert used(alice) == 6000


def test_instant_upload_overwrite_is_a_revision_too(alice):
    data = os.urandom(2000)
    kept = alice.upload("a.bin", data)
    other = alice.upload("b.bin", b"other content")
    rapid = overwrite(alice, "b.bin", data, content_hash=kept["content_hash"], content_hash_name="sha1")
    assert rapid["rapid_upload"] is True and rapid["file_id"] == other["file_id"]
    items = revisions(alice, other["file_id"])
    assert [item["size"] for item in items] == [2000, 13]
    assert items[0]["revision_id"] == alice.ok("file/get", {"file_id": other["file_id"]})["revision_id"]
    assert used(alice) == 2000 + 13 + 2000


def test_content_held_only_by_an_older_revision_is_the_owners_to_upload_instantly(alice, bob):
    data = os.urandom(3000)
    first = alice.upload("old.bin", data)
    overwrite(alice, "old.bin", b"newer content")  # the bytes now live in a revision only
    assert not File.objects.filter(blob__sha1=first["content_hash"]).exists()
    body = {"size": len(data), "content_hash": first["content_hash"], "content_hash_name": "sha1"}
    assert alice.upload("again.bin", data, **body)["rapid_upload"] is True
    # Bob's drive holds no file or revision with it: the hash alone is not enough for him,
    # the legacy proof (8 bytes at an offset derived from his token) is.
    create = {"parent_file_id": "root", "type": "file", **body}
    assert bob.ok("file/create", {**create, "name": "hash-only.bin"}, 201)["rapid_upload"] is False
    offset = int(hashlib.md5(bob.token.encode()).hexdigest()[:16], 16) % len(data)
    proof = base64.b64encode(data[offset : offset + 8]).decode()
    assert bob.upload("proved.bin", data, proof_code=proof, proof_version="v1", **body)["rapid_upload"] is True


def test_restore_makes_the_chosen_revision_the_latest_as_a_new_one(alice):
    first = alice.upload("doc.txt", b"version one")
    overwrite(alice, "doc.txt", b"version two")
    restored = alice.ok("file/revision/restore", {"file_id": first["file_id"], "revision_id": first["revision_id"]})
    assert restored["revision_version"] == 3 and restored["is_latest_version"] is True
    assert restored["revision_id"] != first["revision_id"]
    assert requests.get(restored["download_url"]).content == b"version one"
    item = alice.ok("file/get", {"file_id": first["file_id"]})
    assert item["revision_id"] == restored["revision_id"] and item["size"] == 11
    assert item["content_hash"] == first["content_hash"]
    url = alice.ok("file/get_download_url", {"file_id": first["file_id"]})["url"]
    assert requests.get(url).content == b"version one"
    assert used(alice) == 33 and Blob.objects.count() == 2
    # Restoring the latest adds nothing.
    again = alice.ok("file/revision/restore", {"file_id": first["file_id"], "revision_id": restored["revision_id"]})
    assert again["revision_id"] == restored["revision_id"] and versions(first["file_id"]) == [1, 2, 3]


def test_restore_needs_room_in_the_drive(alice):
    first = alice.upload("big.bin", b"x" * 600)
    overwrite(alice, "big.bin", b"y" * 300)
    Drive.objects.filter(pk=int(alice.drive_id)).update(total_size=1000)
    reply = alice.call(
        "file/revision/restore",
        {"drive_id": alice.drive_id, "file_id": first["file_id"], "revision_id": first["revision_id"]},
    )
    assert reply.status_code == 403 and reply.json()["code"] == "QuotaExhausted.Drive"
    assert versions(first["file_id"]) == [1, 2] and used(alice) == 900


def test_list_pages_newest_first(alice):
    first = alice.upload("paged.txt", b"0")
    for n in range(1, 5):
        overwrite(alice, "paged.txt", str(n).encode())
    seen, marker = [], ""
    while True:
        page = alice.ok("file/revision/list", {"file_id": first["file_id"], "limit": 2, "marker": marker})
        seen += [item["revision_version"] for item in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    assert seen == [5, 4, 3, 2, 1]
    with_urls = revisions(alice, first["file_id"], fields="*", limit=1)
    assert requests.get(with_urls[0]["url"]).content == b"4"
    bad = alice.call("file/revision/list", {"drive_id": alice.drive_id, "file_id": first["file_id"], "marker": "x"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameter.Marker"


def test_keep_forever_and_description(alice):
    first = alice.upload("kept.txt", b"one")
    overwrite(alice, "kept.txt", b"two")
    body = {"file_id": first["file_id"], "revision_id": first["revision_id"]}
    kept = alice.ok("file/revision/update", {**body, "keep_forever": True, "revision_description": "signed copy"})
    assert kept["keep_forever"] is True and kept["revision_description"] == "signed copy"
    assert revisions(alice, first["file_id"])[1]["keep_forever"] is True
    too_long = alice.call(
        "file/revision/update", {"drive_id": alice.drive_id, **body, "revision_description": "x" * 1025}
    )
    assert too_long.status_code == 400 and too_long.json()["code"].startswith("InvalidParameter")
    assert alice.ok("file/revision/update", {**body, "revision_description": "d" * 1024})["keep_forever"] is True


def test_at_most_50_revisions_of_a_file_are_kept_forever(alice):
    first = alice.upload("many.txt", b"0")
    item = File.objects.get(file_id=first["file_id"])
    now = timezone.now()
    Revision.objects.bulk_create(
        Revision(
            revision_id=f"{n:040x}",
            file=item,
            version=n + 1,
            blob=item.blob,
            name=item.name,
            size=1,
            keep_forever=n <= MAX_KEEP_FOREVER,
            created_at=now,
        )
        for n in range(1, MAX_KEEP_FOREVER + 2)
    )
    assert Revision.objects.filter(file=item, keep_forever=True).count() == 50
    body = {"drive_id": alice.drive_id, "file_id": first["file_id"], "revision_id": f"{MAX_KEEP_FOREVER + 1:040x}"}
    reply = alice.call("file/revision/update", {**body, "keep_forever": True})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.KeepForeverLimitExceeded"
    assert not Revision.objects.get(revision_id=body["revision_id"]).keep_forever
    alice.ok("file/revision/update", {**body, "revision_id": f"{1:040x}", "keep_forever": False})
    assert alice.ok("file/revision/update", {**body, "keep_forever": True})["keep_forever"] is True


def test_delete_a_revision_but_never_the_latest(alice):
    first = alice.upload("gone.txt", b"old content")
    second = overwrite(alice, "gone.txt", b"new")
    reply = alice.call(
        "file/revision/delete",
        {"drive_id": alice.drive_id, "file_id": first["file_id"], "revision_id": second["revision_id"]},
    )
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.LatestRevision"
    old_url = alice.ok("file/revision/get", {"file_id": first["file_id"], "revision_id": first["revision_id"]})["url"]
    alice.ok("file/revision/delete", {"file_id": first["file_id"], "revision_id": first["revision_id"]}, 204)
    assert versions(first["file_id"]) == [2]
    assert used(alice) == 3 and Blob.objects.count() == 1, "the size and the unshared blob are released"
    assert requests.get(old_url).status_code == 404
    missing = alice.call(
        "file/revision/get",
        {"drive_id": alice.drive_id, "file_id": first["file_id"], "revision_id": first["revision_id"]},
    )
    assert missing.status_code == 404 and missing.json()["code"] == "NotFound.Revision"
    assert fsck_scan() == []


def test_revision_ids_of_another_users_file_are_not_found(alice, bob):
    mine = alice.upload("private.txt", b"alice's secret")
    overwrite(alice, "private.txt", b"alice's newer secret")
    theirs = bob.upload("bob.txt", b"bob's")
    overwrite(bob, "bob.txt", b"bob's 2")
    for path in ("list", "get", "restore", "update", "delete"):
        # Alice's drive and file: bob has no role anywhere in it.
        body = {"drive_id": alice.drive_id, "file_id": mine["file_id"], "revision_id": mine["revision_id"]}
        reply = bob.call(f"file/revision/{path}", {**body, "keep_forever": True})
        assert reply.status_code == 404 and reply.json()["code"].startswith("NotFound"), path
        # Bob's drive naming alice's file.
        reply = bob.call(f"file/revision/{path}", {**body, "drive_id": bob.drive_id, "keep_forever": True})
        assert reply.status_code == 404 and reply.json()["code"] == "NotFound.File", path
        if path != "list":
            # Bob's own file naming alice's revision.
            body = {"drive_id": bob.drive_id, "file_id": theirs["file_id"], "revision_id": mine["revision_id"]}
            reply = bob.call(f"file/revision/{path}", {**body, "keep_forever": True})
            assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Revision", path
    assert versions(mine["file_id"]) == [1, 2] and not Revision.objects.filter(keep_forever=True).exists()


def test_a_copy_starts_with_one_revision_and_counts_once(alice):
    folder = alice.folder("src")
    first = alice.upload("a.txt", b"aaaa", parent=folder)
    overwrite(alice, "a.txt", b"bbbbbb", parent=folder)
    assert used(alice) == 10
    copied = alice.ok("file/copy", {"file_id": folder, "to_parent_file_id": "root", "auto_rename": True}, 201)
    copy_of_a = File.objects.get(parent_file_id=copied["file_id"], name="a.txt")
    items = revisions(alice, copy_of_a.file_id)
    assert [item["revision_version"] for item in items] == [1] and items[0]["size"] == 6
    assert items[0]["revision_id"] == copy_of_a.revision_id and items[0]["is_latest_version"] is True
    assert used(alice) == 16 and Blob.objects.count() == 2
    single = alice.ok("file/copy", {"file_id": first["file_id"], "to_parent_file_id": "root"}, 201)
    assert [item["revision_version"] for item in revisions(alice, single["file_id"])] == [1]


def test_deleting_a_file_for_good_removes_its_revisions(alice):
    first = alice.upload("bye.bin", os.urandom(1000))
    overwrite(alice, "bye.bin", os.urandom(2000))
    overwrite(alice, "bye.bin", os.urandom(3000))
    kept = alice.upload("kept.bin", b"stays")
    assert used(alice) == 6005
    alice.ok("file/delete", {"file_id": first["file_id"]}, 204)
    assert used(alice) == 5
    assert Revision.objects.count() == 1 and Blob.objects.count() == 1
    assert Revision.objects.get().revision_id == kept["revision_id"]
    assert fsck_scan() == []


def test_deleting_a_trashed_folder_frees_its_files_revisions(alice):
    folder = alice.folder("old")
    alice.upload("x.txt", b"12345", parent=folder)
    overwrite(alice, "x.txt", b"123", parent=folder)
    alice.ok("recyclebin/trash", {"file_id": folder}, 204)
    alice.ok("file/delete", {"file_id": folder}, 204)
    assert used(alice) == 0 and not Revision.objects.exists() and not Blob.objects.exists()


# --- retention ------------------------------------------------------------------------------


def five_revisions(api, name: str) -> str:
    file_id = api.upload(name, b"v1")["file_id"]
    for n in range(2, 6):
        overwrite(api, name, f"v{n}".encode())
    return file_id


def test_retention_by_count_keeps_the_latest_and_those_kept_forever(alice):
    file_id = five_revisions(alice, "r.txt")
    v2 = Revision.objects.get(file__file_id=file_id, version=2)
    alice.ok("file/revision/update", {"file_id": file_id, "revision_id": v2.revision_id, "keep_forever": True})
    assert prune_revisions() == 0, "no limit set: nothing goes"
    Domain.objects.update(revision_keep_count=2)
    assert prune_revisions() == 2
    assert versions(file_id) == [2, 4, 5]
    assert used(alice) == 6
    assert prune_revisions() == 0, "running it again changes nothing"
    Domain.objects.update(revision_keep_count=0)
    assert prune_revisions() == 1
    assert versions(file_id) == [2, 5]
    assert requests.get(alice.ok("file/get_download_url", {"file_id": file_id})["url"]).content == b"v5"
    assert fsck_scan() == []


def test_retention_by_age(alice):
    file_id = five_revisions(alice, "aged.txt")
    old = timezone.now() - timedelta(days=40)
    Revision.objects.filter(file__file_id=file_id).update(created_at=old)  # the latest is old too
    Revision.objects.filter(file__file_id=file_id, version=1).update(keep_forever=True)
    Revision.objects.filter(file__file_id=file_id, version=4).update(created_at=timezone.now() - timedelta(days=3))
    Domain.objects.update(revision_keep_days=30)
    assert prune_revisions() == 2
    assert versions(file_id) == [1, 4, 5]
    assert prune_revisions() == 0
    assert used(alice) == 6


# --- fsck and the migration -------------------------------------------------------------------


def test_fsck_knows_revisions(alice):
    first = alice.upload("f.txt", b"one")
    overwrite(alice, "f.txt", b"two")
    assert fsck_scan() == [], "a blob only an old revision refers to is not an orphan"
    Revision.objects.filter(revision_id=first["revision_id"]).delete()  # a blob nothing refers to
    latest = File.objects.get(file_id=first["file_id"])
    Revision.objects.filter(revision_id=latest.revision_id).delete()  # content without its revision
    findings = fsck_scan()
    assert sorted((finding.problem, finding.name) for finding in findings) == sorted(
        [
            ("unreferenced_blob", Blob.objects.get(sha1=first["content_hash"]).storage_name),
            ("file_without_revision", first["file_id"]),
        ]
    )
    assert fsck_repair(findings) == {"unreferenced_blob": 1, "file_without_revision": 1}
    assert fsck_scan() == []
    assert Revision.objects.get(file=latest).revision_id == latest.revision_id
    assert not Blob.objects.filter(sha1=first["content_hash"]).exists()


def test_the_data_migration_gives_each_file_its_first_revision(alice):
    first = alice.upload("before.txt", b"made before revisions")
    second = alice.upload("nameless.txt", b"no revision id")
    Revision.objects.all().delete()
    File.objects.filter(file_id=second["file_id"]).update(revision_id="")
    migration = importlib.import_module("pds_server.migrations.0005_first_revisions")
    migration.first_revisions(apps, SimpleNamespace(connection=connections["pds"]))
    one = Revision.objects.get(file__file_id=first["file_id"])
    assert (one.version, one.revision_id, one.size) == (1, first["revision_id"], 21)
    two = File.objects.get(file_id=second["file_id"])
    assert len(two.revision_id) == 40 and Revision.objects.get(file=two).revision_id == two.revision_id
    migration.first_revisions(apps, SimpleNamespace(connection=connections["pds"]))
    assert Revision.objects.count() == 2, "files with a revision are left alone"


@pytest.mark.parametrize("path", ["get", "restore", "update", "delete"])
def test_a_revision_id_is_required(alice, path):
    first = alice.upload("r.txt", b"r")
    reply = alice.call(f"file/revision/{path}", {"drive_id": alice.drive_id, "file_id": first["file_id"]})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameterMissing.revision_id"


def test_django_admin_sets_a_domains_revision_retention(domain):
    admin_user = get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1")
    client = Client()
    client.force_login(admin_user)
    page = client.get(f"/admin/pds_server/domain/{domain.pk}/change/").content.decode()
    assert "Revision retention" in page
    assert 'name="revision_keep_count"' in page and 'name="revision_keep_days"' in page
