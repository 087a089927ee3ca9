"""In a folder shared with them, a person is offered only what their role allows: a viewer
no New, no Rename, Move, Share or trash, and a drop of files says it cannot be done; an
editor all of it. The move dialog's path there starts at the shared folder (the drive's top
is not theirs)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from pds_server.models import File
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_team_drives_browser import looks, sign_in_as

CANNOT_ADD = "You can't add files here."


@pytest.fixture
def bob(make_user):
    return make_user("bob", password="bob-password-1", nick_name="Bob")


def shared_plans(drive_url: str, role_id: str, drafts_role: str | None = None) -> tuple[Browser, dict]:
    """Alice's Projects/Plans (notes.txt, Drafts), Plans shared with Bob as `role_id`
    (and Drafts as `drafts_role`, if given)."""
    owner = Browser(drive_url, sign_in_over_http(drive_url))

    def folder(name: str, parent: str) -> str:
        body = {"drive_id": owner.drive_id, "parent_file_id": parent, "name": name, "type": "folder"}
        return owner.pds("file/create", body)["file_id"]

    projects = folder("Projects", "root")
    plans = folder("Plans", projects)
    drafts = folder("Drafts", plans)
    owner.upload("notes.txt", b"the plan\n", parent=plans)
    for file_id, role in ((plans, role_id), (drafts, drafts_role)):
        if role:
            member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": role}
            owner.pds("file/add_permission", {"drive_id": owner.drive_id, "file_id": file_id, "member_list": [member]})
    return owner, {"projects": projects, "plans": plans, "drafts": drafts}


def open_plans(page, drive_url: str, owner: Browser, ids: dict) -> None:
    sign_in_as(page, drive_url, "bob", "bob-password-1")
    page.goto(f"{drive_url}/d/{owner.drive_id}/folders/{ids['plans']}/")
    expect(page.get_by_role("heading", name="Plans")).to_be_visible()
    wait_ready(page)


def notes_menu(page):
    page.get_by_role("button", name="More actions for notes.txt").click()
    menu = page.get_by_role("menu", name="notes.txt")
    expect(menu).to_be_visible()
    return menu


def drop_a_file(page) -> None:
    transfer = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
        return transfer;
    }""")
    page.dispatch_event("main", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("main", "drop", {"dataTransfer": transfer})


@pytest.mark.slow
def test_a_viewer_is_offered_no_changes_and_a_dropped_file_is_refused(drive_url, alice, bob, page, screenshot):
    owner, ids = shared_plans(drive_url, "SystemFileViewer", drafts_role="SystemFileEditor")
    open_plans(page, drive_url, owner, ids)

    expect(page.get_by_role("button", name="New", exact=True)).to_have_count(0)
    menu = notes_menu(page)
    for offered in ("Open", "Download", "Copy", "Details"):
        expect(menu.get_by_role("menuitem", name=offered, exact=True)).to_be_visible()
    for refused in ("Rename", "Move", "Share", "Move to trash"):
        expect(menu.get_by_role("menuitem", name=refused, exact=True)).to_have_count(0)
    expect(menu.get_by_role("menuitem").first).to_be_focused()
    looks(page, screenshot, "viewer-row-menu")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(page.get_by_role("link", name="Share notes.txt")).to_be_hidden()
    expect(page.get_by_role("link", name="Download notes.txt")).to_be_visible()

    # Selected: the bar offers download and copy, not move nor trash.
    page.get_by_role("checkbox", name="Select notes.txt").check()
    bar = page.get_by_role("form", name="Selection")
    expect(bar.get_by_role("button", name="Download as zip")).to_be_visible()
    expect(bar.get_by_role("button", name="Copy", exact=True)).to_be_visible()
    expect(bar.get_by_role("button", name="Move", exact=True)).to_have_count(0)
    expect(bar.get_by_role("button", name="Move to trash")).to_have_count(0)
    bar.get_by_role("button", name="Clear selection").click()
    # Delete and F2 do nothing here either.
    page.get_by_role("link", name="notes.txt", exact=True).focus()
    page.keyboard.press("F2")
    expect(page.get_by_role("dialog", name="Rename")).to_be_hidden()

    drop_a_file(page)
    expect(page.locator(".toast").filter(has_text=CANNOT_ADD)).to_be_visible()
    expect(page.locator("main")).not_to_have_class("dropping")
    looks(page, screenshot, "viewer-drop-refused")
    assert not File.objects.filter(name="dropped.txt").exists()
    expect(page.locator("#uploads")).not_to_contain_text("dropped.txt")

    # Into Drafts, where Bob is an editor, without a page load: it is all offered there; back
    # in Plans, not again.
    page.get_by_role("link", name="Drafts", exact=True).click()
    expect(page.get_by_role("heading", name="Drafts")).to_be_visible()
    expect(page.locator("#listing")).to_have_attribute("data-can-upload", "true")
    expect(page.get_by_role("button", name="New", exact=True)).to_be_visible()
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="Plans").click()
    expect(page.get_by_role("heading", name="Plans")).to_be_visible()
    expect(page.locator("#listing")).to_have_attribute("data-can-upload", "false")
    expect(page.get_by_role("button", name="New", exact=True)).to_have_count(0)
    drop_a_file(page)
    expect(page.locator(".toast").filter(has_text=CANNOT_ADD)).to_have_count(2)
    assert not File.objects.filter(name="dropped.txt").exists()


@pytest.mark.slow
def test_an_editor_is_offered_everything_and_moves_within_the_shared_folder(drive_url, alice, bob, page, screenshot):
    owner, ids = shared_plans(drive_url, "SystemFileEditor")
    open_plans(page, drive_url, owner, ids)

    expect(page.get_by_role("button", name="New", exact=True)).to_be_visible()
    menu = notes_menu(page)
    for offered in ("Download", "Rename", "Move", "Copy", "Share", "Details", "Move to trash"):
        expect(menu.get_by_role("menuitem", name=offered, exact=True)).to_be_visible()
    menu.get_by_role("menuitem", name="Move", exact=True).click()

    # The path starts at Plans, the folder shared with Bob: no crumb leads to the drive's top.
    chooser = page.get_by_role("dialog", name="Move to…")
    path = chooser.get_by_role("navigation", name="Folder path")
    expect(path.get_by_role("listitem")).to_have_count(1)
    expect(path.get_by_text("Plans", exact=True)).to_be_visible()
    expect(path.get_by_role("button", name="Shared with me")).to_have_count(0)
    chooser.get_by_role("button", name="Drafts").click()
    expect(chooser.get_by_text("No folders here.")).to_be_visible()
    expect(path.get_by_role("listitem")).to_have_count(2)
    looks(page, screenshot, "move-dialog-in-shared-folder")
    path.get_by_role("button", name="Plans").click()
    expect(chooser.get_by_role("button", name="Drafts")).to_be_visible()
    expect(chooser.get_by_role("alert")).to_be_hidden()
    chooser.get_by_role("button", name="Drafts").click()
    expect(chooser.get_by_text("No folders here.")).to_be_visible()
    chooser.get_by_role("button", name="Move here").click()
    expect(chooser).to_be_hidden()
    expect(page.get_by_text("Moved (1)")).to_be_visible()
    assert File.objects.get(name="notes.txt").parent_file_id == ids["drafts"]
