"""Albums (`/v2/image/*_story`) over plain HTTP: who may read and who may change a drive's
albums, which files may go in, the limits, and the audit rows of the changes."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pds_server.models import AuditLog, File, Story, StoryFile
from pds_server.services.stories import MAX_STORY_FILES
from tests.pds_server.api_client import make_api

VIEWER, EDITOR = "SystemFileViewer", "SystemFileEditor"


def member(user_id: str, role: str) -> dict:
    return {"identity": {"identity_type": "IT_User", "identity_id": user_id}, "role_id": role}


def album(api, name: str = "Trip", story_id: str = "") -> str:
    body = {"story_type": "custom", "story_name": name, **({"story_id": story_id} if story_id else {})}
    return api.ok("image/create_story", body)["story_id"]


def add(api, story_id: str, *file_ids: str, drive_id: str | None = None) -> list[dict]:
    files = [{"file_id": file_id, **({"drive_id": drive_id} if drive_id else {})} for file_id in file_ids]
    return api.ok("image/add_story_files", {"story_id": story_id, "files": files})["files"]


def shown(api, story_id: str) -> list[str]:
    return [item["file_id"] for item in api.ok("image/get_story", {"story_id": story_id})["story_file_list"]]


def error_of(reply) -> tuple[int, str]:
    return reply.status_code, reply.json().get("code", "")


@pytest.fixture
def carol(pds_url, make_user, jwt_app):
    return make_api(pds_url, make_user("carol"), jwt_app)


def test_another_users_album_and_drive_are_not_found(alice, bob):
    story_id = album(bob, "Bob's")
    photo = bob.upload("b.jpg", b"bob's picture")["file_id"]
    add(bob, story_id, photo)
    for path in ("image/get_story", "image/update_story", "image/delete_story"):
        # Bob's drive named: no role in it at all, the drive is not found.
        assert error_of(alice.call(path, {"drive_id": bob.drive_id, "story_id": story_id})) == (404, "NotFound.Drive")
        # Alice's own drive with Bob's album: no such album there.
        assert error_of(alice.call(path, {"drive_id": alice.drive_id, "story_id": story_id})) == (404, "NotFound.Story")
    reply = alice.call("image/find_stories", {"drive_id": bob.drive_id, "with_empty_stories": True})
    assert error_of(reply) == (404, "NotFound.Drive")
    assert alice.ok("image/find_stories", {"with_empty_stories": True})["items"] == []
    assert Story.objects.get(story_id=story_id).entries.count() == 1


def test_readers_of_the_drive_see_albums_editors_change_them(alice, bob, carol):
    story_id = album(alice, "Family")
    photo, other = alice.upload("p.jpg", b"picture")["file_id"], alice.upload("q.jpg", b"another")["file_id"]
    add(alice, story_id, photo)
    alice.ok("file/add_permission", {"file_id": "root", "member_list": [member("bob", VIEWER)]}, 204)
    alice.ok("file/add_permission", {"file_id": "root", "member_list": [member("carol", EDITOR)]}, 204)

    as_bob = {"drive_id": alice.drive_id, "story_id": story_id}
    assert [f["file_id"] for f in bob.ok("image/get_story", as_bob)["story_file_list"]] == [photo]
    found = bob.ok("image/find_stories", {"drive_id": alice.drive_id})["items"]
    assert [item["story_id"] for item in found] == [story_id]
    for path, body in (
        ("image/add_story_files", {**as_bob, "files": [{"file_id": other}]}),
        ("image/remove_story_files", {**as_bob, "files": [{"file_id": photo}]}),
        ("image/update_story", {**as_bob, "story_name": "Mine now"}),
        ("image/delete_story", as_bob),
        ("image/create_story", {"drive_id": alice.drive_id, "story_type": "custom", "story_name": "X"}),
    ):
        assert error_of(bob.call(path, body))[0] == 403, path
    assert shown(alice, story_id) == [photo] and Story.objects.count() == 1

    # An editor of the whole drive makes and fills albums in it.
    made = carol.ok("image/create_story", {"drive_id": alice.drive_id, "story_type": "custom", "story_name": "Carol's"})
    files = carol.ok(
        "image/add_story_files",
        {"drive_id": alice.drive_id, "story_id": made["story_id"], "files": [{"file_id": other}]},
    )["files"]
    assert files == [{"file_id": other, "revision_id": File.objects.get(file_id=other).revision_id}]
    assert Story.objects.get(story_id=made["story_id"]).creator == "carol"


def test_a_role_on_one_folder_reaches_no_album_of_the_drive(alice, bob):
    story_id = album(alice)
    folder = alice.folder("Shared")
    alice.ok("file/add_permission", {"file_id": folder, "member_list": [member("bob", EDITOR)]}, 204)
    reply = bob.call("image/get_story", {"drive_id": alice.drive_id, "story_id": story_id})
    assert error_of(reply) == (404, "NotFound.Drive")
    reply = bob.call("image/create_story", {"drive_id": alice.drive_id, "story_type": "custom", "story_name": "B"})
    assert error_of(reply) == (404, "NotFound.Drive")


def test_only_readable_files_of_the_albums_drive_go_in(alice, bob):
    story_id = album(alice)
    photo = alice.upload("p.jpg", b"picture")["file_id"]
    folder = alice.folder("Folder")
    binned = alice.upload("old.jpg", b"old picture")["file_id"]
    alice.ok("recyclebin/trash", {"file_id": binned}, 204)
    bobs = bob.upload("bob.jpg", b"bob's")["file_id"]

    results = add(alice, story_id, photo, folder, binned, bobs, "nosuchfile")
    codes = {item["file_id"]: item.get("error_code") for item in results}
    assert codes == {
        photo: None,
        folder: "InvalidParameter.FileType",
        binned: "ForbiddenFileInTheRecycleBin",
        bobs: "NotFound.File",
        "nosuchfile": "NotFound.File",
    }
    assert all(item["error_message"] for item in results if item.get("error_code"))
    # Named with its own drive: refused as a file of another drive.
    (other,) = add(alice, story_id, bobs, drive_id=bob.drive_id)
    assert other["error_code"] == "InvalidParameter.DriveId"
    assert shown(alice, story_id) == [photo]
    assert add(alice, story_id, photo) == [
        {"file_id": photo, "revision_id": File.objects.get(file_id=photo).revision_id}
    ]
    assert StoryFile.objects.count() == 1, "adding twice is no change"
    # The cover is one of the album's files.
    reply = alice.call(
        "image/update_story", {"drive_id": alice.drive_id, "story_id": story_id, "cover": {"file_id": bobs}}
    )
    assert error_of(reply) == (400, "InvalidParameter.Cover")


def test_limits_of_names_calls_and_albums(alice):
    story_id = album(alice, "A" * 256)
    for body, code in (
        ({"story_type": "custom", "story_name": "A" * 257}, "InvalidParameter.StoryName"),
        ({"story_type": "custom", "story_name": ""}, "InvalidParameter.StoryName"),
        ({"story_name": "No type"}, "InvalidParameterMissing.story_type"),
        (
            {"story_type": "custom", "story_name": "x", "story_start_time": "yesterday"},
            "InvalidParameter.StoryStartTime",
        ),
        ({"story_type": "custom", "story_name": "x", "custom_labels": ["a"]}, "InvalidParameter.CustomLabels"),
        ({"story_type": "custom", "story_name": "x", "story_id": story_id}, "AlreadyExist.Story"),
        ({"story_type": "custom", "story_name": "x", "story_id": "../x"}, "InvalidParameter.StoryId"),
    ):
        reply = alice.call("image/create_story", {"drive_id": alice.drive_id, **body})
        assert error_of(reply) == (409 if code.startswith("Already") else 400, code), body
    reply = alice.call(
        "image/update_story", {"drive_id": alice.drive_id, "story_id": story_id, "story_name": "B" * 257}
    )
    assert error_of(reply) == (400, "InvalidParameter.StoryName")
    reply = alice.call(
        "image/create_story", {"drive_id": alice.drive_id, "story_type": "custom", "story_name": "a\x00b"}
    )
    assert error_of(reply)[0] == 400

    too_many = [{"file_id": f"f{n}"} for n in range(101)]
    reply = alice.call("image/add_story_files", {"drive_id": alice.drive_id, "story_id": story_id, "files": too_many})
    assert error_of(reply) == (400, "InvalidParameter.Files")
    reply = alice.call("image/add_story_files", {"drive_id": alice.drive_id, "story_id": story_id, "files": []})
    assert error_of(reply) == (400, "InvalidParameterMissing.files")

    # An album holds at most 10,000 files: one short of it, two more are refused whole, one fits.
    story = Story.objects.get(story_id=story_id)
    now = datetime.now(UTC)
    rows = File.objects.bulk_create(
        File(
            file_id=f"bulk{n:05d}",
            drive_id=story.drive_id,
            parent_file_id="root",
            name=f"{n}.jpg",
            type="file",
            created_at=now,
            updated_at=now,
        )
        for n in range(MAX_STORY_FILES - 1)
    )
    StoryFile.objects.bulk_create(StoryFile(story=story, file=row, position=n) for n, row in enumerate(rows))
    last, extra = alice.upload("last.jpg", b"last")["file_id"], alice.upload("extra.jpg", b"extra")["file_id"]
    reply = alice.call(
        "image/add_story_files",
        {"drive_id": alice.drive_id, "story_id": story_id, "files": [{"file_id": last}, {"file_id": extra}]},
    )
    assert error_of(reply) == (400, "InvalidParameter.Files")
    assert add(alice, story_id, last)[0].get("error_code") is None
    assert story.entries.count() == MAX_STORY_FILES


def test_changes_to_albums_are_in_the_audit_log(alice):
    story_id = album(alice, "Audited", story_id="audited")
    photo = alice.upload("p.jpg", b"picture")["file_id"]
    add(alice, story_id, photo)
    alice.ok("image/update_story", {"story_id": story_id, "story_name": "Renamed"})
    alice.ok("image/delete_story", {"story_id": story_id})
    rows = AuditLog.objects.filter(action_category="story").order_by("pk")
    assert [(row.action_type, row.object_id) for row in rows] == [
        ("story.create", "audited"),
        ("story.add_files", "audited"),
        ("story.update", "audited"),
        ("story.delete", "audited"),
    ]
    assert rows[0].object_name == "Audited" and rows[2].object_name == "Renamed"


def test_find_stories_refuses_bad_filters_and_markers_with_a_pds_error(alice):
    for name in ("Alps", "Beach"):
        album(alice, name)
    page = alice.ok("image/find_stories", {"with_empty_stories": True, "sort": "story_name", "limit": 1})
    assert page["next_marker"]
    for body, code in (
        ({"sort": "created_at", "marker": page["next_marker"]}, "InvalidParameter.Marker"),
        ({"marker": "not-a-marker"}, "InvalidParameter.Marker"),
        ({"sort": "size"}, "InvalidParameter.Sort"),
        ({"order": "sideways"}, "InvalidParameter.Order"),
        ({"create_time_range": {"start": "last week"}}, "InvalidParameter.create_time_range"),
        ({"story_start_time_range": "2021"}, "InvalidParameter.story_start_time_range"),
        ({"custom_labels": "=value"}, "InvalidParameter.CustomLabels"),
        ({"face_group_ids": "x"}, "InvalidParameter.FaceGroupIds"),
    ):
        reply = alice.call("image/find_stories", {"drive_id": alice.drive_id, "with_empty_stories": True, **body})
        assert error_of(reply) == (400, code), body
    assert alice.ok("image/find_stories", {"face_group_ids": ["Cluster-1"], "with_empty_stories": True})["items"] == []
