"""Sharing with people in the browser: the owner adds a second user from the share dialog's
"Add people" (by part of their name, with the keyboard), changes their role, removes them
(the PDS's records checked after each step), shares again, and that user finds it under
"Shared with me", opens it in place and downloads a file.
And My shares: a link found by name, its password, expiry and limit edited, and the public
page then asks for the password."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone
from playwright.sync_api import expect

from pds_server.models import Group, ShareLink
from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in
from tests.e2e.test_viewer_share_browser import MORE_ACTIONS, row_action, row_of

BOB_PASSWORD = "bob-password-22"


@pytest.fixture
def owner(drive_url, alice) -> Browser:
    """Alice, through the PDS API as another of her apps (once signed in to the drive)."""
    return Browser(drive_url, None)  # type: ignore[arg-type]


@pytest.fixture
def bob(make_user):
    return make_user("bob", password=BOB_PASSWORD, nick_name="Bob Marley")


def roles(owner: Browser, file_id: str) -> list[tuple[str, str]]:
    """Who has which role on the file, as the PDS says (list_permission)."""
    entries = owner.pds("file/list_permission", {"drive_id": owner.drive_id, "file_id": file_id})
    return sorted((entry["identity"]["identity_id"], entry["role_id"]) for entry in entries)


def sign_in_as_bob(page, drive_url: str) -> None:
    page.goto(f"{drive_url}/")
    page.get_by_label("User name").fill("bob")
    page.get_by_label("Password").fill(BOB_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(page)


@pytest.mark.slow
def test_the_owner_shares_a_folder_with_a_person(drive_url, owner, bob, domain, chromium, page, screenshot):
    Group.objects.create(domain=domain, group_id="g-fans", group_name="Marley fans", description="Reggae")
    sign_in(page, drive_url)
    folder = owner.pds(
        "file/create", {"drive_id": owner.drive_id, "parent_file_id": "root", "name": "Team plans", "type": "folder"}
    )["file_id"]
    owner.upload("roadmap.txt", b"first this, then that", parent=folder)
    page.reload()
    wait_ready(page)

    row_action(page, "Team plans", "Share")
    dialog = page.get_by_role("dialog", name="Share “Team plans”")
    people = dialog.get_by_role("list", name="People with access")
    expect(people.get_by_role("listitem")).to_have_count(1)
    expect(people.get_by_role("listitem").first).to_contain_text("Owner")
    add_people = dialog.get_by_role("combobox", name="Add people")
    expect(add_people).to_be_focused()

    # Part of the name, typed; the match chosen with the arrow keys and Enter.
    add_people.press_sequentially("marl")
    options = dialog.get_by_role("listbox", name="People and groups")
    expect(options.get_by_role("option", name="Bob Marley")).to_be_visible()
    expect(add_people).to_have_attribute("aria-expanded", "true")
    add_people.press("ArrowDown")
    expect(options.get_by_role("option", name="Bob Marley")).to_have_attribute("aria-selected", "true")
    screenshot("add-people-options")
    add_people.press("Enter")
    expect(add_people).to_have_value("Bob Marley")
    expect(options).to_be_hidden()
    dialog.get_by_label("Role", exact=True).select_option(label="Viewer")
    dialog.get_by_role("button", name="Add", exact=True).click()
    role_of_bob = people.get_by_role("combobox", name="Role of Bob Marley")
    expect(role_of_bob).to_have_value("viewer")
    expect(page.get_by_role("status").get_by_text("Bob Marley can now open it as Viewer.")).to_be_visible()
    assert roles(owner, folder) == [("bob", "SystemFileViewer")]
    expect(add_people).to_have_value("")

    role_of_bob.select_option("editor")
    expect(page.get_by_role("status").get_by_text("Bob Marley is now Editor.")).to_be_visible()
    expect(people.get_by_role("combobox", name="Role of Bob Marley")).to_have_value("editor")
    assert roles(owner, folder) == [("bob", "SystemFileEditor")]

    people.get_by_role("button", name="Remove Bob Marley").click()
    expect(page.get_by_role("status").get_by_text("Bob Marley no longer has access.")).to_be_visible()
    expect(people.get_by_role("listitem")).to_have_count(1)
    assert roles(owner, folder) == []

    # Escape closes the list of matches, not the dialog; a click picks a match.
    add_people.press_sequentially("bob")
    expect(options.get_by_role("option", name="Bob Marley")).to_be_visible()
    add_people.press("Escape")
    expect(options).to_be_hidden()
    expect(dialog).to_be_visible()
    add_people.press("ArrowDown")
    options.get_by_role("option", name="Bob Marley").click()
    dialog.get_by_role("button", name="Add", exact=True).click()
    expect(people.get_by_role("combobox", name="Role of Bob Marley")).to_have_value("viewer")
    assert roles(owner, folder) == [("bob", "SystemFileViewer")]
    # A group, as Editor: its row has the group icon and says "Group".
    add_people.press_sequentially("fans")
    expect(options.get_by_role("option", name="Marley fans")).to_have_attribute("aria-selected", "true")
    add_people.press("Enter")
    dialog.get_by_label("Role", exact=True).select_option(label="Editor")
    add_people.press("Enter")
    expect(people.get_by_role("combobox", name="Role of Marley fans")).to_have_value("editor")
    expect(people.get_by_role("listitem").filter(has_text="Marley fans")).to_contain_text("Group")
    assert roles(owner, folder) == [("bob", "SystemFileViewer"), ("g-fans", "SystemFileEditor")]
    add_people.press_sequentially("marl")
    expect(options.get_by_role("option")).to_have_count(2)
    screenshot("shared-with-bob-and-a-group")
    page.emulate_media(color_scheme="dark")
    screenshot("shared-dark")
    page.keyboard.press("Escape")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("shared-phone")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})
    # A name typed but no match chosen: said next to the field.
    add_people.fill("nobody at all")
    dialog.get_by_role("button", name="Add", exact=True).click()
    expect(dialog.get_by_text("Choose a person or group from the list.")).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    # Bob finds the folder under "Shared with me", opens it in place and downloads a file;
    # he may list it, and (a viewer) not delete in it.
    bob_context = chromium.new_context(accept_downloads=True)
    bob_page = bob_context.new_page()
    sign_in_as_bob(bob_page, drive_url)
    bob_page.get_by_role("navigation", name="Main").get_by_role("link", name="Shared with me").click()
    expect(bob_page.get_by_role("heading", name="Shared with me")).to_be_visible()
    wait_ready(bob_page)
    shared_row = bob_page.get_by_role("row").filter(has=bob_page.get_by_role("link", name="Team plans"))
    expect(shared_row).to_contain_text("Viewer")
    shared_row.get_by_role("link", name="Team plans").click()
    expect(bob_page.get_by_role("heading", name="Team plans")).to_be_visible()
    expect(bob_page.get_by_role("link", name="roadmap.txt", exact=True)).to_be_visible()
    wait_ready(bob_page)
    assert bob_page.url == f"{drive_url}/d/{owner.drive_id}/folders/{folder}/"
    with bob_page.expect_download() as download:
        bob_page.get_by_role("link", name="Download roadmap.txt").click()
    assert open(download.value.path(), "rb").read() == b"first this, then that"
    # A viewer is not offered Share (who has access, read-only, is tests/files/test_share_people.py's).
    row_of(bob_page, "roadmap.txt").get_by_role("button", name=MORE_ACTIONS).click()
    bob_menu = bob_page.get_by_role("menu", name="roadmap.txt")
    expect(bob_menu.get_by_role("menuitem", name="Details")).to_be_visible()
    expect(bob_menu.get_by_role("menuitem", name="Share")).to_have_count(0)
    bob_context.close()

    as_bob = Browser(drive_url, None)  # type: ignore[arg-type]
    as_bob.user_id = "bob"
    listed = as_bob.pds("file/list", {"drive_id": owner.drive_id, "parent_file_id": folder})
    assert [item["name"] for item in listed["items"]] == ["roadmap.txt"]
    refused = requests.post(
        f"{drive_url}/v2/file/delete",
        json={"drive_id": owner.drive_id, "file_id": listed["items"][0]["file_id"]},
        headers={"Authorization": f"Bearer {as_bob.token}"},
        timeout=30,
    )
    assert refused.status_code == 403, refused.text


@pytest.mark.slow
def test_my_shares_finds_a_link_and_edits_its_password_expiry_and_limit(drive_url, owner, chromium, page, screenshot):
    sign_in(page, drive_url)
    for name in ("Garden photos", "Tax papers"):
        folder = owner.pds(
            "file/create", {"drive_id": owner.drive_id, "parent_file_id": "root", "name": name, "type": "folder"}
        )["file_id"]
        owner.pds("share_link/create", {"drive_id": owner.drive_id, "file_id_list": [folder], "expiration": ""})
    page.goto(f"{drive_url}/shares/")
    expect(page.get_by_role("heading", name="My shares")).to_be_visible()
    wait_ready(page)

    page.get_by_label("Find links by name").fill("garden")
    page.get_by_label("Find links by name").press("Enter")
    expect(page.get_by_label("Find links by name")).to_have_value("garden")
    wait_ready(page)
    expect(page.get_by_role("cell", name="Garden photos", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Tax papers", exact=True)).to_have_count(0)

    page.get_by_role("button", name="Edit Garden photos").click()
    dialog = page.get_by_role("dialog", name="Edit link “Garden photos”")
    expect(dialog.get_by_label("Never expires")).to_be_checked()
    dialog.get_by_label("Download limit").fill("-3")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.locator("#share-edit-limit-error")).not_to_be_empty()
    expect(dialog.get_by_label("Download limit")).to_be_focused()
    dialog.get_by_label("Never expires").uncheck()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Choose a day, or tick “Never expires”.")).to_be_visible()

    later = (timezone.localdate() + timedelta(days=20)).isoformat()
    dialog.get_by_label("Expires on").fill(later)
    dialog.get_by_label("New password").fill("tulip")
    dialog.get_by_label("Download limit").fill("2")
    screenshot("edit-link")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("edit-link-dark-phone")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 800})
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("status").get_by_text("Saved the link’s settings.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="Garden photos")
    expect(row).to_contain_text(f"{later} 23:59")
    expect(row).to_contain_text("0 / 2")
    expect(page.get_by_role("button", name="Edit Garden photos")).to_be_focused()
    share = ShareLink.objects.get(share_name="Garden photos")
    assert share.password and share.download_limit == 2
    assert timezone.localtime(share.expiration).date().isoformat() == later

    visitor_context = chromium.new_context()
    visitor = visitor_context.new_page()
    visitor.goto(f"{drive_url}/s/{share.share_id}")
    wait_ready(visitor)
    expect(visitor.get_by_text("protected by a password")).to_be_visible()
    visitor.get_by_label("Password").fill("tulip")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("link", name="Garden photos").first).to_be_visible()
    visitor_context.close()

    # Edited again: the password removed and the link made to last.
    page.get_by_role("button", name="Edit Garden photos").click()
    expect(dialog.get_by_label("Expires on")).to_have_value(later)
    dialog.get_by_label("Remove the password").check()
    dialog.get_by_label("Never expires").check()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(row).to_contain_text("Never")
    share.refresh_from_db()
    assert share.password == "" and share.expiration is None
