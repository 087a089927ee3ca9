"""Sharing with people (`file/add_permission` and friends) and the one access helper that
checks roles on every file operation: the official SDK, unmodified, for the flow, and one
test per rule over plain HTTP."""

from __future__ import annotations

import base64

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from pds_server.models import FilePermission, Group, GroupMember

VIEWER, EDITOR = "SystemFileViewer", "SystemFileEditor"


def sdk_for(live_server, api) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=api.token))


def member(user_id: str, role: str = VIEWER, kind: str = "IT_User") -> dict:
    return {"identity": {"identity_type": kind, "identity_id": user_id}, "role_id": role}


@pytest.fixture
def tree(alice):
    """Alice's drive: Team/ (shared) with a.txt and Sub/, and Private/ beside it."""
    team = alice.folder("Team")
    sub = alice.folder("Sub", team)
    private = alice.folder("Private")
    a = alice.upload("a.txt", b"hello team", team)["file_id"]
    secret = alice.upload("secret.txt", b"not for bob", private)["file_id"]
    return {"team": team, "sub": sub, "private": private, "a": a, "secret": secret}


def as_bob(bob, alice, path: str, body: dict) -> requests.Response:
    """Bob calling into Alice's drive."""
    return bob.call(path, {"drive_id": alice.drive_id, **body})


def test_the_official_sdk_shares_a_folder_with_a_viewer_then_an_editor_then_takes_it_back(
    live_server, alice, bob, tree
):
    owner, guest = sdk_for(live_server, alice), sdk_for(live_server, bob)
    drive = alice.drive_id
    owner.file_add_permission(
        m.FileAddPermissionRequest(
            drive_id=drive,
            file_id=tree["team"],
            member_list=[
                m.FilePermissionMember(identity=m.Identity(identity_type="IT_User", identity_id="bob"), role_id=VIEWER)
            ],
        )
    )
    listed = owner.file_list_permission(m.FileListPermissionRequest(drive_id=drive, file_id=tree["team"])).body
    assert [(row.identity.identity_id, row.role_id) for row in listed] == [("bob", VIEWER)]

    # The viewer lists and downloads inside the folder...
    items = guest.list_file(m.ListFileRequest(drive_id=drive, parent_file_id=tree["team"])).body.items
    assert sorted(item.name for item in items) == ["Sub", "a.txt"]
    url = guest.get_download_url(m.GetDownloadUrlRequest(drive_id=drive, file_id=tree["a"])).body.url
    assert requests.get(url, timeout=30).content == b"hello team"
    received = guest.list_received_file(m.ListReceivedFileRequest()).body.items
    assert [item.file_id for item in received] == [tree["team"]]
    # ...cannot delete (403) and cannot reach the parent (404).
    with pytest.raises(Exception) as caught:
        guest.delete_file(m.DeleteFileRequest(drive_id=drive, file_id=tree["a"]))
    assert getattr(caught.value, "statusCode", None) == 403
    with pytest.raises(Exception) as caught:
        guest.list_file(m.ListFileRequest(drive_id=drive, parent_file_id="root"))
    assert getattr(caught.value, "statusCode", None) == 404

    # An editor may upload into it.
    owner.file_add_permission(
        m.FileAddPermissionRequest(
            drive_id=drive,
            file_id=tree["team"],
            member_list=[
                m.FilePermissionMember(identity=m.Identity(identity_type="IT_User", identity_id="bob"), role_id=EDITOR)
            ],
        )
    )
    bob.drive_id = drive  # Bob's calls now name Alice's drive
    uploaded = bob.upload("from-bob.txt", b"bob was here", tree["team"])
    assert uploaded["parent_file_id"] == tree["team"]

    owner.file_remove_permission(
        m.FileRemovePermissionRequest(
            drive_id=drive,
            file_id=tree["team"],
            member_list=[
                m.FileRemovePermissionRequestMemberList(
                    identity=m.Identity(identity_type="IT_User", identity_id="bob"), role_id=EDITOR
                )
            ],
        )
    )
    with pytest.raises(Exception) as caught:  # the next call already knows
        guest.list_file(m.ListFileRequest(drive_id=drive, parent_file_id=tree["team"]))
    assert getattr(caught.value, "statusCode", None) == 404
    assert guest.list_received_file(m.ListReceivedFileRequest()).body.items == []


def share(alice, file_id: str, *members: dict) -> None:
    alice.ok("file/add_permission", {"file_id": file_id, "member_list": list(members)}, 204)


