"""The folder page offers only what the user's role on the folder allows (#listing's data-can-*,
from the folder's action_list), and nothing links to the top of a drive shared in part: the
move dialog's path and the no-script picker start at the first folder the user reaches."""

from __future__ import annotations

import re

import pytest

from files.selectors import Listing
from pds_server.models import Drive
from pds_server.services.groups import group_create, group_member_add
from tests.drive_helpers import Browser, sign_in
from tests.factories import DriveFactory

RIGHTS = ("upload", "rename", "move", "trash", "share")


@pytest.fixture
def bob(drive_url, make_user) -> Browser:
    make_user("bob", password="bob-password-1", nick_name="Bob")
    return Browser(drive_url, sign_in(drive_url, "bob", "bob-password-1"))


def share(owner: Browser, file_id: str, user_id: str, role_id: str) -> None:
    member = {"identity": {"identity_type": "IT_User", "identity_id": user_id}, "role_id": role_id}
    owner.pds("file/add_permission", {"drive_id": owner.drive_id, "file_id": file_id, "member_list": [member]})


def rights(html: str) -> dict[str, str]:
    tag = re.search(r'<div id="listing"[^>]*>', html).group(0)
    return {right: re.search(rf'data-can-{right}="(\w+)"', tag).group(1) for right in RIGHTS}


def row_menu(html: str) -> str:
    return re.search(r'<ul id="row-menu".*?</ul>', html, re.S).group(0)


def folder_in(owner: Browser, name: str, parent: str = "root") -> str:
    body = {"drive_id": owner.drive_id, "parent_file_id": parent, "name": name, "type": "folder"}
    return owner.pds("file/create", body)["file_id"]


@pytest.fixture
def plans(browser, bob) -> dict:
    """Alice's Projects/Plans/Drafts, with notes.txt in Plans; Plans shared with Bob (a role given per test)."""
    projects = folder_in(browser, "Projects")
    plans = folder_in(browser, "Plans", projects)
    drafts = folder_in(browser, "Drafts", plans)
    doc = browser.upload("notes.txt", b"the plan", parent=plans)
    return {"projects": projects, "plans": plans, "drafts": drafts, "doc": doc["file_id"]}


def test_a_viewer_is_offered_no_change_in_the_shared_folder_nor_below_it(browser, bob, plans):
    share(browser, plans["plans"], "bob", "SystemFileViewer")
    for folder in (plans["plans"], plans["drafts"]):
        page = bob.get(f"/d/{browser.drive_id}/folders/{folder}/")
        assert page.status_code == 200
        assert rights(page.text) == dict.fromkeys(RIGHTS, "false")
        assert "new-button" not in page.text and 'id="new-menu"' not in page.text
        menu = row_menu(page.text)
        for action in ("rename", "move", "share", "trash"):
            assert f'data-action="{action}"' not in menu
        for action in ("open", "download", "copy", "details"):
            assert f'data-action="{action}"' in menu
        selection = re.search(r'<form [^>]*id="selection".*?</form>', page.text, re.S).group(0)
        assert 'value="move"' not in selection and 'value="trash"' not in selection
        assert 'value="copy"' in selection and "Download as zip" in selection
        # The move dialog's path has no top to go to: it starts at the folder Bob reaches.
        assert 'data-top=""' in page.text
        # And it does not offer "Copy here" where he may not add.
        choices = bob.get(f"/d/{browser.drive_id}/api/actions/folders/{folder}")
        assert choices.status_code == 200 and choices.json()["can_add"] is False


def test_an_editor_is_offered_everything(browser, bob, plans):
    share(browser, plans["plans"], "bob", "SystemFileEditor")
    page = bob.get(f"/d/{browser.drive_id}/folders/{plans['plans']}/")
    assert rights(page.text) == dict.fromkeys(RIGHTS, "true")
    assert "new-button" in page.text
    menu = row_menu(page.text)
    for action in ("rename", "move", "share", "trash", "download", "details"):
        assert f'data-action="{action}"' in menu


