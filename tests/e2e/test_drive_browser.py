"""A person uses the drive in Chromium: folders, uploads (parts, progress, instant upload,
resume after a reload), download, rename, move, trash, restore and search."""

from __future__ import annotations

import hashlib
import os
import re

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from pds_server.models import File
from tests.e2e.pages import wait_ready
from tests.factories import listing_entries

MiB = 1024 * 1024
# Uploads cross the browser, Drive and the PDS on one machine: allow them longer than a click.
UPLOAD_TIMEOUT_MS = 90_000
FIRST_ROW = "table.files tr[data-id]"
LAST_ROW = "table.files tbody:last-of-type tr[data-id]:last-child"


def sign_in(page, drive_url: str) -> None:
    page.goto(f"{drive_url}/")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()
    wait_ready(page)


@pytest.fixture
def payloads(tmp_path):
    from PIL import Image

    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(20 * MiB))
    small = tmp_path / "notes.txt"
    small.write_text("hello from the browser\n")
    photo = tmp_path / "photo.png"
    Image.new("RGB", (320, 200), (40, 120, 200)).save(photo)
    return {"big": big, "small": small, "photo": photo}


@pytest.mark.slow
def test_folders_uploads_instant_upload_download_and_management(drive_url, alice, page, screenshot, payloads):
    sign_in(page, drive_url)
    screenshot("empty-drive")

    page.get_by_role("button", name="New", exact=True).click()
    page.get_by_role("menuitem", name="New folder").click()
    page.get_by_role("dialog", name="New folder").get_by_label("Folder name").fill("Holidays")
    page.get_by_role("dialog", name="New folder").get_by_role("button", name="Create").click()
    expect(page.get_by_role("link", name="Holidays", exact=True)).to_be_visible()
    page.get_by_role("link", name="Holidays", exact=True).click()
    expect(page.get_by_role("heading", name="Holidays")).to_be_visible()
    wait_ready(page)
    screenshot("folder")

    page.set_input_files("#upload-files", [str(payloads["small"]), str(payloads["photo"]), str(payloads["big"])])
    uploads = page.get_by_role("region", name="Uploads")
    expect(uploads).to_be_visible()
    expect(page.locator("#upload-list progress").first).to_be_visible()
    screenshot("uploading")
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(uploads.get_by_text("Uploaded", exact=True)).to_have_count(3)
    screenshot("uploaded")
    for name in ("notes.txt", "photo.png", "big.bin"):  # in the list without a reload
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    # The same 20 MiB again, into the drive's top folder: instant, no bytes sent.
    page.goto(f"{drive_url}/")
    wait_ready(page)
    parts_sent = []
    page.on(
        "request",
        lambda request: (
            parts_sent.append(request.url) if "/parts/" in request.url and request.method == "PUT" else None
        ),
    )
    page.set_input_files("#upload-files", [str(payloads["big"])])
    expect(page.get_by_text("Uploaded instantly (already in your drive)")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    assert parts_sent == []
    screenshot("instant")

    # Download and compare the bytes.
    page.goto(f"{drive_url}/")
    wait_ready(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download big.bin").click()
    assert open(download.value.path(), "rb").read() == payloads["big"].read_bytes()

    # Rename (the row's menu, a dialog), search, move into the folder, trash and restore.
    page.get_by_role("button", name="More actions for big.bin").click()
    page.get_by_role("menuitem", name="Rename").click()
    page.get_by_label("New name").fill("bigger.bin")
    page.get_by_role("dialog", name="Rename").get_by_role("button", name="Rename").click()
    expect(page.get_by_role("link", name="bigger.bin", exact=True)).to_be_visible()
    assert File.objects.filter(name="bigger.bin").exists()
    page.get_by_label("Search").fill("bigg")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_role("link", name="bigger.bin", exact=True)).to_be_visible()
    screenshot("search")
    page.goto(f"{drive_url}/")
    wait_ready(page)
    page.get_by_label("Select bigger.bin").check()
    page.get_by_role("form", name="Selection").get_by_role("button", name="Move", exact=True).click()
    chooser = page.get_by_role("dialog", name="Move to…")
    chooser.get_by_role("button", name="Holidays").click()
    chooser.get_by_role("button", name="Move here").click()
    expect(page.get_by_text("Moved (1)")).to_be_visible()
    expect(page.get_by_role("link", name="bigger.bin", exact=True)).to_have_count(0)  # gone from the list in place
    assert File.objects.get(name="bigger.bin").parent_file_id == File.objects.get(name="Holidays").file_id
    page.get_by_label("Select Holidays").check()
    page.get_by_role("form", name="Selection").get_by_role("button", name="Move to trash").click()
    expect(page.get_by_text("Your drive is empty.")).to_be_visible()
    assert File.objects.get(name="Holidays").trashed
    page.get_by_role("link", name="Trash").click()
    page.get_by_label("Select Holidays").check()
    page.get_by_role("button", name="Restore").click()
    page.get_by_role("link", name="My drive").first.click()
    expect(page.get_by_role("link", name="Holidays", exact=True)).to_be_visible()
    screenshot("restored")


@pytest.mark.slow
def test_a_reload_in_the_middle_of_an_upload_resumes_it(drive_url, alice, page, screenshot, payloads):
    sign_in(page, drive_url)
    stored = []

    def hold_later_parts(route):
        # Part 1 goes through; the others fail until the page reloads, as on a dropped network.
        if re.search(r"/parts/1$", route.request.url):
            route.continue_()
        else:
            route.abort()

    page.route("**/api/uploads/*/*/parts/*", hold_later_parts)
    page.on("requestfinished", lambda request: stored.append(request.url) if request.url.endswith("/parts/1") else None)
    try:
        with page.expect_request_finished(lambda request: request.url.endswith("/parts/1"), timeout=UPLOAD_TIMEOUT_MS):
            page.set_input_files("#upload-files", [str(payloads["big"])])
    except PlaywrightTimeoutError:
        pass  # said by the assertion below
    assert stored, "part 1 never arrived"
    screenshot("interrupted")
    resumed_parts, listings = [], []

    def after_reload(request):
        if "/parts/" in request.url and request.method == "PUT":
            resumed_parts.append(request.url.rsplit("/", 1)[1])
        elif request.url.endswith("/parts") and request.method == "GET":
            listings.append(request.url)

    page.on("request", after_reload)
    page.reload()  # parts 2 and 3 are still failing: the old page never sent them
    wait_ready(page)
    page.unroute("**/api/uploads/*/*/parts/*")  # the network is back
    expect(page.get_by_text("Uploaded", exact=True)).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="big.bin", exact=True)).to_be_visible()  # and in the list
    screenshot("resumed")
    # The new page asked what was stored and sent only what was missing. Not "exactly 2 and
    # 3": on a busy machine a retry the old page sent just before the reload can still be
    # held in the route when it is lifted, and it then reaches the server (seen in CI).
    assert listings, "the reloaded page never asked which parts were stored"
    assert "1" not in resumed_parts and set(resumed_parts) <= {"2", "3"}
    item = File.objects.get(name="big.bin")
    assert item.status == "available" and item.size == 20 * MiB
    assert item.content_hash == hashlib.sha1(payloads["big"].read_bytes()).hexdigest().upper()