def test_a_role_on_a_folder_does_not_escape_to_its_parent_or_siblings(alice, bob, tree):
    share(alice, tree["sub"], member("bob", EDITOR))
    for path, body in [
        ("file/list", {"parent_file_id": tree["team"]}),
        ("file/get", {"file_id": tree["team"]}),
        ("file/get", {"file_id": tree["a"]}),
        ("file/get", {"file_id": tree["secret"]}),
        ("file/list", {"parent_file_id": tree["private"]}),
        ("file/get_download_url", {"file_id": tree["secret"]}),
        ("file/update", {"file_id": tree["a"], "name": "mine.txt"}),
        ("recyclebin/trash", {"file_id": tree["secret"]}),
        ("recyclebin/list", {}),
        ("file/list_permission", {"file_id": tree["team"]}),
    ]:
        reply = as_bob(bob, alice, path, body)
        assert reply.status_code == 404, (path, reply.status_code, reply.text)
        assert reply.json()["code"].startswith("NotFound")
    # Moving the shared folder's content out of it, or a file of it in, needs a role on the target.
    inside = as_bob(bob, alice, "file/create", {"parent_file_id": tree["sub"], "name": "n", "type": "folder"})
    assert inside.status_code == 201
    out = as_bob(bob, alice, "file/move", {"file_id": inside.json()["file_id"], "to_parent_file_id": tree["team"]})
    assert out.status_code == 404
    copy_out = as_bob(bob, alice, "file/copy", {"file_id": inside.json()["file_id"], "to_parent_file_id": "root"})
    assert copy_out.status_code == 404
    # Search only finds what the role reaches.
    found = as_bob(bob, alice, "file/search", {"query": "name match 'txt'"}).json()["items"]
    assert found == []
    found = as_bob(bob, alice, "file/search", {"query": "name = 'n'"}).json()["items"]
    assert [item["file_id"] for item in found] == [inside.json()["file_id"]]


def test_a_viewer_cannot_upload_rename_trash_or_share(alice, bob, tree):
    share(alice, tree["team"], member("bob", VIEWER))
    for path, body in [
        ("file/create", {"parent_file_id": tree["team"], "name": "x.txt", "type": "file", "size": 1}),
        ("file/create", {"parent_file_id": tree["sub"], "name": "d", "type": "folder"}),
        ("file/update", {"file_id": tree["a"], "name": "renamed.txt"}),
        ("recyclebin/trash", {"file_id": tree["a"]}),
        ("file/delete", {"file_id": tree["a"]}),
        ("file/move", {"file_id": tree["a"], "to_parent_file_id": tree["sub"]}),
        ("share_link/create", {"file_id_list": [tree["a"]]}),
        ("file/add_permission", {"file_id": tree["a"], "member_list": [member("carol")]}),
    ]:
        reply = as_bob(bob, alice, path, body)
        assert reply.status_code == 403, (path, reply.status_code, reply.text)
        assert reply.json()["code"] == "ForbiddenNoPermission.File"
    assert alice.ok("file/get", {"file_id": tree["a"]})["name"] == "a.txt"
    # file/get's action_list says what the caller may do, so clients offer only that.
    viewer_actions = as_bob(bob, alice, "file/get", {"file_id": tree["a"]}).json()["action_list"]
    assert "FILE.DOWNLOAD" in viewer_actions and "FILE.PREVIEW" in viewer_actions
    assert not {"FILE.DELETE", "FILE.UPDATE", "FILE.CREATE", "FILE.PERMISSION"} & set(viewer_actions)
    assert "FILE.PERMISSION" in alice.ok("file/get", {"file_id": tree["a"]})["action_list"]


def test_a_group_role_reaches_members_of_subgroups_until_they_are_removed(alice, bob, tree, domain):
    outer = Group.objects.create(domain=domain, group_id="g-outer", group_name="Outer")
    inner = Group.objects.create(domain=domain, group_id="g-inner", group_name="Inner", parent=outer)
    membership = GroupMember.objects.create(group=inner, user_id=bob_user_pk(domain, "bob"))
    share(alice, tree["team"], member("g-outer", VIEWER, "IT_Group"))
    assert as_bob(bob, alice, "file/list", {"parent_file_id": tree["team"]}).status_code == 200
    received = bob.call("file/list_received_file", {}).json()
    assert [item["file_id"] for item in received["items"]] == [tree["team"]]
    assert received["items"][0]["shared_by"]["user_id"] == "alice"

    # disinherit_sub_group keeps a group's role from its subgroups' members.
    FilePermission.objects.filter(identity_id="g-outer").update(disinherit_sub_group=True)
    assert as_bob(bob, alice, "file/list", {"parent_file_id": tree["team"]}).status_code == 404
    FilePermission.objects.filter(identity_id="g-outer").update(disinherit_sub_group=False)

    membership.delete()  # a removed member: NotFound on the next call
    assert as_bob(bob, alice, "file/list", {"parent_file_id": tree["team"]}).status_code == 404


