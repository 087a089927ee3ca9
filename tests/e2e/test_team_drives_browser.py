"""A second person works in a team drive and in a folder shared with them: "Team drives" and
"Shared with me" in the navigation, each item opening in place in its own drive
(/d/<drive_id>/), within the person's role."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pds_server.models import Drive, File
from pds_server.services.groups import group_create, group_member_add
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.factories import DriveFactory

UPLOAD_TIMEOUT_MS = 60_000
PHONE = {"width": 375, "height": 667}
DESKTOP = {"width": 1280, "height": 800}
MORE_ACTIONS = re.compile(r"^More actions")


@pytest.fixture
def bob(make_user):
    return make_user("bob", password="bob-password-1", nick_name="Bob")


def sign_in_as(page, drive_url: str, username: str, password: str) -> None:
    page.goto(f"{drive_url}/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(page)


def looks(page, screenshot, name: str) -> None:
    """Screenshots of the page as it is, in light, dark and at phone width."""
    for theme, viewport, look in (("light", DESKTOP, "light"), ("dark", DESKTOP, "dark"), ("light", PHONE, "phone")):
        page.emulate_media(color_scheme=theme)
        page.set_viewport_size(viewport)
        screenshot(f"{name}-{look}")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size(DESKTOP)


@pytest.mark.slow
def test_a_member_uploads_and_makes_a_folder_in_a_team_drive(drive_url, alice, bob, domain, page, screenshot, tmp_path):
    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="bob")
    drive = DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")
    sign_in_as(page, drive_url, "bob", "bob-password-1")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team drives").click()
    expect(page.get_by_role("heading", name="Team drives")).to_be_visible()
    wait_ready(page)
    looks(page, screenshot, "team-drives")
    page.get_by_role("link", name="Design team").click()
    expect(page.get_by_role("heading", name="Design team")).to_be_visible()
    wait_ready(page)
    expect(page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Design team")).to_be_visible()
    assert page.url == f"{drive_url}/d/{drive.drive_id}/"

    page.get_by_role("button", name="New", exact=True).click()
    page.get_by_role("menuitem", name="New folder").click()
    page.get_by_role("dialog", name="New folder").get_by_label("Folder name").fill("Sketches")
    page.get_by_role("dialog", name="New folder").get_by_role("button", name="Create").click()
    expect(page.get_by_role("link", name="Sketches", exact=True)).to_be_visible()

    brief = tmp_path / "brief.txt"
    brief.write_text("the team's brief\n")
    page.set_input_files("#upload-files", [str(brief)])
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="brief.txt", exact=True)).to_be_visible()
    looks(page, screenshot, "team-drive")

    # In the team's drive, not in Bob's own.
    in_team = File.objects.filter(drive=drive, parent_file_id="root").values_list("name", flat=True)
    assert sorted(in_team) == ["Sketches", "brief.txt"]
    assert not File.objects.filter(name__in=["Sketches", "brief.txt"]).exclude(drive=drive).exists()

    # Into the folder and back by the breadcrumbs, staying in the team drive.
    page.get_by_role("link", name="Sketches", exact=True).click()
    expect(page.get_by_role("heading", name="Sketches")).to_be_visible()
    assert (
        page.url == f"{drive_url}/d/{drive.drive_id}/folders/{File.objects.get(drive=drive, name='Sketches').file_id}/"
    )
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Design team").click()
    expect(page.get_by_role("heading", name="Design team")).to_be_visible()
    # "My drive" in the navigation leaves the team drive.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My drive").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    assert page.url == f"{drive_url}/"


@pytest.mark.slow
def test_a_folder_shared_with_a_viewer_opens_in_place_downloads_and_offers_no_rename(
    drive_url, alice, bob, page, screenshot
):
    owner: Browser = Browser(drive_url, sign_in_over_http(drive_url))
    plans = owner.pds(
        "file/create", {"drive_id": owner.drive_id, "parent_file_id": "root", "name": "Plans", "type": "folder"}
    )
    owner.upload("notes.txt", b"the plan\n", parent=plans["file_id"])
    member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    owner.pds("file/add_permission", {"drive_id": owner.drive_id, "file_id": plans["file_id"], "member_list": [member]})

    sign_in_as(page, drive_url, "bob", "bob-password-1")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Shared with me").click()
    expect(page.get_by_role("heading", name="Shared with me")).to_be_visible()
    wait_ready(page)
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Plans"))
    expect(row).to_contain_text("Alice")
    expect(row).to_contain_text("Viewer")
    looks(page, screenshot, "shared-with-me")

    row.get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Plans")).to_be_visible()
    wait_ready(page)
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    expect(crumbs.get_by_role("link", name="Shared with me")).to_be_visible()
    expect(crumbs.get_by_role("link", name="My drive")).to_have_count(0)
    assert page.url == f"{drive_url}/d/{owner.drive_id}/folders/{plans['file_id']}/"

    with page.expect_download() as download:
        page.get_by_role("link", name="Download notes.txt").click()
    assert open(download.value.path(), "rb").read() == b"the plan\n"

    notes = page.locator("#listing tr[data-id]").filter(has=page.get_by_role("link", name="notes.txt", exact=True))
    # A viewer is not offered a rename (the PDS would refuse it: tests/files/test_shared_with_me.py).
    notes.get_by_role("button", name=MORE_ACTIONS).click()
    menu = page.get_by_role("menu", name="notes.txt")
    expect(menu.get_by_role("menuitem", name="Download")).to_be_visible()
    expect(menu.get_by_role("menuitem", name="Rename")).to_have_count(0)
    looks(page, screenshot, "viewer-row-menu")
    assert File.objects.get(name="notes.txt").parent_file_id == plans["file_id"]