@pytest.mark.slow
def test_a_password_protected_share_opens_in_a_fresh_browser(drive_url, alice, chromium, page, screenshot, payloads):
    sign_in(page, drive_url)
    page.set_input_files("#upload-files", [str(payloads["small"])])
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="notes.txt", exact=True)).to_be_visible()  # in the list without a reload
    from tests.e2e.test_viewer_share_browser import row_action

    row_action(page, "notes.txt", "Share")  # the row's "More actions" menu, then the share dialog
    dialog = page.get_by_role("dialog", name="Share “notes.txt”")
    dialog.get_by_label("Password", exact=True).fill("tulip")
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.get_by_label("Link", exact=True)).to_have_value(re.compile(r"/s/[\w-]+$"))
    link = dialog.get_by_label("Link", exact=True).input_value()
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_text("Copied")).to_be_visible()
    screenshot("share-created")
    dialog.get_by_role("button", name="Close").click()

    stranger = chromium.new_context()
    visitor = stranger.new_page()
    visitor.goto(link)
    wait_ready(visitor)
    expect(visitor.get_by_text("protected by a password")).to_be_visible()
    visitor.get_by_label("Password").fill("wrong")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("alert")).to_have_text("That password is not right.")
    visitor.get_by_label("Password").fill("tulip")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("link", name="notes.txt")).to_be_visible()
    visitor.screenshot(path=str(screenshot("share-owner-view").parent / "share-visitor.png"))
    with visitor.expect_download() as download:
        visitor.get_by_role("link", name="notes.txt").click()
    assert open(download.value.path(), "rb").read() == payloads["small"].read_bytes()
    stranger.close()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="My shares").click()
    page.get_by_role("button", name="Cancel link notes.txt").click()
    expect(page.get_by_text("The link no longer works.")).to_be_visible()