def bob_user_pk(domain, user_id: str) -> int:
    return domain.users.get(user_id=user_id).pk


def test_add_permission_refuses_bad_members_and_identities_of_nowhere(alice, bob, tree, make_user):
    for members, code in [
        ([], "InvalidParameter.MemberList"),
        ([{"role_id": VIEWER}], "InvalidParameter.Identity"),
        ([member("bob", "SystemFileGod")], "InvalidParameter.RoleId"),
        ([member("alice")], "InvalidParameter.Identity"),  # the owner already has every right
    ]:
        reply = alice.call(
            "file/add_permission", {"drive_id": alice.drive_id, "file_id": tree["a"], "member_list": members}
        )
        assert reply.status_code == 400 and reply.json()["code"] == code, reply.text
    reply = alice.call(
        "file/add_permission", {"drive_id": alice.drive_id, "file_id": tree["a"], "member_list": [member("nobody")]}
    )
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.User"
    reply = alice.call(
        "file/add_permission",
        {"drive_id": alice.drive_id, "file_id": tree["a"], "member_list": [member("g-elsewhere", VIEWER, "IT_Group")]},
    )
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Group"


def test_a_group_id_of_another_domain_gives_no_role(alice, bob, tree):
    from tests.factories import DomainFactory

    other = DomainFactory(domain_id="other", name="Other")
    Group.objects.create(domain=other, group_id="g-far", group_name="Far")
    reply = alice.call(
        "file/add_permission",
        {"drive_id": alice.drive_id, "file_id": tree["a"], "member_list": [member("g-far", VIEWER, "IT_Group")]},
    )
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Group"


def test_an_expired_role_is_no_role(alice, bob, tree):
    past = {**member("bob"), "expire_time": 1_000_000}
    share(alice, tree["team"], past)
    assert as_bob(bob, alice, "file/list", {"parent_file_id": tree["team"]}).status_code == 404


def test_list_permission_shows_roles_given_on_folders_above(alice, bob, tree, make_user):
    make_user("carol")
    share(alice, tree["team"], member("bob"))
    share(alice, tree["sub"], member("carol", EDITOR))
    rows = alice.call("file/list_permission", {"drive_id": alice.drive_id, "file_id": tree["sub"]}).json()
    assert [(row["identity"]["identity_id"], row["role_id"], row.get("inherited_from")) for row in rows] == [
        ("carol", EDITOR, None),
        ("bob", VIEWER, tree["team"]),
    ]
    # Bob (a viewer of Team) may read the list; only the owner may change it.
    assert as_bob(bob, alice, "file/list_permission", {"file_id": tree["sub"]}).status_code == 200


# --- what a role does not allow stays out of reach by every other road ---------------------


def test_a_role_without_download_gets_no_urls_by_asking_for_fields(alice, bob, tree):
    share(alice, tree["team"], member("bob", "SystemFileMetaViewer"))
    assert as_bob(bob, alice, "file/get_download_url", {"file_id": tree["a"]}).status_code == 403
    answers = [
        as_bob(bob, alice, "file/get", {"file_id": tree["a"], "fields": "*"}).json(),
        *as_bob(bob, alice, "file/list", {"parent_file_id": tree["team"], "fields": "*"}).json()["items"],
        *as_bob(bob, alice, "file/revision/list", {"file_id": tree["a"], "fields": "*"}).json()["items"],
    ]
    assert answers and not any(answer.get("url") or answer.get("download_url") for answer in answers)


def test_search_markers_do_not_carry_names_the_role_does_not_reach(alice, bob, tree):
    share(alice, tree["team"], member("bob"))
    marker, markers = "", []
    for _ in range(6):
        reply = as_bob(
            bob, alice, "file/search", {"query": "type = 'file'", "order_by": "name ASC", "limit": 1, "marker": marker}
        )
        assert reply.status_code == 200
        assert {item["file_id"] for item in reply.json()["items"]} <= {tree["a"]}
        marker = reply.json()["next_marker"]
        if not marker:
            break
        markers.append(marker)
    assert markers  # secret.txt sorts after a.txt: there was a page after Bob's file
    for marker in markers:
        raw = base64.urlsafe_b64decode(marker + "=" * (-len(marker) % 4))
        assert b"secret" not in raw and b"a.txt" not in raw
    reply = as_bob(bob, alice, "file/search", {"query": "type = 'file'", "marker": "W1wic2VjcmV0LnR4dFwiXQ"})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Marker"


