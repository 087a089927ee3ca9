"""The official SDK `alibabacloud-pds20220301`, unmodified, drives file revisions on the
live embedded PDS: overwrite, list, get with a download URL, restore, keep_forever, delete,
the drive's used size, and the errors of the rules (another user's file, more than 50
kept forever, deleting the latest)."""

from __future__ import annotations

import os

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from pds_server.models import File, Revision
from pds_server.services.revisions import MAX_KEEP_FOREVER
from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon


def sdk_client(live_server, user, app) -> tuple[Client, str]:
    user = user_logon(user=user)
    token = tokens_issue(
        app=app, user=user, scopes=["FILE.ALL", "DRIVE.ALL"], grant_type="test", with_refresh_token=False
    ).access_token_value
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token)), user.default_drive_id


@pytest.fixture
def sdk(live_server, make_user, jwt_app):
    return sdk_client(live_server, make_user("alice"), jwt_app)


def upload(client: Client, drive_id: str, name: str, data: bytes, mode: str) -> m.CompleteFileResponseBody:
    created = client.create_file(
        m.CreateFileRequest(
            drive_id=drive_id,
            parent_file_id="root",
            name=name,
            type="file",
            size=len(data),
            check_name_mode=mode,
            part_info_list=[m.CreateFileRequestPartInfoList(part_number=1)],
        )
    ).body
    reply = requests.put(created.part_info_list[0].upload_url, data=data, headers={"Content-Type": ""})
    assert reply.status_code == 200
    return client.complete_file(
        m.CompleteFileRequest(drive_id=drive_id, file_id=created.file_id, upload_id=created.upload_id)
    ).body


def used_size(client: Client, drive_id: str) -> int:
    return client.get_drive(m.GetDriveRequest(drive_id=drive_id)).body.used_size


def listed(client: Client, drive_id: str, file_id: str) -> list[m.Revision]:
    return client.list_revision(m.ListRevisionRequest(drive_id=drive_id, file_id=file_id)).body.items


def test_sdk_overwrite_restore_keep_forever_and_delete(sdk):
    client, drive_id = sdk
    first_data, second_data = os.urandom(4000), os.urandom(6000)
    first = upload(client, drive_id, "report.bin", first_data, "refuse")
    second = upload(client, drive_id, "report.bin", second_data, "overwrite")
    file_id = first.file_id
    assert second.file_id == file_id and second.revision_id != first.revision_id
    assert used_size(client, drive_id) == 10000, "both revisions count"

    items = listed(client, drive_id, file_id)
    assert [(item.revision_version, item.is_latest_version) for item in items] == [(2, True), (1, False)]
    assert [item.revision_id for item in items] == [second.revision_id, first.revision_id]
    assert items[1].size == 4000 and items[1].content_hash == first.content_hash
    assert items[0].creator_id == "alice" and items[0].creator_name
    page = client.list_revision(m.ListRevisionRequest(drive_id=drive_id, file_id=file_id, limit=1)).body
    assert len(page.items) == 1 and page.next_marker

    old = client.get_revision(
        m.GetRevisionRequest(drive_id=drive_id, file_id=file_id, revision_id=first.revision_id, url_expire_sec=600)
    ).body
    assert old.revision_version == 1 and requests.get(old.download_url).content == first_data

    restored = client.restore_revision(
        m.RestoreRevisionRequest(drive_id=drive_id, file_id=file_id, revision_id=first.revision_id)
    ).body
    assert restored.revision_version == 3 and restored.is_latest_version
    assert requests.get(restored.download_url).content == first_data
    url = client.get_download_url(m.GetDownloadUrlRequest(drive_id=drive_id, file_id=file_id)).body.url
    assert requests.get(url).content == first_data, "the file's content equals the first upload"
    assert client.get_file(m.GetFileRequest(drive_id=drive_id, file_id=file_id)).body.revision_id == (
        restored.revision_id
    )
    assert used_size(client, drive_id) == 14000

    kept = client.update_revision(
        m.UpdateRevisionRequest(
            drive_id=drive_id,
            file_id=file_id,
            revision_id=first.revision_id,
            keep_forever=True,
            revision_description="as signed",
        )
    ).body
    assert kept.keep_forever is True and kept.revision_description == "as signed"

    deleted = client.delete_revision(
        m.DeleteRevisionRequest(drive_id=drive_id, file_id=file_id, revision_id=second.revision_id)
    )
    assert deleted.status_code == 204
    assert [item.revision_version for item in listed(client, drive_id, file_id)] == [3, 1]
    assert used_size(client, drive_id) == 8000, "the deleted revision's size is released"

    with pytest.raises(Exception) as latest:
        client.delete_revision(
            m.DeleteRevisionRequest(drive_id=drive_id, file_id=file_id, revision_id=restored.revision_id)
        )
    assert latest.value.code == "InvalidParameter.LatestRevision"
    assert len(listed(client, drive_id, file_id)) == 2


