"""One test per rule of the file service, over HTTP against the live server."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests

from pds_server.models import Blob, Drive, File, Upload
from tests.pds_server.api_client import Api, make_api

# --- access --------------------------------------------------------------------------------


def test_another_users_file_is_not_found_like_a_missing_one(alice, bob):
    secret = alice.upload("secret.txt", b"alice only")
    for body in (
        {"drive_id": bob.drive_id, "file_id": secret["file_id"]},
        {"drive_id": alice.drive_id, "file_id": secret["file_id"]},
    ):
        reply = bob.call("file/get", body)
        assert reply.status_code == 404
    missing = bob.call("file/get", {"drive_id": bob.drive_id, "file_id": "0" * 40})
    assert bob.call("file/get", {"drive_id": bob.drive_id, "file_id": secret["file_id"]}).json() == missing.json()
    assert (
        bob.call("file/get_download_url", {"drive_id": bob.drive_id, "file_id": secret["file_id"]}).status_code == 404
    )
    assert (
        bob.call("file/list", {"drive_id": alice.drive_id, "parent_file_id": "root"}).json()["code"] == "NotFound.Drive"
    )
    assert bob.call("file/delete", {"drive_id": bob.drive_id, "file_id": secret["file_id"]}).status_code == 404
    assert alice.ok("file/get", {"file_id": secret["file_id"]})["name"] == "secret.txt"


def test_missing_scope_is_a_403(pds_url, make_user, jwt_app):
    reader = make_api(pds_url, make_user("carol"), jwt_app, scopes=["FILE.LIST", "DRIVE.ALL"])
    assert reader.call("file/list", {"drive_id": reader.drive_id, "parent_file_id": "root"}).status_code == 200
    reply = reader.call(
        "file/create", {"drive_id": reader.drive_id, "parent_file_id": "root", "name": "x", "type": "folder"}
    )
    assert reply.status_code == 403 and "FILE.CREATE" in reply.json()["message"]
    assert reader.call("share_link/list").status_code == 403


# --- names --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["", ".", "..", "a/b", "nul\x00byte", "tab\there", "x" * 1025, "é" * 513])
def test_bad_names_are_refused(alice, name):
    reply = alice.call(
        "file/create", {"drive_id": alice.drive_id, "parent_file_id": "root", "name": name, "type": "folder"}
    )
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Name"
    assert not File.objects.exists()


def test_names_up_to_1024_bytes_and_any_script_are_fine(alice):
    for name in ("x" * 1024, "é" * 512, "报告 2026 (final).pdf", "..hidden", "a.b.c"):
        assert (
            alice.ok("file/create", {"parent_file_id": "root", "name": name, "type": "folder"}, 201)["file_name"]
            == name
        )


def test_rename_to_a_taken_name(alice):
    alice.folder("one")
    two = alice.folder("two")
    reply = alice.call("file/update", {"drive_id": alice.drive_id, "file_id": two, "name": "one"})
    assert reply.status_code == 409 and reply.json()["code"] == "AlreadyExist.File"
    renamed = alice.ok("file/update", {"file_id": two, "name": "one", "check_name_mode": "auto_rename"})
    assert renamed["name"].startswith("one_")


def test_check_name_modes_on_create(alice):
    first = alice.upload("a.txt", b"one")
    assert alice.upload("a.txt", b"two", check_name_mode="refuse")["exist"] is True
    renamed = alice.upload("a.txt", b"three", check_name_mode="auto_rename")
    assert renamed["name"].startswith("a_") and renamed["name"].endswith(".txt")
    overwritten = alice.upload("a.txt", b"four!", check_name_mode="overwrite")
    assert overwritten["file_id"] == first["file_id"] and overwritten["size"] == 5
    url = alice.ok("file/get_download_url", {"file_id": first["file_id"]})["url"]
    assert requests.get(url).content == b"four!"
    assert requests.get(url.replace(overwritten["content_hash"], "0" * 40)).status_code == 403


# --- listing --------------------------------------------------------------------------------


def test_list_pages_with_markers_in_every_order(alice):
    folder = alice.folder("many")
    drive = Drive.objects.get(pk=int(alice.drive_id))
    from django.utils import timezone

    now = timezone.now()
    File.objects.bulk_create(
        [
            File(
                file_id=f"{i:040d}",
                drive=drive,
                parent_file_id=folder,
                name=f"n{i % 7}-{i:03d}",
                type="file",
                size=i % 5,
                created_at=now,
                updated_at=now,
            )
            for i in range(45)
        ]
    )
    for order_by in ("name", "created_at", "updated_at", "size"):
        for direction in ("ASC", "DESC"):
            seen, marker = [], ""
            while True:
                page = alice.ok(
                    "file/list",
                    {
                        "parent_file_id": folder,
                        "limit": 10,
                        "marker": marker,
                        "order_by": order_by,
                        "order_direction": direction,
                    },
                )
                seen += page["items"]
                marker = page["next_marker"]
                if not marker:
                    break
            keys = [(item[order_by], item["file_id"]) for item in seen]
            assert len(seen) == 45 and keys == sorted(keys, reverse=direction == "DESC"), (order_by, direction)
    assert len(alice.ok("file/list", {"parent_file_id": folder, "limit": 1000})["items"]) == 45  # clamped to 200
    assert len(alice.ok("file/list", {"parent_file_id": folder, "limit": 0})["items"]) == 1  # clamped to 1
    assert (
        alice.call("file/list", {"drive_id": alice.drive_id, "parent_file_id": folder, "marker": "!!"}).status_code
        == 400
    )
    assert (
        alice.call("file/list", {"drive_id": alice.drive_id, "parent_file_id": folder, "order_by": "owner"}).status_code
        == 400
    )


# --- uploads -----------------------------------------------------------------------------


def test_part_url_signature_is_checked(alice):
    created = alice.ok(
        "file/create",
        {"parent_file_id": "root", "name": "p.bin", "type": "file", "size": 3, "part_info_list": [{"part_number": 1}]},
        201,
    )
    url = created["part_info_list"][0]["upload_url"]
    parts = urlsplit(url)
    query = parse_qs(parts.query)

    def variant(**changes):
        changed = {key: values[0] for key, values in query.items()} | changes
        return urlunsplit(parts._replace(query=urlencode(changed)))

    assert requests.put(variant(part_number="2"), data=b"abc").status_code == 403
    assert requests.put(variant(signature="0" * 64), data=b"abc").status_code == 403
    assert requests.put(variant(**{"x-pds-expires": str(int(time.time()) + 99999)}), data=b"abc").status_code == 403
    expired_reply = requests.put(variant(**{"x-pds-expires": "1"}), data=b"abc")
    assert expired_reply.status_code == 403 and expired_reply.json()["code"] in ("InvalidSignature", "UrlExpired")
    assert (
        requests.put(url, data=b"abc", headers={"Content-Type": "text/evil"}).status_code == 200
    )  # Content-Type ignored
    assert requests.put(url, data=b"xyz").status_code == 200  # sent again: the last one wins
    done = alice.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    assert done["content_hash"] == hashlib.sha1(b"xyz").hexdigest().upper()


def test_expired_download_url_and_tampered_download_url(alice, settings):
    item = alice.upload("d.txt", b"download me")
    url = alice.ok("file/get_download_url", {"file_id": item["file_id"], "expire_sec": 1})["url"]
    tampered = url.replace("name=d.txt", "name=other.txt")
    assert requests.get(tampered).status_code == 403
    time.sleep(2.1)
    assert requests.get(url).json()["code"] == "UrlExpired"
    assert (
        alice.call(
            "file/get_download_url", {"drive_id": alice.drive_id, "file_id": item["file_id"], "expire_sec": 115201}
        ).status_code
        == 400
    )


def test_complete_needs_every_part_and_is_idempotent(alice):
    created = alice.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "two.bin",
            "type": "file",
            "size": 6,
            "part_info_list": [{"part_number": 1}, {"part_number": 2}],
        },
        201,
    )
    requests.put(created["part_info_list"][0]["upload_url"], data=b"abc")
    missing = alice.call(
        "file/complete", {"drive_id": alice.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
    )
    assert missing.status_code == 400 and "2" in missing.json()["message"]
    listed = alice.ok("file/list_uploaded_parts", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    assert [part["part_number"] for part in listed["uploaded_parts"]] == [1]
    reissued = alice.ok(
        "file/get_upload_url",
        {"file_id": created["file_id"], "upload_id": created["upload_id"], "part_info_list": [{"part_number": 2}]},
    )
    requests.put(reissued["part_info_list"][0]["upload_url"], data=b"def")
    first = alice.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    second = alice.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    assert first["content_hash"] == second["content_hash"] == hashlib.sha1(b"abcdef").hexdigest().upper()
    assert Drive.objects.get(pk=int(alice.drive_id)).used_size == 6


def test_declared_size_must_match_and_parts_cannot_exceed_it(alice):
    created = alice.ok("file/create", {"parent_file_id": "root", "name": "s.bin", "type": "file", "size": 4}, 201)
    url = created["part_info_list"][0]["upload_url"]
    assert requests.put(url, data=b"too long").status_code == 403
    requests.put(url, data=b"abc")
    reply = alice.call(
        "file/complete", {"drive_id": alice.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
    )
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Size"


def test_quota_is_checked_at_create_and_parallel_uploads_cannot_exceed_it(alice):
    Drive.objects.filter(pk=int(alice.drive_id)).update(total_size=10)
    assert (
        alice.call(
            "file/create",
            {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "big", "type": "file", "size": 11},
        ).json()["code"]
        == "QuotaExhausted.Drive"
    )
    first = alice.ok("file/create", {"parent_file_id": "root", "name": "a", "type": "file", "size": 6}, 201)
    second = alice.call(
        "file/create", {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "b", "type": "file", "size": 6}
    )
    assert second.status_code == 403  # the first upload holds 6 of the 10 bytes
    requests.put(first["part_info_list"][0]["upload_url"], data=b"123456")
    alice.ok("file/complete", {"file_id": first["file_id"], "upload_id": first["upload_id"]})
    drive = Drive.objects.get(pk=int(alice.drive_id))
    assert (drive.used_size, drive.reserved_size) == (6, 0)
    # Without a declared size, the parts are capped by the free space.
    open_ended = alice.ok("file/create", {"parent_file_id": "root", "name": "c", "type": "file"}, 201)
    assert requests.put(open_ended["part_info_list"][0]["upload_url"], data=b"12345").status_code == 403


def test_unfinished_uploads_expire_and_release_everything(alice):
    from django.utils import timezone

    from pds_server.services.uploads import uploads_expire

    created = alice.ok("file/create", {"parent_file_id": "root", "name": "late.bin", "type": "file", "size": 3}, 201)
    requests.put(created["part_info_list"][0]["upload_url"], data=b"abc")
    Upload.objects.update(expires_at=timezone.now())
    assert uploads_expire() == 1
    assert not File.objects.filter(file_id=created["file_id"]).exists()
    drive = Drive.objects.get(pk=int(alice.drive_id))
    assert drive.reserved_size == 0
    from pds_server.storage import blob_store

    storage = blob_store().storage
    leftover = (
        storage.listdir(f"uploads/{created['upload_id']}")[1]
        if storage.exists(f"uploads/{created['upload_id']}")
        else []
    )
    assert leftover == []


# --- instant upload -------------------------------------------------------------------------


def test_a_hash_alone_never_reads_someone_elses_bytes(alice, bob):
    data = os.urandom(4000)
    alice.upload("mine.bin", data)
    sha1 = hashlib.sha1(data).hexdigest()
    # pre_hash matches (the domain holds content starting like that)...
    pre = bob.call(
        "file/create",
        {
            "drive_id": bob.drive_id,
            "parent_file_id": "root",
            "name": "x.bin",
            "type": "file",
            "size": len(data),
            "pre_hash": hashlib.sha1(data[:1024]).hexdigest(),
        },
    )
    assert pre.status_code == 409 and pre.json()["code"] == "PreHashMatched"
    # ...but the hash without a proof does not hand Bob Alice's blob: a normal upload follows.
    normal = bob.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "x.bin",
            "type": "file",
            "size": len(data),
            "content_hash": sha1,
            "content_hash_name": "sha1",
        },
        201,
    )
    assert normal["rapid_upload"] is False and normal["upload_id"]
    # A wrong proof does not either.
    wrong = bob.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "y.bin",
            "type": "file",
            "size": len(data),
            "content_hash": sha1,
            "content_hash_name": "sha1",
            "proof_code": "AAAAAAAAAAA=",
            "proof_version": "v1",
        },
        201,
    )
    assert wrong["rapid_upload"] is False
    # The legacy proof v1 (8 bytes at an offset derived from Bob's token) does.
    offset = int(hashlib.md5(bob.token.encode()).hexdigest()[:16], 16) % len(data)
    proof = base64.b64encode(data[offset : offset + 8]).decode()
    rapid = bob.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "z.bin",
            "type": "file",
            "size": len(data),
            "content_hash": sha1.lower(),
            "content_hash_name": "sha1",
            "proof_code": proof,
            "proof_version": "v1",
        },
        201,
    )
    assert rapid["rapid_upload"] is True
    # Alice herself needs no proof for content she holds.
    again = alice.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "again.bin",
            "type": "file",
            "size": len(data),
            "content_hash": sha1,
            "content_hash_name": "sha1",
        },
        201,
    )
    assert again["rapid_upload"] is True
    assert Blob.objects.count() == 1


def test_equal_content_shares_one_blob_and_it_is_removed_with_the_last_file(alice, bob):
    first = alice.upload("one.txt", b"same bytes")
    second = bob.upload("two.txt", b"same bytes")
    blob = Blob.objects.get()
    assert File.objects.filter(blob=blob).count() == 2
    from django.conf import settings

    path = settings.DATA_DIR / "blobs" / blob.storage_name
    alice.ok("file/delete", {"file_id": first["file_id"]}, 204)
    assert path.exists() and Blob.objects.exists()
    bob.ok("file/delete", {"file_id": second["file_id"]}, 204)
    assert not Blob.objects.exists() and not path.exists()


# --- downloads ----------------------------------------------------------------------------


def test_download_headers_ranges_and_conditionals(alice):
    data = bytes(range(256)) * 40
    item = alice.upload('报告 "final".html', data)
    url = alice.ok("file/get_download_url", {"file_id": item["file_id"]})["url"]
    full = requests.get(url)
    assert full.content == data
    assert full.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22final%22.html" in full.headers["Content-Disposition"]
    assert full.headers["X-Content-Type-Options"] == "nosniff" and "sandbox" in full.headers["Content-Security-Policy"]
    etag = full.headers["ETag"]
    head = requests.head(url)
    assert head.status_code == 200 and head.headers["Content-Length"] == str(len(data)) and head.content == b""
    assert requests.get(url, headers={"Range": "bytes=-10"}).content == data[-10:]
    assert requests.get(url, headers={"Range": "bytes=10000-"}).content == data[10000:]
    unsatisfiable = requests.get(url, headers={"Range": f"bytes={len(data)}-"})
    assert unsatisfiable.status_code == 416 and unsatisfiable.headers["Content-Range"] == f"bytes */{len(data)}"
    assert requests.get(url, headers={"Range": "bytes=0-1,5-6"}).status_code == 200  # several ranges: the whole file
    assert requests.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert requests.get(url, headers={"Range": "bytes=0-9", "If-Range": etag}).status_code == 206
    assert requests.get(url, headers={"Range": "bytes=0-9", "If-Range": '"stale"'}).status_code == 200
    named = alice.ok("file/get_download_url", {"file_id": item["file_id"], "file_name": "renamed.bin"})["url"]
    assert 'filename="renamed.bin"' in requests.get(named).headers["Content-Disposition"]


def test_download_redirect_endpoint(alice):
    item = alice.upload("r.txt", b"redirected")
    reply = requests.get(
        f"{alice.base}/v2/file/download",
        params={"drive_id": alice.drive_id, "file_id": item["file_id"]},
        headers={"Authorization": f"Bearer {alice.token}"},
        allow_redirects=False,
    )
    assert reply.status_code == 302
    assert requests.get(reply.headers["Location"]).content == b"redirected"


def test_image_thumbnails(alice):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 30)).save(buffer, "PNG")
    item = alice.upload("photo.png", buffer.getvalue())
    listed = alice.ok(
        "file/list",
        {"parent_file_id": "root", "thumbnail_processes": {"small": {"image_thumbnail_process": "image/resize,w_100"}}},
    )
    url = listed["items"][0]["thumbnail_urls"]["small"]
    thumbnail = requests.get(url)
    assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(thumbnail.content)).size == (100, 75)
    assert requests.get(url).content == thumbnail.content  # cached
    got = alice.ok("file/get", {"file_id": item["file_id"], "image_thumbnail_process": "image/resize,m_fill,w_50,h_50"})
    assert Image.open(io.BytesIO(requests.get(got["thumbnail_urls"]["thumbnail"]).content)).size == (50, 50)


# --- tree operations ------------------------------------------------------------------------


def test_move_into_itself_is_refused_and_trash_hides_the_subtree(alice):
    outer = alice.folder("outer")
    inner = alice.folder("inner", outer)
    leaf = alice.upload("leaf.txt", b"leaf", inner)
    assert (
        alice.call("file/move", {"drive_id": alice.drive_id, "file_id": outer, "to_parent_file_id": inner}).status_code
        == 400
    )
    alice.ok("recyclebin/trash", {"file_id": outer}, 204)
    assert alice.ok("file/list", {"parent_file_id": "root"})["items"] == []
    assert alice.ok("file/search", {"query": 'name match "leaf"'})["items"] == []
    assert [item["file_id"] for item in alice.ok("recyclebin/list")["items"]] == [outer]
    assert (
        alice.call(
            "file/create", {"drive_id": alice.drive_id, "parent_file_id": inner, "name": "n", "type": "folder"}
        ).json()["code"]
        == "ForbiddenFileInTheRecycleBin"
    )
    alice.ok("recyclebin/restore", {"file_id": outer}, 204)
    assert [item["name"] for item in alice.ok("file/search", {"query": 'name match "leaf"'})["items"]] == ["leaf.txt"]
    alice.ok("recyclebin/trash", {"file_id": leaf["file_id"]}, 204)
    cleared = alice.ok("recyclebin/clear", {}, 202)
    assert alice.ok("async_task/get", {"async_task_id": cleared["async_task_id"]})["state"] == "Succeed"
    assert not File.objects.filter(file_id=leaf["file_id"]).exists()


def test_copy_to_another_drive_of_the_same_user_shares_blobs(alice, domain):
    from pds_server.services.drives import drive_create

    second = drive_create(
        domain=domain, drive_name="Second", owner="alice", owner_type="user", total_size=None, make_default=False
    )
    item = alice.upload("c.txt", b"copy me")
    copied = alice.ok(
        "file/copy", {"file_id": item["file_id"], "to_drive_id": second.drive_id, "to_parent_file_id": "root"}, 201
    )
    assert copied["drive_id"] == second.drive_id
    assert File.objects.get(file_id=copied["file_id"]).blob_id == File.objects.get(file_id=item["file_id"]).blob_id
    assert Drive.objects.get(pk=second.pk).used_size == 7


def test_get_by_path_and_batch(alice):
    docs = alice.folder("docs")
    alice.upload("a.txt", b"a", docs)
    assert alice.ok("file/get_by_path", {"file_path": "/docs/a.txt"})["name"] == "a.txt"
    assert alice.call("file/get_by_path", {"drive_id": alice.drive_id, "file_path": "/docs/none"}).status_code == 404
    batch = alice.call(
        "batch",
        {
            "resource": "file",
            "requests": [
                {
                    "id": "1",
                    "method": "POST",
                    "url": "/file/create",
                    "body": {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "b1", "type": "folder"},
                },
                {
                    "id": "2",
                    "method": "POST",
                    "url": "/file/get",
                    "body": {"drive_id": alice.drive_id, "file_id": "0" * 40},
                },
                {"id": "3", "method": "POST", "url": "/nope", "body": {}},
            ],
        },
    ).json()["responses"]
    assert [(r["id"], r["status"]) for r in batch] == [("1", 201), ("2", 404), ("3", 404)]
    assert (
        alice.call(
            "batch",
            {"resource": "file", "requests": [{"id": str(i), "url": "/file/get", "body": {}} for i in range(101)]},
        ).status_code
        == 400
    )


# --- search -------------------------------------------------------------------------------


def test_search_language(alice):
    docs = alice.folder("Docs")
    alice.upload("Report-2026.pdf", b"pdf", docs)
    alice.upload("photo.JPG", b"jpg!")
    alice.upload("notes.txt", b"notes notes")

    def names(query, **extra):
        return sorted(item["name"] for item in alice.ok("file/search", {"query": query, **extra})["items"])

    assert names('name match "report"') == ["Report-2026.pdf"]
    assert names('category = "image" or file_extension in ["txt", "md"]') == ["notes.txt", "photo.JPG"]
    assert names('type = "file" and not (size > 4)') == ["Report-2026.pdf", "photo.JPG"]
    assert names(f'parent_file_id = "{docs}"') == ["Report-2026.pdf"]
    assert names('name prefix "no"') == ["notes.txt"]
    assert names('size >= 4 and size <= 11 and type != "folder"') == ["notes.txt", "photo.JPG"]
    assert names('created_at > "2000-01-01T00:00:00" and starred = false and type = "file"') == [
        "Report-2026.pdf",
        "notes.txt",
        "photo.JPG",
    ]
    page = alice.ok(
        "file/search", {"query": 'type = "file"', "limit": 2, "order_by": "name ASC", "return_total_count": True}
    )
    assert [item["name"] for item in page["items"]] == ["Report-2026.pdf", "notes.txt"] and page["total_count"] == 3
    rest = alice.ok(
        "file/search", {"query": 'type = "file"', "limit": 2, "order_by": "name ASC", "marker": page["next_marker"]}
    )
    assert [item["name"] for item in rest["items"]] == ["photo.JPG"] and rest["next_marker"] == ""


@pytest.mark.parametrize(
    "query, where",
    [
        ("name match", "the end"),
        ('name = "a" and', "the end"),
        ('(name = "a"', "')'"),
        ('owner = "x"', "unknown field"),
        ('size > "big"', "number"),
        ('name ~ "x"', "unexpected"),
        ('type match "x"', "name only"),
        ("", "empty"),
    ],
)
def test_malformed_search_says_where_it_broke(alice, query, where):
    reply = alice.call("file/search", {"drive_id": alice.drive_id, "query": query})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Query"
    assert where in reply.json()["message"]


# --- share links ----------------------------------------------------------------------------


def share_headers(alice, share_id, password=None):
    token = requests.post(
        f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share_id, "share_pwd": password}
    ).json()["share_token"]
    return {"x-share-token": token}


def test_share_token_cannot_escape_to_a_parent_or_sibling(alice):
    parent = alice.folder("parent")
    shared = alice.folder("shared", parent)
    alice.upload("inside.txt", b"in", shared)
    sibling = alice.upload("sibling.txt", b"out", parent)
    share = alice.ok("share_link/create", {"file_id_list": [shared]}, 201)
    headers = share_headers(alice, share["share_id"])
    visitor = Api(alice.base, "", "")
    for body in ({"file_id": parent}, {"file_id": sibling["file_id"]}):
        assert visitor.call("file/get", {"share_id": share["share_id"], **body}, headers).status_code == 404
    assert (
        visitor.call("file/list", {"share_id": share["share_id"], "parent_file_id": parent}, headers).status_code == 404
    )
    assert (
        visitor.call(
            "file/get_download_url", {"share_id": share["share_id"], "file_id": sibling["file_id"]}, headers
        ).status_code
        == 404
    )
    inside = visitor.call(
        "file/list", {"share_id": share["share_id"], "parent_file_id": shared, "fields": "*"}, headers
    ).json()["items"]
    assert [item["name"] for item in inside] == ["inside.txt"]
    assert "url" not in inside[0]  # downloads through a share go by get_download_url, which counts them
    # Another share's token does not open this one.
    other = alice.ok("share_link/create", {"file_id_list": [sibling["file_id"]]}, 201)
    assert (
        visitor.call(
            "file/list",
            {"share_id": share["share_id"], "parent_file_id": "root"},
            share_headers(alice, other["share_id"]),
        ).status_code
        == 401
    )


def test_share_password_expiry_cancel_and_limits(alice, bob):
    item = alice.upload("s.txt", b"shared bytes")
    share = alice.ok(
        "share_link/create",
        {"file_id_list": [item["file_id"]], "share_pwd": "pw", "download_limit": 2, "share_name": "Mine"},
        201,
    )
    assert share["has_pwd"] is True and "share_pwd" not in share
    anonymous = requests.post(
        f"{alice.base}/v2/share_link/get_by_anonymous", json={"share_id": share["share_id"]}
    ).json()
    assert anonymous["share_name"] == "Mine" and anonymous["has_pwd"] is True and "file_id_list" not in anonymous
    wrong = requests.post(
        f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share["share_id"], "share_pwd": "nope"}
    )
    assert wrong.status_code == 403 and wrong.json()["code"] == "InvalidResource.SharePwd"
    headers = share_headers(alice, share["share_id"], "pw")
    visitor = Api(alice.base, "", "")
    body = {"share_id": share["share_id"], "file_id": item["file_id"]}
    for _ in range(2):
        assert visitor.call("file/get_download_url", body, headers).status_code == 200
    assert visitor.call("file/get_download_url", body, headers).status_code == 403
    assert alice.ok("share_link/get", {"share_id": share["share_id"]})["download_count"] == 2
    # Bob saves a copy into his own drive through the share.
    saved = bob.call(
        "file/copy", {"share_id": share["share_id"], "file_id": item["file_id"], "to_parent_file_id": "root"}, headers
    )
    assert saved.status_code == 201 and saved.json()["drive_id"] == bob.drive_id
    assert bob.call("share_link/get", {"share_id": share["share_id"]}).status_code == 404  # not his share
    alice.ok("share_link/update", {"share_id": share["share_id"], "expiration": "2000-01-01T00:00:00Z"})
    assert (
        requests.post(f"{alice.base}/v2/share_link/get_by_anonymous", json={"share_id": share["share_id"]}).status_code
        == 404
    )
    alice.ok("share_link/update", {"share_id": share["share_id"], "expiration": ""})
    alice.ok("share_link/cancel", {"share_id": share["share_id"]}, 204)
    assert (
        requests.post(
            f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share["share_id"], "share_pwd": "pw"}
        ).status_code
        == 404
    )
    assert visitor.call("file/get", body, headers).status_code == 404
    listed = alice.ok("share_link/list", {"include_cancelled": True})["items"]
    assert [entry["status"] for entry in listed] == ["disabled"]
    from pds_server.models import ShareLink

    assert ShareLink.objects.get().password.startswith("md5$")  # hashed (the tests' fast hasher)


def test_crc64_is_crc64_xz_and_sha1_is_uppercase(alice):
    # The CRC-64/XZ check value of "123456789" (RevEng catalogue): 0x995DC9BBDF1939FA.
    item = alice.upload("check.txt", b"123456789")
    assert item["crc64_hash"] == str(0x995DC9BBDF1939FA)
    assert item["content_hash"] == "F7C3BC1D808E04732ADF679965CCC34CA7AE3441"


def test_parts_stream_through_in_constant_memory(alice):
    import tracemalloc

    size = 48 * 1024 * 1024
    created = alice.ok("file/create", {"parent_file_id": "root", "name": "big.bin", "type": "file", "size": size}, 201)

    def body():
        block = b"\xab" * (256 * 1024)
        for _ in range(size // len(block)):
            yield block

    tracemalloc.start()
    try:
        reply = requests.put(
            created["part_info_list"][0]["upload_url"], data=body(), headers={"Content-Length": str(size)}
        )
        assert reply.status_code == 200
        done = alice.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
        url = alice.ok("file/get_download_url", {"file_id": created["file_id"]})["url"]
        with requests.get(url, stream=True) as download:
            received = sum(len(chunk) for chunk in download.iter_content(1024 * 1024))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert done["size"] == size and received == size
    # The live server runs in this process: whatever it buffered would show in the peak.
    assert peak < 12 * 1024 * 1024, f"peak Python memory {peak / 2**20:.1f} MiB for a {size / 2**20:.0f} MiB file"


def test_behind_nginx_the_download_is_handed_over_by_x_accel_redirect(alice, settings):
    settings.PDS_XACCEL_BLOB_LOCATION = "/_pds_blobs/"
    item = alice.upload("x.txt", b"through nginx")
    url = alice.ok("file/get_download_url", {"file_id": item["file_id"]})["url"]
    reply = requests.get(url)
    blob = Blob.objects.get()
    assert reply.headers["X-Accel-Redirect"] == f"/_pds_blobs/{blob.storage_name}"
    assert reply.content == b""  # Django sent no bytes: nginx would
    assert reply.headers["Content-Disposition"].startswith("attachment;") and reply.headers["ETag"] == f'"{blob.sha1}"'


def test_share_with_previews_disabled_gives_no_thumbnails(alice):
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 90, 200)).save(buffer, "PNG")
    item = alice.upload("pic.png", buffer.getvalue())
    processes = {"thumbnail_processes": {"t": {"image_thumbnail_process": "image/resize,w_32"}}}
    for disabled, expected in ((False, True), (True, False)):
        share = alice.ok("share_link/create", {"file_id_list": [item["file_id"]], "disable_preview": disabled}, 201)
        headers = share_headers(alice, share["share_id"])
        got = (
            Api(alice.base, "", "")
            .call("file/get", {"share_id": share["share_id"], "file_id": item["file_id"], **processes}, headers)
            .json()
        )
        assert ("thumbnail_urls" in got) is expected
