"""Uploads on the folder page in Chromium: what finishes appears in the list in the server's
order without a reload, the tray collapses, expands and stays while folders change without
a page load (Back and Forward included), and files dropped on a folder's row go into it."""

from __future__ import annotations

import os
import re
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from accounts.models import Credential
from pds_server.models import Drive, File
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import UPLOAD_TIMEOUT_MS, sign_in
from tests.factories import listing_entries

MiB = 1024 * 1024
DROP_TARGET = re.compile(r"\bis-drop-target\b")
DROPPING = re.compile(r"\bdropping\b")
ROW_NAMES = (
    "() => [...document.querySelectorAll('#listing table.files tbody tr[data-id]')].map((row) => row.dataset.name)"
)


def make_item(name: str, *, kind: str = "file", size: int = 0, parent: str = "root", age_minutes: int = 0) -> File:
    """A file or folder in Alice's drive, straight in the PDS's database (no bytes: the list only shows it)."""
    drive = Drive.objects.get(pk=int(Credential.objects.get().default_drive_id))
    moment = timezone.now() - timedelta(minutes=age_minutes)
    return File.objects.create(
        file_id=uuid.uuid4().hex,
        drive=drive,
        parent_file_id=parent,
        name=name,
        type=kind,
        size=size,
        category="" if kind == "folder" else "doc",
        created_at=moment,
        updated_at=moment,
    )


def expect_rows(page, names: list[str]) -> None:
    """The loaded rows are these, in this order (rows arrive a moment after their upload ends)."""
    try:
        page.wait_for_function(f"expected => JSON.stringify(({ROW_NAMES})()) === JSON.stringify(expected)", arg=names)
    except PlaywrightTimeoutError:
        raise AssertionError(f"rows {page.evaluate(ROW_NAMES)}, expected {names}") from None


def files_of(tmp_path, sizes: dict[str, int]) -> list[str]:
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        path.write_bytes(os.urandom(size))
        paths.append(str(path))
    return paths


def mark_document(page) -> None:
    """A flag that only this document has: a page load would lose it."""
    page.evaluate("window.sameDocument = true")


def assert_same_document(page) -> None:
    assert page.evaluate("window.sameDocument === true"), "the page was loaded again"


@pytest.mark.slow
def test_uploaded_files_appear_in_the_list_in_sort_order_without_a_reload(drive_url, alice, page, screenshot, tmp_path):
    sign_in(page, drive_url)
    make_item("Album", kind="folder")
    make_item("b.txt", size=5, age_minutes=30)
    make_item("d.txt", size=50, age_minutes=20)
    page.goto(f"{drive_url}/?sort=name&dir=asc")
    wait_ready(page)
    mark_document(page)

    # Names in the PDS's order, code point by code point: "Zoo.txt" before "a.txt".
    page.set_input_files("#upload-files", files_of(tmp_path, {"e.txt": 100, "Zoo.txt": 2, "a.txt": 1, "c.txt": 20}))
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect_rows(page, ["Album", "Zoo.txt", "a.txt", "b.txt", "c.txt", "d.txt", "e.txt"])
    assert_same_document(page)
    screenshot("in-name-order")

    # By size, largest first (a folder's size is 0).
    page.goto(f"{drive_url}/?sort=size&dir=desc")
    wait_ready(page)
    mark_document(page)
    with page.expect_file_chooser() as chooser:  # the New menu opens the file picker
        page.get_by_role("button", name="New", exact=True).click()
        page.get_by_role("menuitem", name="Upload files").click()
    assert chooser.value.is_multiple()
    chooser.value.set_files(files_of(tmp_path, {"mid.bin": 30}))
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect_rows(page, ["e.txt", "d.txt", "mid.bin", "c.txt", "b.txt", "Zoo.txt", "a.txt", "Album"])

    # Replacing a file replaces its row.
    (tmp_path / "c.txt").write_bytes(os.urandom(60))
    page.set_input_files("#upload-files", [str(tmp_path / "c.txt")])
    page.get_by_role("dialog", name="A file with this name exists").get_by_role("button", name="Replace").click()
    expect_rows(page, ["e.txt", "c.txt", "d.txt", "mid.bin", "b.txt", "Zoo.txt", "a.txt", "Album"])
    assert_same_document(page)
    screenshot("in-size-order")


@pytest.mark.slow
def test_an_empty_folder_shows_its_first_upload(drive_url, alice, page, screenshot, tmp_path):
    sign_in(page, drive_url)
    mark_document(page)
    expect(page.get_by_text("Your drive is empty.")).to_be_visible()
    page.set_input_files("#upload-files", files_of(tmp_path, {"first.txt": 10, "second.txt": 10}))
    expect_rows(page, ["first.txt", "second.txt"])
    expect(page.get_by_text("Your drive is empty.")).to_be_hidden()
    assert_same_document(page)


