"""The folder page's actions in Chromium, as a person uses them: the New menu and its folder
dialog, each row's menu (button, right-click, keyboard), rename in a dialog, the header
checkbox and "select all N in this folder", the selection bar, moving rows by dragging them,
Undo of trash and move, and the phone-width layout. Checks are on the PDS's records."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Credential
from files import services
from pds_server.models import Drive, File
from pds_server.services.tree import folder_create
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in
from tests.factories import listing_entries

# Record what the page asks other modules to do (drive:action); `keep` stops it there, so that
# the viewer or the share dialog does not open over the page under test.
ACTIONS = """(keep) => { window.driveActions = [];
    document.addEventListener("drive:action", (e) => {
        window.driveActions.push({action: e.detail.action, ids: e.detail.ids, rows: (e.detail.rows || []).length});
        if (keep) e.stopImmediatePropagation();
    }, true); }"""


def alices_drive() -> Drive:
    return Drive.objects.get(pk=int(Credential.objects.get().default_drive_id))


def make_folder(name: str, parent: str = "root") -> str:
    return folder_create(
        drive=alices_drive(), parent_file_id=parent, name=name, check_name_mode="refuse", creator="alice"
    )[0].file_id


def make_files(names: list[str], parent: str = "root", prefix: str = "f") -> list[str]:
    rows = listing_entries(alices_drive(), names, parent_id=parent, id_prefix=prefix, size=lambda i: 1000 * (i + 1))
    return [row.file_id for row in rows]


def row(page, name: str):
    return page.locator(f'table.files tr[data-name="{name}"]')


def parent_of(name: str) -> str:
    return File.objects.get(name=name).parent_file_id


@pytest.mark.slow
def test_the_new_menu_and_the_folder_dialog_that_keeps_what_was_typed(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    page.evaluate(ACTIONS, False)
    page.evaluate("window.samePage = true")
    new = page.get_by_role("button", name="New", exact=True)
    new.click()
    menu = page.get_by_role("menu", name="New")
    expect(menu).to_be_visible()
    expect(new).to_have_attribute("aria-expanded", "true")
    expect(menu.get_by_role("menuitem", name="New folder")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("menuitem", name="Upload files")).to_be_focused()
    screenshot("new-menu")
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(new).to_be_focused()

    # Upload files / folder ask the uploads module, which opens the file picker.
    new.click()
    with page.expect_file_chooser() as chooser:
        menu.get_by_role("menuitem", name="Upload files").click()
    assert chooser.value.is_multiple()
    new.click()
    with page.expect_file_chooser():
        menu.get_by_role("menuitem", name="Upload folder").click()
    actions = [entry["action"] for entry in page.evaluate("window.driveActions")]
    assert actions == ["upload-files", "upload-folder"]

    new.click()
    menu.get_by_role("menuitem", name="New folder").click()
    dialog = page.get_by_role("dialog", name="New folder")
    expect(dialog).to_be_visible()
    name = dialog.get_by_label("Folder name")
    expect(name).to_be_focused()
    name.fill("a/b")
    dialog.get_by_role("button", name="Create").click()
    error = dialog.locator(".field-error")
    expect(error).to_be_visible()
    expect(name).to_have_value("a/b")  # what was typed stays, to be corrected
    expect(name).to_have_attribute("aria-invalid", "true")
    assert name.get_attribute("aria-describedby") == error.get_attribute("id")
    screenshot("folder-dialog-error")
    name.fill("Holidays")
    name.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="Holidays", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Holidays", exact=True)).to_be_focused()
    assert File.objects.get(name="Holidays", type="folder").parent_file_id == "root"
    assert page.evaluate("window.samePage") is True  # no reload
    screenshot("folder-created")

    new.click()
    menu.get_by_role("menuitem", name="New folder").click()
    name.fill("Holidays")
    dialog.get_by_role("button", name="Create").click()
    expect(error).to_contain_text("already exists")
    expect(name).to_have_value("Holidays")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    assert File.objects.filter(name="Holidays").count() == 1


@pytest.mark.slow
def test_each_row_has_a_menu_by_button_right_click_and_keyboard(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)  # the drive is made at the first sign-in
    make_folder("Albums")
    make_files(["notes.txt", "other.txt"])
    page.reload()
    wait_ready(page)
    page.evaluate(ACTIONS, True)

    # Quick actions show on the row under the pointer.
    download = row(page, "notes.txt").get_by_role("link", name="Download notes.txt")
    assert download.evaluate("e => getComputedStyle(e).opacity") == "0"
    row(page, "notes.txt").hover()
    expect(download).to_have_css("opacity", "1")
    screenshot("hover")

    more = page.get_by_role("button", name="More actions for notes.txt")
    more.click()
    menu = page.get_by_role("menu", name="notes.txt")
    expect(menu).to_be_visible()
    names = ["Open", "Download", "Rename", "Move", "Copy", "Share", "Versions", "Details", "Move to trash"]
    expect(menu.get_by_role("menuitem")).to_have_text(names)
    screenshot("row-menu")
    page.keyboard.press("End")
    expect(menu.get_by_role("menuitem", name="Move to trash")).to_be_focused()
    page.keyboard.press("ArrowDown")  # round to the top
    expect(menu.get_by_role("menuitem", name="Open")).to_be_focused()
    page.keyboard.press("Escape")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()

    page.get_by_role("button", name="More actions for Albums").click()
    folder_menu = page.get_by_role("menu", name="Albums")
    expect(folder_menu.get_by_role("menuitem", name="Download")).to_be_hidden()  # folders download as a zip
    page.keyboard.press("Escape")

    row(page, "other.txt").get_by_role("cell").nth(3).click(button="right")
    expect(page.get_by_role("menu", name="other.txt")).to_be_visible()
    page.get_by_role("menu", name="other.txt").get_by_role("menuitem", name="Details").click()
    expect(page.get_by_role("menu", name="other.txt")).to_be_hidden()

    link = page.get_by_role("link", name="notes.txt", exact=True)
    for key in ("Shift+F10", "ContextMenu"):
        link.focus()
        page.keyboard.press(key)
        expect(menu).to_be_visible()
        expect(menu.get_by_role("menuitem", name="Open")).to_be_focused()
        page.keyboard.press("Escape")
        expect(menu).to_be_hidden()
        expect(link).to_be_focused()

    # Open and Share stay on the page: they ask the viewer and the share dialog.
    url = page.url
    link.click()
    more.click()
    menu.get_by_role("menuitem", name="Share").click()
    notes = File.objects.get(name="notes.txt").file_id
    other = File.objects.get(name="other.txt").file_id
    assert page.evaluate("window.driveActions") == [
        {"action": "details", "ids": [other], "rows": 1},
        {"action": "open", "ids": [notes], "rows": 1},
        {"action": "share", "ids": [notes], "rows": 1},
    ]
    assert page.url == url

    # Rename in a dialog, in place: the error stays next to the field with what was typed.
    more.click()
    menu.get_by_role("menuitem", name="Rename").click()
    dialog = page.get_by_role("dialog", name="Rename")
    field = dialog.get_by_label("New name")
    expect(field).to_have_value("notes.txt")
    field.fill("other.txt")
    dialog.get_by_role("button", name="Rename").click()
    expect(dialog.locator(".field-error")).to_contain_text("already exists")
    expect(field).to_have_value("other.txt")
    screenshot("rename-error")
    field.fill("zebra.txt")
    field.press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.get_by_role("link", name="zebra.txt", exact=True)).to_be_focused()
    assert File.objects.get(file_id=notes).name == "zebra.txt"
    order = page.locator("table.files tr[data-id]").evaluate_all("rows => rows.map(r => r.dataset.name)")
    assert order == ["Albums", "other.txt", "zebra.txt"]  # in its place by name

    # F2 renames the focused row too.
    page.get_by_role("link", name="other.txt", exact=True).focus()
    page.keyboard.press("F2")
    expect(dialog).to_be_visible()
    expect(field).to_have_value("other.txt")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


@pytest.mark.slow
def test_select_all_n_in_a_folder_bigger_than_a_page_then_trash_and_undo(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    shots = screenshot("signed-in").parent  # the folder's pages are long: shots of the window below
    big = make_folder("Big")
    make_files([f"item-{i:03d}.txt" for i in range(250)], parent=big)
    page.goto(f"{drive_url}/folders/{big}/")
    expect(page.get_by_role("heading", name="Big")).to_be_visible()
    wait_ready(page)
    bar = page.get_by_role("form", name="Selection")
    new = page.get_by_role("button", name="New", exact=True)
    expect(bar).to_be_hidden()
    expect(page.get_by_role("button", name="Move to trash")).to_have_count(0)  # nothing to act on, no button

    page.get_by_role("link", name="item-001.txt", exact=True).focus()
    page.keyboard.press("Space")  # selects the focused row
    expect(page.get_by_label("Select item-001.txt")).to_be_checked()
    expect(bar).to_be_visible()
    expect(new).to_be_hidden()  # the bar takes the toolbar's place
    expect(bar.get_by_role("status")).to_have_text("1 selected")
    header = page.get_by_label("Select all", exact=True)
    assert header.evaluate("box => box.indeterminate") is True
    page.get_by_label("Select item-005.txt").click(modifiers=["Shift"])  # a range
    expect(bar.get_by_role("status")).to_have_text("5 selected")
    for label in ("Download as zip", "Move", "Copy", "Move to trash"):
        expect(bar.get_by_role("button", name=label, exact=True)).to_be_enabled()
    page.screenshot(path=str(shots / "selection-bar.png"))

    header.check()
    expect(bar.get_by_role("status")).to_have_text("200 selected")  # every loaded row
    assert header.evaluate("box => box.indeterminate") is False
    everything = bar.get_by_role("button", name="Select all 250 in this folder")
    expect(everything).to_be_visible()
    everything.click()
    expect(bar.get_by_role("status")).to_have_text("All 250 in this folder selected")
    page.screenshot(path=str(shots / "all-selected.png"))

    # While the trash is under way no button offers to act again.
    held = []
    page.route("**/api/actions/trash", lambda route: held.append(route))
    bar.get_by_role("button", name="Move to trash").click()
    page.wait_for_function("() => document.querySelector('#selection button[value=trash]').disabled")
    for label in ("Download as zip", "Move", "Copy", "Move to trash"):
        expect(bar.get_by_role("button", name=label, exact=True)).to_be_disabled()
    held[0].continue_()
    undo = page.get_by_role("button", name="Undo")
    expect(page.get_by_text("Moved to trash (250)")).to_be_visible()
    assert File.objects.filter(parent_file_id=big, trashed=True).count() == 250  # all, not just the loaded 200
    expect(bar).to_be_hidden()
    expect(new).to_be_visible()
    expect(page.get_by_text("This folder is empty.")).to_be_visible()
    page.screenshot(path=str(shots / "trashed.png"))
    undo.click()
    expect(page.get_by_text("Restored (250)")).to_be_visible()
    assert File.objects.filter(parent_file_id=big, trashed=False).count() == 250
    expect(page.get_by_role("link", name="item-000.txt", exact=True)).to_be_visible()

    page.get_by_label("Select item-002.txt").check()
    bar.get_by_role("button", name="Clear selection").click()
    expect(bar).to_be_hidden()
    expect(page.get_by_label("Select item-002.txt")).not_to_be_checked()


@pytest.mark.slow
def test_drag_rows_onto_a_folder_and_a_breadcrumb_and_undo_the_move(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    holidays = make_folder("Holidays")
    inner = make_folder("Inner", parent=holidays)
    make_files(["a.txt", "b.txt", "c.txt"])
    make_files(["deep.txt"], parent=inner, prefix="d")
    page.reload()
    wait_ready(page)

    row(page, "a.txt").drag_to(row(page, "Holidays"))
    expect(row(page, "a.txt")).to_have_count(0)
    expect(page.get_by_text("Moved (1)")).to_be_visible()
    assert parent_of("a.txt") == holidays
    screenshot("dragged")
    page.get_by_role("button", name="Undo").click()
    expect(row(page, "a.txt")).to_be_visible()  # back in its place, without a reload
    assert parent_of("a.txt") == "root"

    # The selection moves together, whichever of its rows is dragged.
    page.get_by_label("Select a.txt").check()
    page.get_by_label("Select b.txt").check()
    row(page, "b.txt").drag_to(row(page, "Holidays"))
    expect(page.get_by_text("Moved (2)")).to_be_visible()
    assert parent_of("a.txt") == parent_of("b.txt") == holidays
    assert parent_of("c.txt") == "root"
    expect(page.get_by_role("form", name="Selection")).to_be_hidden()

    # Onto a breadcrumb: from Holidays › Inner up to My drive.
    page.goto(f"{drive_url}/folders/{inner}/")
    expect(page.get_by_role("heading", name="Inner")).to_be_visible()
    wait_ready(page)
    crumbs = page.get_by_role("navigation", name="Breadcrumbs")
    row(page, "deep.txt").drag_to(crumbs.get_by_role("link", name="My drive"))
    expect(page.get_by_text("Moved (1)")).to_be_visible()
    assert parent_of("deep.txt") == "root"
    expect(page.get_by_text("This folder is empty.")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(row(page, "deep.txt")).to_be_visible()
    assert parent_of("deep.txt") == inner

    # Trash from the row's menu, and Undo.
    page.get_by_role("button", name="More actions for deep.txt").click()
    page.get_by_role("menuitem", name="Move to trash").click()
    expect(page.get_by_text("Moved to trash (1)")).to_be_visible()
    assert File.objects.get(name="deep.txt").trashed
    page.get_by_role("button", name="Undo").click()
    expect(row(page, "deep.txt")).to_be_visible()
    item = File.objects.get(name="deep.txt")
    assert not item.trashed and item.parent_file_id == inner


@pytest.mark.slow
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_width_rows_on_two_lines_one_more_button_and_bottom_sheets(
    drive_url, alice, chromium, page, screenshot, scheme
):
    sign_in(page, drive_url)
    make_folder("Albums")
    make_files(["a-rather-long-name-for-a-phone-screen-report.pdf", "notes.txt"])
    phone = chromium.new_context(
        viewport={"width": 375, "height": 740}, color_scheme=scheme, storage_state=page.context.storage_state()
    )
    small = phone.new_page()
    small.goto(f"{drive_url}/")
    wait_ready(small)
    shots = screenshot("signed-in").parent
    try:
        notes = row(small, "notes.txt")
        name_box = notes.locator("td.name").bounding_box()
        size_box = notes.locator("td.size").bounding_box()
        date_box = notes.locator("td.modified").bounding_box()
        assert size_box["y"] >= name_box["y"] + name_box["height"] - 1  # size and date under the name
        assert abs(size_box["y"] - date_box["y"]) < 4 and date_box["x"] > size_box["x"]  # on one line
        long_name = row(small, "a-rather-long-name-for-a-phone-screen-report.pdf").locator("td.name")
        assert long_name.bounding_box()["height"] < 40  # one line
        expect(notes.get_by_role("button").filter(visible=True)).to_have_count(1)  # one "More" button
        expect(notes.get_by_role("button", name="More actions for notes.txt")).to_have_css("opacity", "1")
        expect(notes.get_by_role("link", name="Download notes.txt")).to_be_hidden()
        assert small.evaluate("document.documentElement.scrollWidth") <= 376
        small.screenshot(path=str(shots / f"phone-{scheme}.png"), full_page=False)

        small.get_by_role("button", name="More actions for notes.txt").click()
        sheet = small.get_by_role("menu", name="notes.txt")
        expect(sheet).to_be_visible()
        box = sheet.bounding_box()
        assert box["x"] == 0 and round(box["width"]) == 375 and round(box["y"] + box["height"]) == 740
        small.screenshot(path=str(shots / f"phone-sheet-{scheme}.png"))
        small.keyboard.press("Escape")
        expect(sheet).to_be_hidden()

        fab = small.get_by_role("button", name="New", exact=True)
        fab_box = fab.bounding_box()
        assert fab_box["x"] > 375 / 2 and fab_box["y"] > 740 / 2  # floating in the bottom corner
        fab.click()
        new_sheet = small.get_by_role("menu", name="New")
        expect(new_sheet).to_be_visible()
        assert round(new_sheet.bounding_box()["y"] + new_sheet.bounding_box()["height"]) == 740
        small.screenshot(path=str(shots / f"phone-new-{scheme}.png"))
        new_sheet.get_by_role("menuitem", name="New folder").click()
        dialog = small.get_by_role("dialog", name="New folder")
        dialog.get_by_label("Folder name").fill("From the phone")
        dialog.get_by_role("button", name="Create").click()
        expect(small.get_by_role("link", name="From the phone", exact=True)).to_be_visible()
        assert File.objects.filter(name="From the phone", type="folder").exists()
        assert re.fullmatch(r".*/", small.url)
    finally:
        phone.close()


@pytest.mark.slow
def test_move_and_copy_choose_a_folder_in_a_dialog_and_move_undoes(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    holidays = make_folder("Holidays")
    inner = make_folder("Inner", parent=holidays)
    make_files(["a.txt", "b.txt"])
    page.reload()
    wait_ready(page)

    more = page.get_by_role("button", name="More actions for a.txt")
    more.click()
    page.get_by_role("menuitem", name="Move", exact=True).click()
    chooser = page.get_by_role("dialog", name="Move to…")
    expect(chooser).to_be_visible()
    here = chooser.get_by_role("button", name="Move here")
    expect(here).to_be_disabled()  # a.txt is here already
    chooser.get_by_role("button", name="Holidays").click()
    expect(chooser.get_by_role("button", name="Inner")).to_be_visible()
    expect(here).to_be_enabled()
    screenshot("move-dialog")
    chooser.get_by_role("button", name="Inner").click()
    expect(chooser.get_by_text("No folders here.")).to_be_visible()
    chooser.get_by_role("navigation", name="Folder path").get_by_role("button", name="Holidays").click()
    expect(chooser.get_by_role("button", name="Inner")).to_be_visible()
    here.click()
    expect(chooser).to_be_hidden()
    expect(page.get_by_text("Moved (1)")).to_be_visible()
    expect(row(page, "a.txt")).to_have_count(0)
    assert parent_of("a.txt") == holidays
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Moved back (1)")).to_be_visible()
    expect(row(page, "a.txt")).to_be_visible()
    assert parent_of("a.txt") == "root"

    # A folder cannot go into itself: its own row is not offered.
    page.get_by_role("button", name="More actions for Holidays").click()
    page.get_by_role("menuitem", name="Move", exact=True).click()
    expect(chooser.get_by_role("button", name="Holidays")).to_have_count(0)
    chooser.get_by_role("button", name="Cancel").click()
    expect(chooser).to_be_hidden()
    assert parent_of("Holidays") == "root"

    # Copy the selection from the selection bar; copies into this folder appear in place.
    page.get_by_label("Select a.txt").check()
    page.get_by_label("Select b.txt").check()
    page.get_by_role("form", name="Selection").get_by_role("button", name="Copy", exact=True).click()
    copier = page.get_by_role("dialog", name="Copy to…")
    copier.get_by_role("button", name="Holidays").click()
    copier.get_by_role("button", name="Inner").click()
    copier.get_by_role("button", name="Copy here").click()
    expect(page.get_by_text("Copied (2)")).to_be_visible()
    assert sorted(File.objects.filter(parent_file_id=inner).values_list("name", flat=True)) == ["a.txt", "b.txt"]
    assert parent_of_all("a.txt") == {"root", inner}
    page.get_by_role("button", name="More actions for b.txt").click()
    page.get_by_role("menuitem", name="Copy", exact=True).click()
    copier.get_by_role("button", name="Copy here").click()  # into the folder it is in: a second one
    expect(page.get_by_text("Copied (1)")).to_be_visible()
    expect(page.locator("table.files tr[data-id]")).to_have_count(4)
    assert File.objects.filter(parent_file_id="root", type="file").count() == 3


def parent_of_all(name: str) -> set[str]:
    return set(File.objects.filter(name=name).values_list("parent_file_id", flat=True))


# What client-side navigation does (the uploads module): another folder's #listing in place of
# this one's, then drive:navigated.
SWAP_LISTING = """async (url) => {
    const html = await (await fetch(url)).text();
    const fresh = new DOMParser().parseFromString(html, "text/html").getElementById("listing");
    const listing = document.getElementById("listing");
    listing.replaceChildren(...fresh.childNodes);
    listing.dataset.folderId = fresh.dataset.folderId;
    document.dispatchEvent(new CustomEvent("drive:navigated", {detail: {folderId: fresh.dataset.folderId}}));
}"""


@pytest.mark.slow
def test_the_actions_work_after_another_folder_is_put_in_place(drive_url, alice, page):
    sign_in(page, drive_url)
    holidays = make_folder("Holidays")
    make_files(["beach.txt"], parent=holidays)
    page.reload()
    wait_ready(page)
    page.get_by_label("Select Holidays").check()
    expect(page.get_by_role("form", name="Selection")).to_be_visible()
    page.evaluate(SWAP_LISTING, f"{drive_url}/folders/{holidays}/")
    expect(page.get_by_role("heading", name="Holidays")).to_be_visible()
    expect(page.get_by_role("form", name="Selection")).to_be_hidden()  # a new folder, nothing selected

    page.get_by_role("button", name="New", exact=True).click()
    page.get_by_role("menuitem", name="New folder").click()
    page.get_by_role("dialog", name="New folder").get_by_label("Folder name").fill("Day 1")
    page.get_by_role("dialog", name="New folder").get_by_role("button", name="Create").click()
    expect(page.get_by_role("link", name="Day 1", exact=True)).to_be_visible()
    assert parent_of("Day 1") == holidays  # made in the folder shown, not the first one

    page.get_by_role("button", name="More actions for beach.txt").click()
    page.get_by_role("menuitem", name="Move to trash").click()
    expect(page.get_by_text("Moved to trash (1)")).to_be_visible()
    assert File.objects.get(name="beach.txt").trashed
    page.get_by_role("button", name="Undo").click()
    expect(row(page, "beach.txt")).to_be_visible()
    assert not File.objects.get(name="beach.txt").trashed


@pytest.mark.slow
def test_select_all_past_the_limit_is_refused_plainly_and_dragging_all_moves_all(
    drive_url, alice, page, screenshot, monkeypatch
):
    sign_in(page, drive_url)
    big = make_folder("Big")
    into = make_folder("Into", parent=big)  # "I" sorts before "i": the first row
    make_files([f"item-{i:03d}.txt" for i in range(250)], parent=big)
    monkeypatch.setattr(services, "MAX_ALL", 251)  # the live server runs in this process
    page.goto(f"{drive_url}/folders/{big}/")
    wait_ready(page)
    bar = page.get_by_role("form", name="Selection")
    header = page.get_by_label("Select all", exact=True)
    header.check()
    expect(bar.get_by_role("status")).to_have_text("200 selected")
    bar.get_by_role("button", name="Select all 251 in this folder").click()
    status = bar.get_by_role("status")
    expect(status).to_have_text("All 251 in this folder selected")
    expect(status).to_be_focused()  # said at once to a screen reader

    # The folder grew past the limit meanwhile: refused before anything is done, and said.
    monkeypatch.setattr(services, "MAX_ALL", 250)
    bar.get_by_role("button", name="Move to trash").click()
    message = "This folder holds more than 250 items: move or trash the folder itself, or select fewer."
    expect(page.get_by_text(message)).to_be_visible()
    assert not File.objects.filter(trashed=True).exists()

    # Past the limit, "select all" says so up front.
    page.reload()
    wait_ready(page)
    header.check()
    offer = bar.get_by_role("button", name="Select all 251 in this folder")
    expect(offer).to_have_attribute("aria-disabled", "true")
    note = bar.get_by_text("At most 250 at once: move or trash the folder itself.")
    expect(note).to_be_visible()
    assert offer.get_attribute("aria-describedby") == note.get_attribute("id")
    screenshot("select-all-over-the-limit")
    offer.focus()
    page.keyboard.press("Enter")
    expect(status).to_have_text("200 selected")

    # Dragging rows while "all" is selected moves all of them, into the folder dropped on.
    monkeypatch.setattr(services, "MAX_ALL", 10_000)
    page.reload()
    wait_ready(page)
    header.check()
    bar.get_by_role("button", name="Select all 251 in this folder").click()
    expect(status).to_have_text("All 251 in this folder selected")
    row(page, "item-001.txt").drag_to(row(page, "Into"))
    expect(page.get_by_text("Moved (250)")).to_be_visible()
    assert File.objects.filter(parent_file_id=into).count() == 250
    assert parent_of("Into") == big


@pytest.mark.slow
def test_an_undo_toast_stays_while_hovered_or_focused(drive_url, alice, page):
    sign_in(page, drive_url)
    make_files(["a.txt", "b.txt"])
    page.clock.install()
    page.reload()
    wait_ready(page)
    page.get_by_role("button", name="More actions for a.txt").click()
    page.get_by_role("menuitem", name="Move to trash").click()
    news = page.locator(".toast").filter(has_text="Moved to trash (1)")
    expect(news).to_be_visible()
    expect(page.get_by_role("status").filter(has=news)).to_have_count(1)  # announced
    page.clock.run_for(10_000)  # past a plain toast's 8 s
    expect(news).to_be_visible()
    news.hover()
    page.clock.run_for(60_000)
    expect(news).to_be_visible()
    page.mouse.move(0, 0)
    news.get_by_role("button", name="Undo").focus()
    page.clock.run_for(60_000)
    expect(news).to_be_visible()
    page.get_by_role("link", name="b.txt", exact=True).focus()
    page.clock.run_for(21_000)
    expect(news).to_have_count(0)


# 150 files through the uploads tray (static/js/tray.js), as upload.js reports them.
TRAY_MANY = """async () => {
    const script = document.querySelector('script[src*="upload"]');
    const tray = await import(new URL("tray.js", script.src).href);
    const lines = () => document.querySelectorAll("#upload-list li.upload-item").length;
    const tasks = Array.from({length: 150}, (_, i) => ({
        file: {size: 1000}, name: `f${i}.bin`, done: 0, inFlight: new Map(), state: "waiting", started: 0}));
    for (const task of tasks) tray.trayAdd(task, () => {});
    const added = {lines: lines(), more: document.querySelector(".upload-more")?.textContent};
    for (const task of tasks) { task.state = "done"; tray.trayRender(task); }
    tray.trayFinished();
    return {added, lines: lines(), more: document.querySelector(".upload-more")?.textContent,
            title: document.getElementById("upload-title").textContent,
            last: [...document.querySelectorAll("#upload-list .upload-name")].at(-1).textContent};
}"""


@pytest.mark.slow
def test_the_uploads_tray_shows_the_latest_lines_and_counts_the_rest(drive_url, alice, page):
    sign_in(page, drive_url)
    shown = page.evaluate(TRAY_MANY)
    assert shown["added"] == {"lines": 100, "more": "and 50 more"}
    assert shown["lines"] == 100 and shown["more"] == "and 50 more"
    assert shown["title"] == "150 uploads complete" and shown["last"] == "f149.bin"


# Rows put in place (rows.js) never grow the DOM past its bound, however many come.
ROWS_MANY = """async () => {
    const script = document.querySelector('script[src*="folder-actions"]');
    const rows = await import(new URL("rows.js", script.src).href);
    const name = (i) => `z-${String(i).padStart(4, "0")}.txt`;
    const html = Array.from({length: 1500}, (_, i) =>
        `<tr data-id="x${i}" data-type="file" data-name="${name(i)}"><td class="name"><a href="#">z</a></td></tr>`
    ).join("");
    const inserted = rows.insertRows(rows.parseRows(html)).length;
    const loaded = rows.allRows().length;
    rows.removeRows(Array.from({length: 1500}, (_, i) => `x${i}`));
    return {bound: rows.MAX_LOADED_ROWS, inserted, loaded, left: rows.allRows().map((row) => row.dataset.name)};
}"""


@pytest.mark.slow
def test_rows_put_in_place_stop_at_the_bound(drive_url, alice, page):
    sign_in(page, drive_url)
    make_files(["a.txt", "b.txt"])
    page.reload()
    wait_ready(page)
    shown = page.evaluate(ROWS_MANY)
    assert shown["bound"] == 1200 and shown["loaded"] == 1200 and shown["inserted"] == 1198
    assert shown["left"] == ["a.txt", "b.txt"]
