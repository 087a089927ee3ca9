"""Shared with me and Team drives over HTTP, signed in through the live embedded PDS: what
other people give a user is listed, opens in its own drive (/d/<drive_id>/), and acts there
within the user's role."""

from __future__ import annotations

import re

import pytest

from pds_server.models import Drive, File
from pds_server.services.groups import group_create, group_member_add
from tests.drive_helpers import Browser, sign_in
from tests.factories import DriveFactory


@pytest.fixture
def bob(drive_url, make_user) -> Browser:
    make_user("bob", password="bob-password-1", nick_name="Bob")
    person = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-1"))
    person.user_id = "bob"
    return person


def share(owner: Browser, file_id: str, user_id: str, role_id: str) -> None:
    member = {"identity": {"identity_type": "IT_User", "identity_id": user_id}, "role_id": role_id}
    owner.pds("file/add_permission", {"drive_id": owner.drive_id, "file_id": file_id, "member_list": [member]})


def crumbs_of(html: str) -> str:
    return re.search(r'<nav aria-label="Breadcrumbs".*?</nav>', html, re.S).group(0)


def test_empty_pages_say_what_comes_there(browser):
    shared = browser.get("/shared/")
    assert shared.status_code == 200 and "Nothing has been shared with you yet." in shared.text
    team = browser.get("/team/")
    assert team.status_code == 200 and "You are not in any team drive yet." in team.text
    assert 'aria-current="page"><svg' in team.text and "Team drives" in team.text


def test_a_folder_shared_with_a_viewer_opens_in_place_downloads_and_refuses_changes(browser, bob):
    alice = browser
    plans = alice.pds(
        "file/create", {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "Plans", "type": "folder"}
    )
    doc = alice.upload("notes.txt", b"the plan", parent=plans["file_id"])
    share(alice, plans["file_id"], "bob", "SystemFileViewer")

    listed = bob.get("/shared/")
    assert listed.status_code == 200
    folder_url = f"/d/{alice.drive_id}/folders/{plans['file_id']}/"
    row = re.search(rf'<tr data-id="{plans["file_id"]}".*?</tr>', listed.text, re.S).group(0)
    assert f'href="{folder_url}"' in row and "Plans" in row and "Alice" in row and "Viewer" in row

    folder = bob.get(folder_url)
    assert folder.status_code == 200 and "notes.txt" in folder.text
    crumbs = crumbs_of(folder.text)
    # The path starts at "Shared with me": the folders above the shared one are not Bob's to see.
    assert 'href="/shared/"' in crumbs and "Shared with me" in crumbs and 'aria-current="page">Plans<' in crumbs
    assert "My drive" not in crumbs
    assert f'data-base="/d/{alice.drive_id}/"' in folder.text
    assert re.search(r'href="/shared/" class="is-current"', folder.text)  # the navigation says where he is

    download = bob.get(f"/d/{alice.drive_id}/files/{doc['file_id']}/download")
    assert download.status_code == 200 and download.content == b"the plan"
    preview = bob.get(f"/d/{alice.drive_id}/files/{doc['file_id']}/preview")
    assert preview.status_code == 200 and "the plan" in preview.text

    # A viewer may not rename: a readable message, from the page's JSON action and from the form.
    refused = bob.session.post(
        f"{bob.base}/d/{alice.drive_id}/api/actions/rename",
        json={"file_id": doc["file_id"], "name": "mine.txt"},
        headers={"X-CSRFToken": bob.session.cookies.get("drive_csrftoken", ""), "Referer": f"{bob.base}/"},
    )
    assert refused.status_code == 403
    assert refused.json()["error"] == "Your role on this folder doesn't allow that."
    form = bob.post(f"/d/{alice.drive_id}/files/{doc['file_id']}/rename", {"name": "mine.txt"})
    assert form.status_code == 400 and "Your role on this folder doesn&#x27;t allow that." in form.text
    assert File.objects.get(file_id=doc["file_id"]).name == "notes.txt"

    # The rest of Alice's drive stays out of reach: the not-found page, never a 500.
    top = bob.get(f"/d/{alice.drive_id}/")
    assert top.status_code == 404 and "This item does not exist, or you cannot see it." in top.text

    # Search inside it names where things are from Bob's side, never "My drive" (her top).
    found = bob.get(f"/d/{alice.drive_id}/search/", params={"q": "notes"})
    assert found.status_code == 200 and "notes.txt" in found.text
    location = re.search(r'<span class="folder-path">.*?</span>(?=</td>|\s*</td>)', found.text, re.S)
    assert location and "My drive" not in location.group(0) and "Shared with me" in location.group(0)
    # A refusal's page sends him home to his own drive, not to the top of hers.
    shared_refused = bob.post(f"/d/{alice.drive_id}/files/{doc['file_id']}/share", {})
    assert shared_refused.status_code in (400, 403)
    assert f'href="/d/{alice.drive_id}/"' not in shared_refused.text
    # Pages that are no drive's do not exist under a drive's prefix.
    for path in ("/shares/", "/shared/", "/team/", "/s/anything"):
        assert bob.get(f"/d/{alice.drive_id}{path}").status_code == 404, path


