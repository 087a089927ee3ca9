"""The official SDK `alibabacloud-pds20220301`, unmodified, lists a drive's people with their
covers, names one, takes a photo out of her, pages through two people and merges them (our
merge_facegroups over plain HTTP); someone without a role on the drive sees none of it."""

from __future__ import annotations

import io

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from PIL import Image
from Tea.exceptions import TeaException

from pds_server.models import Drive, FaceGroup, PersonFace
from pds_server.services.analysis import face_groups
from tests.pds_server.test_faces import analysed, variants

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def sdk_for(live_server, api) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=api.token))


def people(client: Client, drive_id: str, **options) -> m.ListFacegroupsResponseBody:
    return client.list_facegroups(m.ListFacegroupsRequest(drive_id=drive_id, **options)).body


def error_of(call) -> tuple[int, str]:
    with pytest.raises(TeaException) as raised:
        call()
    return raised.value.data["statusCode"], raised.value.code


def test_the_sdk_lists_names_and_edits_people(live_server, alice, bob):
    client, drive_id = sdk_for(live_server, alice), alice.drive_id
    files = {name: analysed(alice, name, image) for name, image in variants().items()}

    listed = people(client, drive_id, return_total_count=True)
    assert listed.total_count == 1 and listed.next_marker == ""
    (her,) = listed.items
    assert her.image_count == 3 and her.group_name == "" and her.created_at.endswith("Z")
    assert her.group_cover_file_id in {item.file_id for item in files.values()}
    assert (her.group_cover_width, her.group_cover_height) in {(512, 512), (307, 307)}
    box = her.group_cover_face_boundary
    assert 0.30 * her.group_cover_width < box.left < 0.40 * her.group_cover_width, box.to_map()
    assert 0.12 * her.group_cover_height < box.top < 0.22 * her.group_cover_height, box.to_map()
    assert 0 < box.width < her.group_cover_width / 3 and 0 < box.height < her.group_cover_height / 3
    cover = requests.get(her.group_cover_url, timeout=30)
    assert cover.status_code == 200, cover.text
    assert Image.open(io.BytesIO(cover.content)).size[0] > 0

    client.update_facegroup(
        m.UpdateFacegroupRequest(drive_id=drive_id, group_id=her.group_id, group_name="Eileen", remarks="astronaut")
    )
    (named,) = people(client, drive_id, remarks="astronaut").items
    assert (named.group_name, named.remarks) == ("Eileen", "astronaut")
    assert people(client, drive_id, remarks="pilot").items == []
    too_long = m.UpdateFacegroupRequest(drive_id=drive_id, group_id=her.group_id, group_name="x" * 129)
    assert error_of(lambda: client.update_facegroup(too_long)) == (400, "InvalidParameter.group_name")
    unknown = m.UpdateFacegroupRequest(drive_id=drive_id, group_id="nobody", group_name="x")
    assert error_of(lambda: client.update_facegroup(unknown)) == (404, "NotFound.FaceGroup")

    answer = client.remove_face_group_file(
        m.RemoveFaceGroupFileRequest(
            drive_id=drive_id, face_group_id=her.group_id, file_id=files["mirrored.jpg"].file_id
        )
    )
    assert answer.status_code == 200
    assert people(client, drive_id).items[0].image_count == 2

    # Split her in two (as if a photo had been taken for someone else), page, then merge.
    drive = Drive.objects.get(pk=int(drive_id))
    other = FaceGroup.objects.create(drive=drive, group_id=face_groups.new_group_id())
    PersonFace.objects.filter(drive=drive, face__analysis__media=files["smaller.jpg"].media).update(group=other)
    face_groups.groups_refresh(drive=drive)
    first = people(client, drive_id, limit=1)
    assert len(first.items) == 1 and first.next_marker
    second = people(client, drive_id, limit=1, marker=first.next_marker)
    assert {first.items[0].group_id, second.items[0].group_id} == {her.group_id, other.group_id}
    assert second.next_marker == ""
    merged = alice.ok("image/merge_facegroups", {"group_id": her.group_id, "from_group_ids": [other.group_id]})
    assert merged == {"drive_id": drive_id, "group_id": her.group_id}
    (one,) = people(client, drive_id).items
    assert (one.group_id, one.group_name, one.image_count) == (her.group_id, "Eileen", 2)
    refused = alice.call(
        "image/merge_facegroups", {"drive_id": drive_id, "group_id": her.group_id, "from_group_ids": "x"}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "InvalidParameter.FromGroupIds"

    # Bob has no role on Alice's drive: her people do not exist for him.
    intruder = sdk_for(live_server, bob)
    assert error_of(lambda: people(intruder, drive_id)) == (404, "NotFound.Drive")
    renamed = m.UpdateFacegroupRequest(drive_id=drive_id, group_id=her.group_id, group_name="Mine")
    assert error_of(lambda: intruder.update_facegroup(renamed)) == (404, "NotFound.Drive")
    assert (
        bob.call(
            "image/merge_facegroups", {"drive_id": drive_id, "group_id": her.group_id, "from_group_ids": [her.group_id]}
        ).status_code
        == 404
    )
    assert FaceGroup.objects.get(pk=one_pk(drive)).name == "Eileen"


def one_pk(drive: Drive) -> int:
    return FaceGroup.objects.get(drive=drive).pk