@pytest.mark.slow
def test_a_folder_of_10000_entries_opens_and_scrolls_with_few_rows_in_the_page(drive_url, alice, page, screenshot):

    from accounts.models import Credential
    from pds_server.models import Drive

    sign_in(page, drive_url)
    drive = Drive.objects.get(pk=int(Credential.objects.get().default_drive_id))
    listing_entries(drive, [f"item-{i:05d}.txt" for i in range(10_000)])
    page.goto(f"{drive_url}/?sort=name&dir=asc")
    expect(page.get_by_role("link", name="item-00000.txt", exact=True)).to_be_visible()
    wait_ready(page)
    most_rows = 0
    for _ in range(200):
        if page.get_by_role("link", name="item-09999.txt", exact=True).count():
            break
        before = page.locator("tr[data-id]").last.get_attribute("data-name")
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function(f"name => document.querySelector('{LAST_ROW}').dataset.name !== name", arg=before)
        most_rows = max(most_rows, page.locator("tr[data-id]").count())
    expect(page.get_by_role("link", name="item-09999.txt", exact=True)).to_be_visible()
    screenshot("bottom-of-10000")
    assert most_rows <= 1000, f"{most_rows} rows in the page"  # 5 pages of 200, whatever the folder's size
    for _ in range(200):
        if page.get_by_role("link", name="item-00000.txt", exact=True).count():
            break
        before = page.locator("tr[data-id]").first.get_attribute("data-name")
        page.evaluate("window.scrollTo(0, 0)")
        page.wait_for_function(f"name => document.querySelector('{FIRST_ROW}').dataset.name !== name", arg=before)
    expect(page.get_by_role("link", name="item-00000.txt", exact=True)).to_be_visible()


@pytest.mark.slow
def test_folder_upload_recreates_the_tree_and_files_can_be_dropped(drive_url, alice, page, screenshot, tmp_path):
    tree = tmp_path / "Trip"
    (tree / "Day 1").mkdir(parents=True)
    (tree / "Day 1" / "beach.txt").write_text("sand")
    (tree / "notes.txt").write_text("plan")
    sign_in(page, drive_url)
    page.set_input_files("#upload-folder", str(tree))
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="Trip", exact=True)).to_be_visible()  # the new folder, in the list
    trip = File.objects.get(name="Trip", type="folder")
    day = File.objects.get(name="Day 1", type="folder")
    assert day.parent_file_id == trip.file_id
    assert File.objects.get(name="beach.txt").parent_file_id == day.file_id
    assert File.objects.get(name="notes.txt").parent_file_id == trip.file_id

    # Drop a file on the page, as dragging it from the desktop does.
    page.goto(f"{drive_url}/")
    wait_ready(page)
    transfer = page.evaluate_handle("""() => {
        const transfer = new DataTransfer();
        transfer.items.add(new File(["dropped bytes"], "dropped.txt", { type: "text/plain" }));
        return transfer;
    }""")
    page.dispatch_event("main", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("main", "drop", {"dataTransfer": transfer})
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="dropped.txt", exact=True)).to_be_visible()
    screenshot("dropped")
    assert File.objects.get(name="dropped.txt").size == len("dropped bytes")