@pytest.mark.slow
def test_the_tray_collapses_expands_and_keeps_going_across_folder_navigation(
    drive_url, alice, page, screenshot, tmp_path
):
    sign_in(page, drive_url)
    inner = make_item("Inner", kind="folder")
    make_item("inside.txt", size=3, parent=inner.file_id)
    page.reload()
    wait_ready(page)
    mark_document(page)
    held, released = [], []

    def hold(route):  # parts wait until let through, as on a slow network
        if released:
            route.continue_()
        else:
            held.append(route)

    page.route("**/api/uploads/*/*/parts/*", hold)
    page.set_input_files("#upload-files", files_of(tmp_path, {"big.bin": 20 * MiB}))
    tray = page.get_by_role("region", name="Uploads")
    expect(tray.get_by_role("heading", name="Uploading 1 item")).to_be_visible()
    details = tray.get_by_role("button", name="Upload details")
    expect(details).to_have_attribute("aria-expanded", "true")
    expect(tray.get_by_role("button", name="Cancel big.bin")).to_be_visible()
    screenshot("tray-open")
    page.emulate_media(color_scheme="dark")
    screenshot("tray-open-dark")
    page.emulate_media(color_scheme="light")

    details.click()
    expect(details).to_have_attribute("aria-expanded", "false")
    expect(tray.get_by_role("button", name="Cancel big.bin")).to_be_hidden()
    expect(tray.get_by_role("progressbar", name="All uploads")).to_be_visible()
    expect(tray.get_by_role("button", name="Close uploads")).to_be_hidden()  # not while uploading
    screenshot("tray-collapsed")

    # Into a folder and back, without a page load: the upload goes on, the tray stays.
    page.get_by_role("link", name="Inner", exact=True).click()
    expect(page.get_by_role("heading", name="Inner")).to_be_focused()
    assert page.url == f"{drive_url}/folders/{inner.file_id}/"
    assert page.title().startswith("Inner")
    expect(page.get_by_role("link", name="inside.txt", exact=True)).to_be_visible()
    expect(tray.get_by_role("heading", name="Uploading 1 item")).to_be_visible()
    expect(details).to_have_attribute("aria-expanded", "false")
    assert_same_document(page)
    screenshot("tray-in-subfolder")
    details.click()
    expect(tray.get_by_role("button", name="Cancel big.bin")).to_be_visible()
    # Chosen here, a file goes into the folder shown now, not the one the page was loaded with.
    page.set_input_files("#upload-files", files_of(tmp_path, {"inner.txt": 10}))
    expect(tray.get_by_role("heading", name="Uploading 2 items")).to_be_visible()
    page.get_by_role("navigation", name="Breadcrumbs").get_by_role("link", name="My drive").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_focused()
    assert page.url == f"{drive_url}/"
    assert_same_document(page)

    assert held, "no part was sent"
    released.append(True)
    for route in held:
        route.continue_()
    expect(tray.get_by_role("heading", name="2 uploads complete")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect_rows(page, ["Inner", "big.bin"])  # big.bin went into My drive, shown there; inner.txt did not
    assert File.objects.get(name="big.bin").size == 20 * MiB
    assert File.objects.get(name="inner.txt").parent_file_id == inner.file_id
    screenshot("tray-done")
    tray.get_by_role("button", name="Close uploads").click()
    expect(tray).to_be_hidden()
    assert_same_document(page)


@pytest.mark.slow
def test_back_and_forward_after_client_navigation_and_scrolling_still_loads_pages(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    many = make_item("Many", kind="folder")
    drive = Drive.objects.get(pk=int(Credential.objects.get().default_drive_id))
    listing_entries(drive, [f"item-{i:03d}.txt" for i in range(450)], parent_id=many.file_id, category="")
    page.goto(f"{drive_url}/?sort=name&dir=asc")
    wait_ready(page)
    mark_document(page)
    page.get_by_role("link", name="Many", exact=True).click()
    expect(page.get_by_role("heading", name="Many")).to_be_visible()
    expect(page.get_by_role("link", name="item-000.txt", exact=True)).to_be_visible()
    for _ in range(20):  # pages of 200 come as the list scrolls
        if page.get_by_role("link", name="item-449.txt", exact=True).count():
            break
        before = page.evaluate("document.querySelectorAll('tr[data-id]').length")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(
            "before => document.querySelectorAll('tr[data-id]').length !== before || "
            "document.querySelector('tr[data-name=\"item-449.txt\"]')",
            arg=before,
        )
    expect(page.get_by_role("link", name="item-449.txt", exact=True)).to_be_visible()

    page.go_back()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    assert page.url == f"{drive_url}/?sort=name&dir=asc"
    expect(page.get_by_role("link", name="Many", exact=True)).to_be_visible()
    page.go_forward()
    expect(page.get_by_role("heading", name="Many")).to_be_visible()
    assert page.url == f"{drive_url}/folders/{many.file_id}/"
    expect(page.get_by_role("link", name="item-000.txt", exact=True)).to_be_visible()
    assert_same_document(page)
    screenshot("forward-again")

    # The main navigation's "My drive" too.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My drive").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_focused()
    assert page.url == f"{drive_url}/" and page.title().startswith("My drive")
    assert_same_document(page)

    # When the folder cannot be fetched in the page, the browser loads it as a page.
    page.route(
        f"**/folders/{many.file_id}/",
        lambda route: route.abort() if route.request.headers.get("x-requested-with") == "fetch" else route.continue_(),
    )
    page.get_by_role("link", name="Many", exact=True).click()
    expect(page.get_by_role("heading", name="Many")).to_be_visible()
    wait_ready(page)
    assert page.url == f"{drive_url}/folders/{many.file_id}/"
    assert not page.evaluate("window.sameDocument === true")


@pytest.mark.slow
def test_dropping_files_onto_a_folder_row_uploads_into_that_folder(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    inbox = make_item("Inbox", kind="folder")
    page.reload()
    wait_ready(page)
    row = page.locator("#listing tr[data-type=folder][data-name=Inbox]")

    # Rows dragged within the page (a move) are not an upload: no highlight.
    moving = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.setData("application/x-drive-ids", JSON.stringify(["x"]));
        return transfer;
    }""")
    row.dispatch_event("dragover", {"dataTransfer": moving})
    expect(row).not_to_have_class(DROP_TARGET)
    expect(page.locator("main")).not_to_have_class(DROPPING)

    transfer = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
        return transfer;
    }""")
    page.dispatch_event("main", "dragover", {"dataTransfer": transfer})
    expect(page.locator("main")).to_have_class(DROPPING)  # the folder shown takes it
    expect(row).not_to_have_class(DROP_TARGET)
    row.dispatch_event("dragover", {"dataTransfer": transfer})
    expect(row).to_have_class(DROP_TARGET)  # this folder takes it
    expect(page.locator("main")).not_to_have_class(DROPPING)
    screenshot("dragging-over-a-folder")
    row.dispatch_event("drop", {"dataTransfer": transfer})
    expect(row).not_to_have_class(DROP_TARGET)
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    dropped = File.objects.get(name="dropped.txt")
    assert dropped.parent_file_id == inbox.file_id and dropped.size == len("dropped bytes")
    expect_rows(page, ["Inbox"])  # not shown in My drive: it went into Inbox
    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.get_by_role("link", name="dropped.txt", exact=True)).to_be_visible()