def test_sdk_revisions_of_another_users_file_are_not_found(sdk, live_server, make_user, jwt_app):
    client, drive_id = sdk
    first = upload(client, drive_id, "mine.txt", b"alice's", "refuse")
    upload(client, drive_id, "mine.txt", b"alice's too", "overwrite")
    bob, bob_drive = sdk_client(live_server, make_user("bob"), jwt_app)
    attempts = [
        lambda drive: bob.list_revision(m.ListRevisionRequest(drive_id=drive, file_id=first.file_id)),
        lambda drive: bob.get_revision(
            m.GetRevisionRequest(drive_id=drive, file_id=first.file_id, revision_id=first.revision_id)
        ),
        lambda drive: bob.restore_revision(
            m.RestoreRevisionRequest(drive_id=drive, file_id=first.file_id, revision_id=first.revision_id)
        ),
        lambda drive: bob.update_revision(
            m.UpdateRevisionRequest(
                drive_id=drive, file_id=first.file_id, revision_id=first.revision_id, keep_forever=True
            )
        ),
        lambda drive: bob.delete_revision(
            m.DeleteRevisionRequest(drive_id=drive, file_id=first.file_id, revision_id=first.revision_id)
        ),
    ]
    for attempt in attempts:
        for drive in (drive_id, bob_drive):
            with pytest.raises(Exception) as refused:
                attempt(drive)
            assert refused.value.code.startswith("NotFound"), refused.value.code
    assert Revision.objects.filter(file__file_id=first.file_id).count() == 2
    assert not Revision.objects.filter(keep_forever=True).exists()


def test_sdk_more_than_50_kept_forever_is_refused(sdk):
    client, drive_id = sdk
    first = upload(client, drive_id, "kept.txt", b"0", "refuse")
    for n in range(1, MAX_KEEP_FOREVER + 1):
        upload(client, drive_id, "kept.txt", str(n).encode(), "overwrite")
    ids = list(
        Revision.objects.filter(file__file_id=first.file_id).order_by("version").values_list("revision_id", flat=True)
    )
    assert len(ids) == MAX_KEEP_FOREVER + 1
    for revision_id in ids[:MAX_KEEP_FOREVER]:
        client.update_revision(
            m.UpdateRevisionRequest(
                drive_id=drive_id, file_id=first.file_id, revision_id=revision_id, keep_forever=True
            )
        )
    with pytest.raises(Exception) as refused:
        client.update_revision(
            m.UpdateRevisionRequest(drive_id=drive_id, file_id=first.file_id, revision_id=ids[-1], keep_forever=True)
        )
    assert refused.value.code == "InvalidParameter.KeepForeverLimitExceeded"
    assert "50" in refused.value.message
    assert Revision.objects.filter(file__file_id=first.file_id, keep_forever=True).count() == MAX_KEEP_FOREVER
    assert File.objects.get(file_id=first.file_id).revision_id == ids[-1]
