"""The official SDK `alibabacloud-pds20220301`, unmodified, drives groups and team drives on
the live embedded PDS: a group with a nested group, a member of the inner group working in
the outer group's team drive, and losing it the moment they leave."""

from __future__ import annotations

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon

SCOPES = ["FILE.ALL", "DRIVE.ALL", "SHARE.ALL", "USER.ALL", "GROUP.ALL"]


@pytest.fixture
def sdk_for(live_server, make_user, jwt_app):
    port = live_server.url.rsplit(":", 1)[1]

    def make(user_id: str, role: str = "user", **fields) -> Client:
        user = user_logon(user=make_user(user_id, role=role, **fields))
        token = tokens_issue(
            app=jwt_app, user=user, scopes=SCOPES, grant_type="test", with_refresh_token=False
        ).access_token_value
        return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token))

    return make


def sdk_error(call) -> tuple[int, str]:
    with pytest.raises(Exception) as caught:
        call()
    # The gateway raises a TeaException: the HTTP status is in its data.
    return (getattr(caught.value, "data", None) or {}).get("statusCode"), getattr(caught.value, "code", None)


def test_a_member_of_a_nested_group_works_in_the_team_drive_until_removed(sdk_for):
    admin, bob, carol = sdk_for("root", role="admin"), sdk_for("bob"), sdk_for("carol")

    outer = admin.create_group(m.CreateGroupRequest(group_name="Engineering", description="all of it")).body
    inner = admin.create_group(m.CreateGroupRequest(group_name="Backend")).body
    assert outer.group_id and outer.domain_id == "demo" and isinstance(outer.created_at, int)
    admin.add_group_member(
        m.AddGroupMemberRequest(group_id=outer.group_id, member_type="group", member_id=inner.group_id)
    )
    admin.add_group_member(m.AddGroupMemberRequest(group_id=inner.group_id, member_type="user", member_id="bob"))
    members = admin.list_group_member(m.ListGroupMemberRequest(group_id=outer.group_id)).body
    assert [group.group_id for group in members.group_items] == [inner.group_id] and members.user_items == []
    members = bob.list_group_member(m.ListGroupMemberRequest(group_id=inner.group_id, member_type="user")).body
    assert [user.user_id for user in members.user_items] == ["bob"] and members.next_marker == ""

    drive = admin.create_drive(
        m.CreateDriveRequest(drive_name="Team space", owner=outer.group_id, owner_type="group")
    ).body
    assert drive.drive_id

    # Bob, two levels down, lists, reads and works in the team drive.
    mine = bob.list_my_group_drive(m.ListMyGroupDriveRequest()).body
    assert [item.drive_id for item in mine.items] == [drive.drive_id] and mine.root_group_drive is None
    got = bob.get_drive(m.GetDriveRequest(drive_id=drive.drive_id)).body
    assert got.owner == outer.group_id and got.owner_type == "group" and got.drive_name == "Team space"
    found = bob.search_drive(m.SearchDriveRequest(drive_name="team")).body
    assert [item.drive_id for item in found.items] == [drive.drive_id]
    folder = bob.create_file(
        m.CreateFileRequest(drive_id=drive.drive_id, parent_file_id="root", name="Plans", type="folder")
    ).body
    data = b"quarterly plan\n" * 100
    created = bob.create_file(
        m.CreateFileRequest(
            drive_id=drive.drive_id,
            parent_file_id=folder.file_id,
            name="q3.txt",
            type="file",
            size=len(data),
            part_info_list=[m.CreateFileRequestPartInfoList(part_number=1)],
        )
    ).body
    assert requests.put(created.part_info_list[0].upload_url, data=data, headers={"Content-Type": ""}).ok
    done = bob.complete_file(
        m.CompleteFileRequest(drive_id=drive.drive_id, file_id=created.file_id, upload_id=created.upload_id)
    ).body
    assert done.size == len(data) and done.status == "available"
    listed = bob.list_file(m.ListFileRequest(drive_id=drive.drive_id, parent_file_id=folder.file_id)).body
    assert [item.name for item in listed.items] == ["q3.txt"]

    # Carol, in no group, sees exactly what she sees of a drive that does not exist.
    missing = sdk_error(lambda: carol.get_drive(m.GetDriveRequest(drive_id="999999")))
    assert missing == (404, "NotFound.Drive")
    assert sdk_error(lambda: carol.get_drive(m.GetDriveRequest(drive_id=drive.drive_id))) == missing
    listing = sdk_error(lambda: carol.list_file(m.ListFileRequest(drive_id=drive.drive_id, parent_file_id="root")))
    assert listing == sdk_error(lambda: carol.list_file(m.ListFileRequest(drive_id="999999", parent_file_id="root")))
    assert listing[0] == 404
    assert carol.list_my_group_drive(m.ListMyGroupDriveRequest()).body.items == []
    assert carol.search_drive(m.SearchDriveRequest(drive_name="team")).body.items == []

    # Bob leaves the inner group: the next call no longer reaches the drive.
    admin.remove_group_member(m.RemoveGroupMemberRequest(group_id=inner.group_id, member_type="user", member_id="bob"))
    assert sdk_error(lambda: bob.get_drive(m.GetDriveRequest(drive_id=drive.drive_id))) == missing
    gone = sdk_error(lambda: bob.list_file(m.ListFileRequest(drive_id=drive.drive_id, parent_file_id=folder.file_id)))
    assert gone == listing
    assert bob.list_my_group_drive(m.ListMyGroupDriveRequest()).body.items == []


def test_sdk_manages_groups_and_searches_users(sdk_for):
    admin, bob = sdk_for("root", role="admin"), sdk_for("bob", email="bob@example.com", phone="555-0100")
    sdk_for("robert", nick_name="Bobby Tables", email="robert@example.com")
    group = admin.create_group(m.CreateGroupRequest(group_name="Sales")).body
    updated = admin.update_group(
        m.UpdateGroupRequest(group_id=group.group_id, group_name="Sales EMEA", description="Europe")
    ).body
    assert updated.group_name == "Sales EMEA" and updated.description == "Europe"
    admin.group_update_name(m.GroupUpdateNameRequest(group_id=group.group_id, name="Sales Europe"))
    read = bob.get_group(m.GetGroupRequest(group_id=group.group_id)).body
    assert read.group_name == "Sales Europe" and read.creator == "root"
    listed = bob.list_group(m.ListGroupRequest(limit=10)).body
    assert [item.group_id for item in listed.items] == [group.group_id] and listed.next_marker == ""

    # A user finds people by name for the share dialog, without their contact data.
    found = bob.search_user(m.SearchUserRequest(nick_name_for_fuzzy="bob")).body
    assert sorted(user.user_id for user in found.items) == ["bob", "robert"]
    assert all(user.email is None and user.phone is None and user.role is None for user in found.items)
    assert [u.user_id for u in bob.search_user(m.SearchUserRequest(email="robert@example.com")).body.items] == [
        "robert"
    ]
    full = admin.search_user(m.SearchUserRequest(phone="555-0100")).body.items
    assert [(user.user_id, user.email, user.phone) for user in full] == [("bob", "bob@example.com", "555-0100")]

    assert sdk_error(lambda: bob.create_group(m.CreateGroupRequest(group_name="Mine"))) == (
        403,
        "ForbiddenNoPermission",
    )
    admin.delete_group(m.DeleteGroupRequest(group_id=group.group_id))
    assert sdk_error(lambda: bob.get_group(m.GetGroupRequest(group_id=group.group_id))) == (404, "NotFound.Group")