@pytest.mark.slow
def test_name_conflicts_and_the_keyboard(drive_url, alice, page, screenshot, payloads):
    sign_in(page, drive_url)
    page.set_input_files("#upload-files", [str(payloads["small"])])
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    page.reload()
    wait_ready(page)
    page.set_input_files("#upload-files", [str(payloads["small"])])
    dialog = page.get_by_role("dialog", name="A file with this name exists")
    expect(dialog).to_be_visible()
    screenshot("conflict")
    dialog.get_by_role("button", name="Keep both").click()
    expect(page.locator("#upload-done")).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    names = set(File.objects.filter(type="file").values_list("name", flat=True))
    renamed = (names - {"notes.txt"}).pop()
    assert "notes.txt" in names and renamed.startswith("notes_") and renamed.endswith(".txt")

    page.reload()  # sorted by name: notes.txt, then notes_<time>.txt
    wait_ready(page)
    page.get_by_role("link", name="notes.txt", exact=True).focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("link", name=renamed, exact=True)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(page.get_by_role("link", name="notes.txt", exact=True)).to_be_focused()
    page.keyboard.press("F2")
    expect(page.get_by_label("New name")).to_have_value("notes.txt")
    page.keyboard.press("Escape")  # the rename dialog closes, focus back on the row
    expect(page.get_by_role("link", name="notes.txt", exact=True)).to_be_focused()
    page.keyboard.press("Delete")
    expect(page.get_by_text("Moved to trash (1)")).to_be_visible()
    assert File.objects.get(name="notes.txt").trashed
    screenshot("keyboard")


@pytest.mark.slow
def test_cancel_an_upload_and_the_phone_width_layout(drive_url, alice, chromium, page, screenshot, payloads):
    sign_in(page, drive_url)
    page.route("**/api/uploads/*/*/parts/*", lambda route: route.abort())  # parts never get through
    page.set_input_files("#upload-files", [str(payloads["big"])])
    page.get_by_role("button", name="Cancel big.bin").click()
    expect(page.get_by_text("Cancelled")).to_be_visible()
    screenshot("cancelled")
    page.unroute("**/api/uploads/*/*/parts/*")
    page.reload()
    wait_ready(page)  # and so has looked for uploads to resume
    expect(page.get_by_role("region", name="Uploads")).to_be_hidden()  # nothing resumes a cancelled upload

    phone = chromium.new_context(viewport={"width": 375, "height": 740}, storage_state=page.context.storage_state())
    small = phone.new_page()
    small.goto(f"{drive_url}/")
    wait_ready(small)
    expect(small.get_by_role("heading", name="My drive")).to_be_visible()
    assert small.evaluate("document.documentElement.scrollWidth") <= 376
    small.screenshot(path=str(screenshot("before-phone").parent / "phone.png"), full_page=True)
    # The uploads tray: inside the screen, above the floating New button.
    small.set_input_files("#upload-files", [str(payloads["small"])])
    tray = small.get_by_role("region", name="Uploads")
    expect(tray.get_by_text("Uploaded", exact=True)).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    box, new = tray.bounding_box(), small.locator(".fab").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375 and box["y"] + box["height"] <= new["y"], (box, new)
    small.screenshot(path=str(screenshot("before-phone").parent / "phone-tray.png"))
    phone.close()


@pytest.mark.slow
def test_direct_mode_puts_parts_straight_to_the_pds_from_another_origin(drive_url, alice, page, settings, payloads):
    # The page is on localhost, the PDS on 127.0.0.1: another origin, as in production.
    settings.DRIVE_UPLOAD_MODE = "direct"
    settings.PDS_ENDPOINT = drive_url.replace("localhost", "127.0.0.1")
    sign_in(page, drive_url)
    targets = []
    page.on("request", lambda request: targets.append(request.url) if request.method == "PUT" else None)
    page.set_input_files("#upload-files", [str(payloads["big"])])
    expect(page.get_by_text("Uploaded", exact=True)).to_be_visible(timeout=UPLOAD_TIMEOUT_MS)
    expect(page.get_by_role("link", name="big.bin", exact=True)).to_be_visible()
    assert targets and all(url.startswith(settings.PDS_ENDPOINT + "/v2/file/upload_part?") for url in targets)
    assert File.objects.get(name="big.bin").size == payloads["big"].stat().st_size