def test_an_editor_without_delete_cannot_delete_history_and_no_editor_deletes_for_good(alice, bob, tree):
    alice.upload("a.txt", b"hello again", tree["team"], check_name_mode="overwrite")
    old = [r for r in alice.ok("file/revision/list", {"file_id": tree["a"]})["items"] if not r["is_latest_version"]]
    share(alice, tree["team"], member("bob", "SystemFileEditorWithoutDelete"))
    reply = as_bob(bob, alice, "file/revision/delete", {"file_id": tree["a"], "revision_id": old[0]["revision_id"]})
    assert reply.status_code == 403
    share(alice, tree["team"], member("bob", EDITOR))
    assert as_bob(bob, alice, "file/delete", {"file_id": tree["a"]}).status_code == 403
    assert as_bob(bob, alice, "recyclebin/trash", {"file_id": tree["a"]}).status_code == 204
    assert as_bob(bob, alice, "file/delete", {"file_id": tree["a"]}).status_code in (403, 404)
    assert alice.ok("file/get", {"file_id": tree["a"]})["trashed"] is True  # Alice decides


def test_an_uploader_cannot_overwrite_a_file_by_its_name(alice, bob, tree):
    share(alice, tree["team"], member("bob", "SystemFileUploader"))
    reply = as_bob(
        bob,
        alice,
        "file/create",
        {"parent_file_id": tree["team"], "name": "a.txt", "type": "file", "size": 3, "check_name_mode": "overwrite"},
    )
    assert reply.status_code == 403, reply.text
    url = alice.ok("file/get_download_url", {"file_id": tree["a"]})["url"]
    assert requests.get(url, timeout=30).content == b"hello team"
    # A new name is what an uploader may add.
    bob.drive_id = alice.drive_id
    assert bob.upload("b.txt", b"new", tree["team"])["name"] == "b.txt"


def test_a_share_link_dies_with_its_creators_role(alice, bob, tree):
    share(alice, tree["team"], member("bob", "SystemFileDownloaderWithShareLink"))
    created = as_bob(bob, alice, "share_link/create", {"file_id_list": [tree["a"]]})
    assert created.status_code == 201
    share_id = created.json()["share_id"]
    token = requests.post(f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share_id}, timeout=30)
    assert token.status_code == 200
    everyone_bob = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}}  # whatever the role
    alice.ok("file/remove_permission", {"file_id": tree["team"], "member_list": [everyone_bob]}, 204)
    token = requests.post(f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share_id}, timeout=30)
    assert token.status_code == 404
    update = bob.call("share_link/update", {"share_id": share_id, "expiration": "2099-01-01T00:00:00Z"})
    assert update.status_code == 404
    assert bob.call("share_link/cancel", {"share_id": share_id}).status_code == 204  # still theirs to end


def test_trashing_a_shared_folder_takes_it_from_those_it_was_shared_with(alice, bob, tree):
    share(alice, tree["team"], member("bob"))
    alice.ok("recyclebin/trash", {"file_id": tree["team"]}, 204)
    for path, body in [
        ("file/get_download_url", {"file_id": tree["a"]}),
        ("file/get", {"file_id": tree["team"]}),
        ("file/list", {"parent_file_id": tree["team"]}),
    ]:
        assert as_bob(bob, alice, path, body).status_code == 404, path
    assert bob.call("file/list_received_file", {}).json()["items"] == []
    alice.ok("recyclebin/restore", {"file_id": tree["team"]}, 204)
    assert as_bob(bob, alice, "file/get", {"file_id": tree["a"]}).status_code == 200


def test_odd_bodies_get_a_pds_error_not_a_crash(alice, tree):
    for body, code in [
        ({"member_list": [{**member("bob"), "role_id": ["SystemFileViewer"]}]}, "InvalidParameter.RoleId"),
        ({"member_list": [member("bo\x00b")]}, "InvalidParameter.member_list"),
    ]:
        reply = alice.call("file/add_permission", {"drive_id": alice.drive_id, "file_id": tree["a"], **body})
        assert reply.status_code == 400 and reply.json()["code"] == code, reply.text