def test_a_big_file_goes_up_in_fewer_bigger_parts(drive_url, alice, page, tmp_path):
    """8 MiB parts up to 128 MiB; above, 16 parts of whole MiB, up to 64 MiB each (the cost of
    a part: static/js/upload.js). The create call is answered here, so no byte is sent."""
    sign_in(page, drive_url)
    wait_ready(page)
    asked: dict[str, int] = {}

    def create(route):
        if route.request.method != "POST":
            route.continue_()
            return
        body = route.request.post_data_json
        asked[body["name"]] = body["part_count"]
        route.fulfill(status=400, json={"error": "Stopped by the test."})

    page.route("**/api/uploads", create)
    sizes = {"small.bin": 20 * MiB, "edge.bin": 128 * MiB, "big.bin": 200 * MiB, "huge.bin": 2048 * MiB + 1}
    paths = []
    for name, size in sizes.items():
        path = tmp_path / name
        with path.open("wb") as handle:
            handle.truncate(size)  # sparse: nothing of it is read but its first KiB
        paths.append(str(path))
    page.set_input_files("#upload-files", paths)
    expect(page.get_by_text("Stopped by the test.")).to_have_count(len(sizes))
    # 8 MiB parts; 8 MiB at 128 MiB; 13 MiB parts (200/16 rounded up); 64 MiB parts (the cap).
    assert asked == {"small.bin": 3, "edge.bin": 16, "big.bin": 16, "huge.bin": 33}, asked