def test_a_team_drive_is_listed_opened_and_used_by_a_member(browser, bob, domain):
    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="bob")
    drive = DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")

    listed = bob.get("/team/")
    assert listed.status_code == 200 and "Design team" in listed.text and f'href="/d/{drive.drive_id}/"' in listed.text
    assert "Design team" not in browser.get("/team/").text  # Alice is not in the team

    top = bob.get(f"/d/{drive.drive_id}/")
    assert top.status_code == 200
    assert re.search(r"<h1><bdi>Design team</bdi></h1>", top.text) and "This team drive is empty." in top.text
    assert re.search(r'href="/team/" class="is-current"', top.text)

    created = bob.post(
        f"/d/{drive.drive_id}/folders/new", {"parent_id": "root", "name": "Sketches", "next": f"/d/{drive.drive_id}/"}
    )
    assert created.status_code == 200 and "Sketches" in created.text
    sketches = File.objects.get(drive=drive, name="Sketches")
    inside = bob.get(f"/d/{drive.drive_id}/folders/{sketches.file_id}/")
    crumbs = crumbs_of(inside.text)
    assert f'href="/d/{drive.drive_id}/"' in crumbs and "Design team" in crumbs and "My drive" not in crumbs
    # An editor renames, moves and trashes there too, through the same endpoints under the prefix.
    headers = {"X-CSRFToken": bob.session.cookies.get("drive_csrftoken", ""), "Referer": f"{bob.base}/"}
    api = f"{bob.base}/d/{drive.drive_id}/api/actions"
    renamed = bob.session.post(f"{api}/rename", json={"file_id": sketches.file_id, "name": "Drafts"}, headers=headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Drafts"
    trashed = bob.session.post(f"{api}/trash", json={"ids": [sketches.file_id]}, headers=headers)
    assert trashed.status_code == 200, trashed.text
    sketches.refresh_from_db()
    assert sketches.name == "Drafts" and sketches.trashed
    # The team drive's own trash, linked from its top, holds it (not Bob's trash).
    assert f'href="/d/{drive.drive_id}/trash/"' in bob.get(f"/d/{drive.drive_id}/").text
    assert "Drafts" in bob.get(f"/d/{drive.drive_id}/trash/").text
    assert "Drafts" not in bob.get("/trash/").text
    # Nothing of it landed in Bob's own drive.
    assert not File.objects.filter(drive_id=int(bob.drive_id), name="Sketches").exists()
    # Alice, outside the team, does not find it at all.
    assert browser.get(f"/d/{drive.drive_id}/").status_code == 404


def test_a_file_shared_on_its_own_opens_in_the_viewer_page_and_downloads(browser, bob):
    alice = browser
    inner = alice.pds(
        "file/create", {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "Private", "type": "folder"}
    )
    doc = alice.upload("report.txt", b"quarterly", parent=inner["file_id"])
    share(alice, doc["file_id"], "bob", "SystemFileEditor")

    listed = bob.get("/shared/").text
    preview_url = f"/d/{alice.drive_id}/files/{doc['file_id']}/preview"
    download_url = f"/d/{alice.drive_id}/files/{doc['file_id']}/download"
    assert f'href="{preview_url}"' in listed and f'href="{download_url}"' in listed and "Editor" in listed
    preview = bob.get(preview_url)
    # Its folder is not Bob's to see: the path is just "Shared with me", never a failure.
    assert preview.status_code == 200 and "quarterly" in preview.text and "Private" not in preview.text
    path = re.search(r'<nav class="breadcrumbs path".*?</nav>', preview.text, re.S).group(0)
    assert 'href="/shared/"' in path and "My drive" not in path
    assert bob.get(download_url).content == b"quarterly"
    assert bob.get(f"/d/{alice.drive_id}/folders/{inner['file_id']}/").status_code == 404
