"""The official SDK `alibabacloud-pds20220301`, unmodified, drives the whole file service
of the live embedded PDS: folders, a 3-part upload, download with Range, instant upload,
rename, move, copy, recycle bin, delete, search and share links."""

from __future__ import annotations

import hashlib
import os

import fastcrc
import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from alibabacloud_tea_util.models import RuntimeOptions

from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon

PART = 256 * 1024


@pytest.fixture
def sdk(live_server, make_user, jwt_app):
    user = user_logon(user=make_user("alice"))
    token = tokens_issue(
        app=jwt_app,
        user=user,
        scopes=["FILE.ALL", "DRIVE.ALL", "SHARE.ALL", "USER.ALL"],
        grant_type="test",
        with_refresh_token=False,
    ).access_token_value
    port = live_server.url.rsplit(":", 1)[1]
    client = Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token))
    return client, user.default_drive_id, token, port


def upload(client: Client, drive_id: str, parent: str, name: str, data: bytes, parts: int) -> m.CreateFileResponseBody:
    created = client.create_file(
        m.CreateFileRequest(
            drive_id=drive_id,
            parent_file_id=parent,
            name=name,
            type="file",
            size=len(data),
            check_name_mode="refuse",
            part_info_list=[m.CreateFileRequestPartInfoList(part_number=n) for n in range(1, parts + 1)],
        )
    ).body
    assert not created.rapid_upload and created.upload_id
    size = -(-len(data) // parts)
    for info in created.part_info_list:
        chunk = data[(info.part_number - 1) * size : info.part_number * size]
        reply = requests.put(info.upload_url, data=chunk, headers={"Content-Type": ""})  # what the SDKs send
        assert reply.status_code == 200 and reply.headers["ETag"]
    return created


def test_sdk_walks_the_whole_file_service(sdk):
    client, drive_id, token, port = sdk
    folder = client.create_file(
        m.CreateFileRequest(
            drive_id=drive_id, parent_file_id="root", name="Docs", type="folder", check_name_mode="refuse"
        )
    ).body
    assert folder.file_id and folder.type == "folder"
    again = client.create_file(
        m.CreateFileRequest(
            drive_id=drive_id, parent_file_id="root", name="Docs", type="folder", check_name_mode="refuse"
        )
    ).body
    assert again.file_id == folder.file_id and again.exist is True

    data = os.urandom(3 * PART - 100)
    created = upload(client, drive_id, folder.file_id, "report.bin", data, 3)
    # Uploading: invisible to list and get.
    assert client.list_file(m.ListFileRequest(drive_id=drive_id, parent_file_id=folder.file_id)).body.items == []
    done = client.complete_file(
        m.CompleteFileRequest(drive_id=drive_id, file_id=created.file_id, upload_id=created.upload_id)
    ).body
    assert done.status == "available" and done.size == len(data)
    assert done.content_hash == hashlib.sha1(data).hexdigest().upper()
    assert done.crc_64hash == str(fastcrc.crc64.xz(data))

    listed = client.list_file(
        m.ListFileRequest(drive_id=drive_id, parent_file_id=folder.file_id, order_by="name", order_direction="ASC")
    ).body
    assert [item.name for item in listed.items] == ["report.bin"] and listed.next_marker == ""
    got = client.get_file(m.GetFileRequest(drive_id=drive_id, file_id=created.file_id)).body
    assert got.name == "report.bin" and got.category == "others" and got.file_extension == "bin"

    url = client.get_download_url(m.GetDownloadUrlRequest(drive_id=drive_id, file_id=created.file_id)).body.url
    assert requests.get(url).content == data
    ranged = requests.get(url, headers={"Range": "bytes=1000-1999"})
    assert ranged.status_code == 206 and ranged.content == data[1000:2000]
    assert ranged.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"

    # Instant upload of the same bytes into another folder: pre_hash, then content_hash.
    other = client.create_file(
        m.CreateFileRequest(drive_id=drive_id, parent_file_id="root", name="Copies", type="folder")
    ).body
    with pytest.raises(Exception) as matched:
        client.create_file(
            m.CreateFileRequest(
                drive_id=drive_id,
                parent_file_id=other.file_id,
                name="same.bin",
                type="file",
                size=len(data),
                pre_hash=hashlib.sha1(data[:1024]).hexdigest(),
            )
        )
    assert matched.value.code == "PreHashMatched"
    rapid = client.create_file(
        m.CreateFileRequest(
            drive_id=drive_id,
            parent_file_id=other.file_id,
            name="same.bin",
            type="file",
            size=len(data),
            content_hash=hashlib.sha1(data).hexdigest().upper(),
            content_hash_name="sha1",
        )
    ).body
    assert rapid.rapid_upload is True
    assert (
        requests.get(
            client.get_download_url(m.GetDownloadUrlRequest(drive_id=drive_id, file_id=rapid.file_id)).body.url
        ).content
        == data
    )

    renamed = client.update_file(m.UpdateFileRequest(drive_id=drive_id, file_id=created.file_id, name="final.bin")).body
    assert renamed.name == "final.bin"
    moved = client.move_file(
        m.MoveFileRequest(drive_id=drive_id, file_id=created.file_id, to_parent_file_id="root")
    ).body
    assert moved.file_id == created.file_id
    copied = client.copy_file(
        m.CopyFileRequest(drive_id=drive_id, file_id=created.file_id, to_parent_file_id=other.file_id)
    ).body
    assert copied.file_id and copied.file_id != created.file_id

    client.trash_file(m.TrashFileRequest(drive_id=drive_id, file_id=created.file_id))
    bin_items = client.list_recyclebin(m.ListRecyclebinRequest(drive_id=drive_id)).body.items
    assert [item.file_id for item in bin_items] == [created.file_id]
    client.restore_file(m.RestoreFileRequest(drive_id=drive_id, file_id=created.file_id))
    assert client.get_file(m.GetFileRequest(drive_id=drive_id, file_id=created.file_id)).body.parent_file_id == "root"

    found = client.search_file(
        m.SearchFileRequest(
            drive_id=drive_id,
            query='name match "FINAL" and type = "file" and parent_file_id = "root"',
            return_total_count=True,
        )
    ).body
    assert [item.file_id for item in found.items] == [created.file_id] and found.total_count == 1

    share = client.create_share_link(
        m.CreateShareLinkRequest(drive_id=drive_id, file_id_list=[other.file_id], share_pwd="s3cret")
    ).body
    assert share.share_id and len(share.share_id) >= 22
    visitor = Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http"))
    share_token = visitor.get_share_link_token(
        m.GetShareLinkTokenRequest(share_id=share.share_id, share_pwd="s3cret")
    ).body.share_token
    headers = {"x-share-token": share_token}
    top = visitor.list_file_with_options(
        m.ListFileRequest(share_id=share.share_id, parent_file_id="root"), headers, RuntimeOptions()
    ).body
    assert [item.name for item in top.items] == ["Copies"]
    inside = visitor.list_file_with_options(
        m.ListFileRequest(share_id=share.share_id, parent_file_id=other.file_id, order_by="name"),
        headers,
        RuntimeOptions(),
    ).body
    assert sorted(item.name for item in inside.items) == ["final.bin", "same.bin"]
    shared_url = visitor.get_download_url_with_options(
        m.GetDownloadUrlRequest(share_id=share.share_id, file_id=rapid.file_id), headers, RuntimeOptions()
    ).body.url
    assert requests.get(shared_url).content == data

    client.delete_file(m.DeleteFileRequest(drive_id=drive_id, file_id=created.file_id))
    with pytest.raises(Exception) as gone:
        client.get_file(m.GetFileRequest(drive_id=drive_id, file_id=created.file_id))
    assert gone.value.code == "NotFound.File"
    # The copy and the instant upload share the blob: they still download.
    assert (
        requests.get(
            client.get_download_url(m.GetDownloadUrlRequest(drive_id=drive_id, file_id=copied.file_id)).body.url
        ).content
        == data
    )
