"""The share dialog's "People with access" over HTTP (files/people_share_views.py): finding
people and groups, giving, changing and taking away a role (checked in the PDS's own records),
what someone without the right to manage sees, roles from a folder above; and My shares'
search. Bad input is a readable 4xx, never a 500."""

from __future__ import annotations

import pytest

from pds_server.models import File, FilePermission, Group, PdsUser, ShareLink
from tests.drive_helpers import Browser
from tests.files.test_share_panel import api, bob_of


@pytest.fixture
def bob(drive_url, make_user) -> Browser:
    return bob_of(drive_url, make_user)


@pytest.fixture
def folder(browser) -> str:
    browser.post("/folders/new", {"parent_id": "root", "name": "Plans"})
    return File.objects.get(name="Plans").file_id


def roles_in_pds(file_id: str) -> list[tuple[str, str, str]]:
    return sorted(FilePermission.objects.filter(file_id=file_id).values_list("identity_type", "identity_id", "role_id"))


def test_people_search_offers_users_and_groups_but_not_oneself(browser, bob, domain):
    Group.objects.create(domain=domain, group_id="g-bobcats", group_name="Bobcats", description="The team")
    found = api(browser, "GET", "/api/people?q=bo").json()["items"]
    assert {"type": "user", "id": "bob", "name": "Bob", "detail": "bob"} in found
    assert {"type": "group", "id": "g-bobcats", "name": "Bobcats", "detail": "The team"} in found
    assert all(entry["id"] != "alice" for entry in api(browser, "GET", "/api/people?q=ali").json()["items"])
    assert api(browser, "GET", "/api/people?q=").json() == {"items": []}


def test_the_owner_adds_changes_and_removes_a_person(browser, bob, folder):
    path = f"/api/files/{folder}/people"
    first = api(browser, "GET", path).json()
    assert first["manage"] is True
    assert [(m["name"], m["role"], m["you"]) for m in first["members"]] == [("Alice", "owner", True)]

    added = api(browser, "POST", f"{path}/add", {"type": "user", "id": "bob", "role": "viewer"})
    assert added.status_code == 200, added.text
    assert [(m["id"], m["role"], m["role_label"]) for m in added.json()["members"]][1:] == [("bob", "viewer", "Viewer")]
    assert roles_in_pds(folder) == [("IT_User", "bob", "SystemFileViewer")]

    changed = api(browser, "POST", f"{path}/add", {"type": "user", "id": "bob", "role": "editor"}).json()
    assert [(m["id"], m["role"]) for m in changed["members"]][1:] == [("bob", "editor")]
    assert roles_in_pds(folder) == [("IT_User", "bob", "SystemFileEditor")]

    body = {"type": "user", "id": "bob", "role_id": "SystemFileEditor"}
    removed = api(browser, "POST", f"{path}/remove", body).json()
    assert [m["id"] for m in removed["members"]] == ["alice"]
    assert roles_in_pds(folder) == []


def test_a_group_and_a_role_from_the_folder_above(browser, bob, folder, domain):
    Group.objects.create(domain=domain, group_id="g-team", group_name="Team")
    api(browser, "POST", f"/api/files/{folder}/people/add", {"type": "group", "id": "g-team", "role": "editor"})
    item = browser.upload("budget.txt", b"numbers", parent=folder)
    members = api(browser, "GET", f"/api/files/{item['file_id']}/people").json()["members"]
    team = next(member for member in members if member["id"] == "g-team")
    assert team["type"] == "group" and team["name"] == "Team" and team["role"] == "editor"
    assert team["inherited_from"] == folder and team["inherited_name"] == "Plans"


def test_someone_without_the_right_to_manage_sees_the_list_read_only(browser, bob, folder):
    path = f"/api/files/{folder}/people"
    api(browser, "POST", f"{path}/add", {"type": "user", "id": "bob", "role": "editor"})
    drive = browser.drive_id
    seen = api(bob, "GET", f"/d/{drive}{path}")
    assert seen.status_code == 200, seen.text
    assert seen.json()["manage"] is False
    # The owner first (they may read the drive's record: it names its owner), then Bob.
    assert [(m["id"], m["role"], m["you"]) for m in seen.json()["members"]] == [
        ("alice", "owner", False),
        ("bob", "editor", True),
    ]
    alice = PdsUser.objects.get(user_id="alice")
    assert seen.json()["members"][0]["name"] == (alice.nick_name or alice.user_name)  # her name, not her id
    refused = api(bob, "POST", f"/d/{drive}{path}/add", {"type": "user", "id": "bob", "role": "viewer"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "Only the owner can change who has access to this."
    assert roles_in_pds(folder) == [("IT_User", "bob", "SystemFileEditor")]


@pytest.mark.parametrize(
    "body",
    [
        {"type": "user", "id": "bob", "role": "owner"},
        {"type": "robot", "id": "bob", "role": "viewer"},
        {"type": "user", "id": "", "role": "viewer"},
        {"type": "user", "id": "bob"},
        {"type": "user", "id": ["bob"], "role": "viewer"},
    ],
)
def test_bad_people_input_is_a_readable_400(browser, folder, body):
    answer = api(browser, "POST", f"/api/files/{folder}/people/add", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]
    assert roles_in_pds(folder) == []


def test_unknown_people_and_files_are_readable_4xx(browser, folder):
    ghost = api(browser, "POST", f"/api/files/{folder}/people/add", {"type": "user", "id": "ghost", "role": "viewer"})
    assert 400 <= ghost.status_code < 500 and ghost.json()["error"], ghost.text
    assert api(browser, "GET", "/api/files/no-such-file/people").status_code == 404
    assert api(browser, "POST", f"/api/files/{folder}/people", {}).status_code == 405


def test_my_shares_finds_links_by_name(browser):
    for name in ("Holiday", "Taxes", "holiday 2"):
        item = browser.upload(f"{name}.txt", b"x")
        api(browser, "POST", f"/api/files/{item['file_id']}/shares", {"expires_on": ""})
    ShareLink.objects.filter(share_name="Taxes.txt").update(share_name="Taxes")
    page = browser.get("/shares/?q=holi")
    assert page.status_code == 200
    assert "Holiday.txt" in page.text and "holiday 2.txt" in page.text and "Taxes" not in page.text
    assert 'value="holi"' in page.text and "data-share-edit" in page.text
    ShareLink.objects.filter(share_name="holiday 2.txt").update(share_name="it's a \\ (holiday)")
    quoted = browser.get("/shares/", params={"q": "it's a \\ ("})
    assert quoted.status_code == 200 and "it&#x27;s a \\ (holiday)" in quoted.text and "Holiday.txt" not in quoted.text
    none = browser.get("/shares/?q=nothing-like-it")
    assert none.status_code == 200 and "No link’s name holds" in none.text
    everything = browser.get("/shares/")
    assert all(name in everything.text for name in ("Holiday.txt", "Taxes", "(holiday)"))