def test_a_role_that_uploads_but_does_not_edit(browser, bob, plans):
    share(browser, plans["plans"], "bob", "SystemFileUploaderAndDownloader")
    page = bob.get(f"/d/{browser.drive_id}/folders/{plans['plans']}/")
    assert rights(page.text) == {
        "upload": "true",
        "rename": "false",
        "move": "false",
        "trash": "false",
        "share": "false",
    }
    assert "new-button" in page.text and 'data-action="rename"' not in row_menu(page.text)


def test_the_users_own_drive_offers_everything_at_its_top_and_below(browser, plans):
    for path in ("/", f"/folders/{plans['plans']}/"):
        page = browser.get(path)
        assert rights(page.text) == dict.fromkeys(RIGHTS, "true")
        assert 'data-top="My drive"' in page.text


def test_a_team_drive_top_offers_everything_to_a_member(drive_url, domain, browser, bob):
    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="bob")
    drive = DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")
    page = bob.get(f"/d/{drive.drive_id}/")
    assert page.status_code == 200
    assert rights(page.text) == dict.fromkeys(RIGHTS, "true")
    assert 'data-top="Design team"' in page.text


def test_a_pds_that_sends_no_action_list_allows_everything():
    assert Listing(folder={"file_id": "f", "type": "folder"}, items=[], next_marker="", breadcrumbs=[]).can == (
        dict.fromkeys(RIGHTS, True)
    )
    empty = Listing(folder={"file_id": "f", "action_list": []}, items=[], next_marker="", breadcrumbs=[])
    assert empty.can == dict.fromkeys(RIGHTS, False)
    sharer = Listing(folder={"action_list": ["FILE.LIST", "FILE.PERMISSION"]}, items=[], next_marker="", breadcrumbs=[])
    assert sharer.can["share"] and not sharer.can["upload"]


def picker_links(html: str) -> list[str]:
    crumbs = re.search(r'<nav aria-label="Breadcrumbs" class="breadcrumbs">.*?</nav>', html, re.S).group(0)
    return re.findall(r"folder=([\w-]+)", crumbs)


def test_the_picker_in_a_folder_shared_in_part_starts_where_the_items_are_and_never_links_the_top(browser, bob, plans):
    share(browser, plans["plans"], "bob", "SystemFileEditor")
    base = f"/d/{browser.drive_id}"
    chosen = bob.post(f"{base}/selection", {"operation": "copy", "ids": [plans["doc"]], "next": "/"})
    assert chosen.status_code == 200 and chosen.url.startswith(f"{bob.base}{base}/pick/")
    assert "folder=root" not in chosen.text and "Move here" not in chosen.text and "Copy here" in chosen.text
    assert picker_links(chosen.text) == [plans["plans"]]  # Plans: the first folder Bob reaches
    assert f'name="target_id" value="{plans["plans"]}"' in chosen.text
    assert re.search(rf'folder={plans["drafts"]}"><svg[^>]*>.*?</svg> <bdi>Drafts</bdi>', chosen.text, re.S)

    # Into Drafts: the path is Plans › Drafts, still without the drive's top.
    query = f"op=copy&next=%2F&ids={plans['doc']}&folder={plans['drafts']}"
    deeper = bob.get(f"{base}/pick/?{query}")
    assert deeper.status_code == 200 and "folder=root" not in deeper.text
    assert picker_links(deeper.text) == [plans["plans"], plans["drafts"]]

    # "All in this folder" starts at that folder.
    every = bob.get(f"{base}/pick/?op=move&next=%2F&all_in={plans['drafts']}")
    assert every.status_code == 200 and picker_links(every.text) == [plans["plans"], plans["drafts"]]


def test_the_picker_in_the_users_own_drive_and_a_team_drive_keeps_its_top(drive_url, domain, browser, bob, plans):
    own = browser.get(f"/pick/?op=move&next=%2F&ids={plans['doc']}")
    assert own.status_code == 200 and picker_links(own.text) == ["root"] and "My drive" in own.text

    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="bob")
    drive = DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")
    in_team = bob.get(f"/d/{drive.drive_id}/pick/?op=move&next=%2F&ids=x")
    assert in_team.status_code == 200 and picker_links(in_team.text) == ["root"]
    assert "<bdi>Design team</bdi>" in in_team.text
