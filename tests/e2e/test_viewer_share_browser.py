"""A person previews files in the viewer over the list, reads an item's details in the side
panel, shares it from the share dialog, and a visitor opens the share page in a fresh browser."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pds_server.models import File, ShareLink
from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in
from tests.factories import listing_entries

MORE_ACTIONS = re.compile(r"^More actions")
DISPATCH = """([action, id]) => {
    const row = document.querySelector(`#listing tr[data-id="${CSS.escape(id)}"]`);
    document.dispatchEvent(new CustomEvent("drive:action", {detail: {action, ids: [id], rows: row ? [row] : []}}));
}"""


def row_of(page, name: str):
    return page.locator("#listing tr[data-id]").filter(has=page.get_by_role("link", name=name, exact=True))


def has_row_menus(page) -> bool:
    """Whether the folder-actions module (row menus; a click on a file's name opens it) is on the page."""
    return page.locator("#listing").get_by_role("button", name=MORE_ACTIONS).count() > 0


def open_file(page, name: str) -> None:
    if has_row_menus(page):
        page.get_by_role("link", name=name, exact=True).click()
    else:  # until the row menus land: the event a click on the name emits
        page.get_by_role("link", name=name, exact=True).focus()
        page.evaluate(DISPATCH, ["open", row_of(page, name).get_attribute("data-id")])


def row_action(page, name: str, action: str) -> None:
    """ "Share" or "Details" from the row's "More actions" menu (or its event, before the menus land)."""
    if has_row_menus(page):
        row_of(page, name).get_by_role("button", name=MORE_ACTIONS).click()
        page.get_by_role("menuitem", name=action).click()
    else:
        page.get_by_role("link", name=name, exact=True).focus()
        page.evaluate(DISPATCH, [action.lower(), row_of(page, name).get_attribute("data-id")])


def png(color: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (320, 200), color).save(out, "PNG")
    return out.getvalue()


PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def alice_api(drive_url, alice) -> Browser:
    """Alice's files made through the PDS API (once she has signed in to the drive)."""
    return Browser(drive_url, None)  # type: ignore[arg-type]


@pytest.mark.slow
def test_the_viewer_goes_through_the_folders_files_and_esc_returns_to_the_list(
    drive_url, alice, alice_api, page, screenshot
):
    sign_in(page, drive_url)
    alice_api.pds(
        "file/create", {"drive_id": alice_api.drive_id, "parent_file_id": "root", "name": "Album", "type": "folder"}
    )
    for name, color in (("a.png", (200, 40, 40)), ("b.png", (40, 200, 40)), ("c.png", (40, 40, 200))):
        alice_api.upload(name, png(color))
    alice_api.upload("d-notes.txt", b"hello from the viewer\n")
    alice_api.upload("e-paper.pdf", PDF)
    page.reload()
    wait_ready(page)

    open_file(page, "a.png")
    viewer = page.get_by_role("dialog", name="a.png")
    expect(viewer).to_be_visible()
    expect(viewer.locator("img")).to_have_attribute("alt", "a.png")
    page.wait_for_function("() => document.querySelector('#viewer img')?.naturalWidth === 320")
    expect(viewer.get_by_role("button", name="Previous file")).to_be_disabled()
    screenshot("viewer-image")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 740})
    screenshot("viewer-image-dark-phone")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="b.png")).to_be_visible()
    page.get_by_role("button", name="Next file").click()
    expect(page.get_by_role("dialog", name="c.png")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="b.png")).to_be_visible()
    page.get_by_role("button", name="Previous file").click()
    expect(page.get_by_role("dialog", name="a.png")).to_be_visible()
    assert "preview=" in page.url
    a_png = File.objects.get(name="a.png").file_id
    download = page.get_by_role("dialog", name="a.png").get_by_role("link", name="Download", exact=True)
    expect(download).to_have_attribute("href", f"/files/{a_png}/download")

    for _ in range(3):
        page.get_by_role("button", name="Next file").click()
    text = page.get_by_role("dialog", name="d-notes.txt")
    expect(text.locator("pre.text-preview")).to_have_text("hello from the viewer\n")
    screenshot("viewer-text")
    page.keyboard.press("ArrowRight")
    pdf = page.get_by_role("dialog", name="e-paper.pdf")
    expect(pdf.locator("iframe")).to_have_attribute("src", re.compile(r"/inline$"))
    served = page.request.get(drive_url + pdf.locator("iframe").get_attribute("src"))
    assert served.status == 200 and served.headers["content-type"] == "application/pdf" and served.body() == PDF
    expect(pdf.get_by_role("button", name="Next file")).to_be_disabled()
    screenshot("viewer-pdf")

    # A reload with ?preview= opens the same file again.
    page.reload()
    wait_ready(page)
    expect(page.get_by_role("dialog", name="e-paper.pdf")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#viewer")).not_to_be_visible()
    expect(page.get_by_role("link", name="e-paper.pdf", exact=True)).to_be_focused()
    assert "preview=" not in page.url


@pytest.mark.slow
def test_esc_returns_to_the_same_scroll_position_with_focus_on_the_row(drive_url, alice, alice_api, page):
    from pds_server.models import Drive

    sign_in(page, drive_url)
    drive = Drive.objects.get(pk=int(alice_api.drive_id))
    listing_entries(drive, [f"item-{i:03d}.bin" for i in range(150)], category="others")
    page.goto(f"{drive_url}/?sort=name&dir=asc")
    wait_ready(page)
    target = page.get_by_role("link", name="item-120.bin", exact=True)
    target.scroll_into_view_if_needed()
    page.evaluate("window.scrollBy(0, 100)")
    before = page.evaluate("window.scrollY")
    assert before > 1000
    open_file(page, "item-120.bin")
    expect(page.get_by_role("dialog", name="item-120.bin")).to_be_visible()
    expect(page.get_by_text("There is no preview for this kind of file.")).to_be_visible()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="item-121.bin")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_role("dialog", name="item-120.bin")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#viewer")).not_to_be_visible()
    expect(target).to_be_focused()
    assert page.evaluate("window.scrollY") == before


@pytest.mark.slow
def test_the_details_panel_shows_type_size_and_a_path_to_click(drive_url, alice, alice_api, page, screenshot):
    sign_in(page, drive_url)
    body = {"drive_id": alice_api.drive_id, "parent_file_id": "root", "name": "Projects", "type": "folder"}
    projects = alice_api.pds("file/create", body)["file_id"]
    year = alice_api.pds("file/create", {**body, "parent_file_id": projects, "name": "2026"})["file_id"]
    alice_api.upload("sky.png", png((90, 140, 220)), parent=year)
    page.goto(f"{drive_url}/folders/{year}/")
    wait_ready(page)

    row_action(page, "sky.png", "Details")
    panel = page.get_by_role("dialog", name="Details")
    expect(panel).to_be_visible()
    expect(panel.get_by_text("image/png")).to_be_visible()
    expect(panel.get_by_text(re.compile(r"^\d+(\.\d)? (bytes|kB)$"))).to_be_visible()
    location = panel.get_by_role("navigation", name="Location")
    expect(location.get_by_role("link")).to_have_text(["My drive", "Projects", "2026"])
    expect(panel.get_by_text("No share links.")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#details-panel .details-preview img')?.naturalWidth > 0")
    screenshot("details")
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 375, "height": 740})
    expect(panel).to_be_in_viewport()
    screenshot("details-dark-phone")
    page.emulate_media(color_scheme="light")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.keyboard.press("Escape")
    expect(panel).not_to_be_visible()
    # Focus is back where the panel was asked for: the row's link or its "More actions" button.
    page.wait_for_function("() => document.activeElement.closest('tr[data-id]')?.dataset.name === 'sky.png'")

    row_action(page, "sky.png", "Details")
    expect(panel.get_by_role("button", name="Close details")).to_be_visible()
    panel.get_by_role("navigation", name="Location").get_by_role("link", name="Projects").click()
    expect(page.get_by_role("heading", name="Projects")).to_be_visible()
    wait_ready(page)
    assert page.url.endswith(f"/folders/{projects}/")


@pytest.mark.slow
def test_the_share_dialog_creates_copies_and_edits_a_link(drive_url, alice, alice_api, chromium, page, screenshot):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, drive_url)
    alice_api.upload("plan.txt", b"the plan")
    page.reload()
    wait_ready(page)

    row_action(page, "plan.txt", "Share")
    dialog = page.get_by_role("dialog", name="Share “plan.txt”")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Download limit").fill("-4")
    dialog.get_by_role("button", name="Create link").click()
    expect(dialog.locator("#share-limit-error")).not_to_be_empty()
    expect(dialog.get_by_label("Download limit")).to_be_focused()
    assert not ShareLink.objects.exists()
    dialog.get_by_label("Download limit").fill("5")
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.get_by_label("Link", exact=True)
    expect(link).to_have_value(re.compile(r"/s/[\w-]+$"))
    url = link.input_value()
    share = ShareLink.objects.get()
    assert url.endswith(f"/s/{share.share_id}") and share.download_limit == 5
    dialog.get_by_role("button", name="Copy link").click()
    expect(dialog.get_by_text("Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
    screenshot("share-created")
    page.emulate_media(color_scheme="dark")
    screenshot("share-created-dark")
    page.emulate_media(color_scheme="light")

    later = (timezone.localdate() + timedelta(days=30)).isoformat()
    dialog.get_by_label("Expires on").fill(later)
    dialog.get_by_label("Password", exact=True).fill("tulip")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_text("Saved")).to_be_visible()
    share.refresh_from_db()
    assert timezone.localtime(share.expiration).date().isoformat() == later and share.password
    expect(dialog.get_by_text("Remove the password")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).not_to_be_visible()

    # Opened again, the dialog shows the link with what was saved.
    row_action(page, "plan.txt", "Share")
    expect(dialog.get_by_label("Link", exact=True)).to_have_value(url)
    expect(dialog.get_by_label("Expires on")).to_have_value(later)
    page.keyboard.press("Escape")

    visitor_context = chromium.new_context()
    visitor = visitor_context.new_page()
    visitor.goto(url)
    wait_ready(visitor)
    expect(visitor.get_by_text("protected by a password")).to_be_visible()
    visitor.get_by_label("Password").fill("tulip")
    visitor.get_by_role("button", name="Open").click()
    expect(visitor.get_by_role("link", name="plan.txt")).to_be_visible()
    visitor_context.close()


@pytest.mark.slow
def test_the_share_page_shows_a_gallery_and_downloads_all_as_a_zip(
    drive_url, alice, alice_api, chromium, page, screenshot
):
    sign_in(page, drive_url)
    body = {"drive_id": alice_api.drive_id, "parent_file_id": "root", "name": "Trip", "type": "folder"}
    trip = alice_api.pds("file/create", body)["file_id"]
    alice_api.upload("beach.png", png((230, 200, 120)), parent=trip)
    alice_api.upload("sea.png", png((30, 90, 200)), parent=trip)
    alice_api.upload("notes.txt", b"sand and sea", parent=trip)
    page.reload()
    wait_ready(page)
    row_action(page, "Trip", "Share")
    dialog = page.get_by_role("dialog", name="Share “Trip”")
    dialog.get_by_role("button", name="Create link").click()
    link = dialog.get_by_label("Link", exact=True)
    expect(link).to_have_value(re.compile(r"/s/[\w-]+$"))
    url = link.input_value()

    stranger = chromium.new_context()
    visitor = stranger.new_page()
    visitor.goto(url)
    wait_ready(visitor)
    expect(visitor.get_by_text("Shared by Alice")).to_be_visible()
    visitor.get_by_role("link", name="Trip").click()
    expect(visitor.get_by_role("heading", name="Trip")).to_be_visible()
    wait_ready(visitor)
    gallery = visitor.get_by_role("region", name="Pictures")
    expect(gallery.get_by_role("link")).to_have_text(["beach.png", "sea.png"])
    expect(gallery.locator("img")).to_have_count(2)
    visitor.wait_for_function(
        "() => [...document.querySelectorAll('.gallery img')].every((img) => img.complete && img.naturalWidth > 0)"
    )
    expect(visitor.get_by_role("row", name=re.compile("notes.txt")).get_by_text("12 bytes")).to_be_visible()
    visitor.screenshot(path=str(screenshot("share-owner").parent / "share-gallery.png"), full_page=True)
    gallery.get_by_role("link", name="beach.png").click()
    picture = visitor.get_by_role("dialog", name="beach.png")
    expect(picture).to_be_visible()
    visitor.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth === 320")
    visitor.keyboard.press("ArrowRight")
    expect(visitor.get_by_role("dialog", name="sea.png")).to_be_visible()
    expect(visitor.get_by_role("button", name="Next picture")).to_be_disabled()
    visitor.keyboard.press("Escape")
    expect(gallery.get_by_role("link", name="sea.png")).to_be_focused()
    visitor.emulate_media(color_scheme="dark")
    visitor.set_viewport_size({"width": 375, "height": 740})
    assert visitor.evaluate("document.documentElement.scrollWidth") <= 376
    visitor.screenshot(path=str(screenshot("share-owner").parent / "share-gallery-dark-phone.png"), full_page=True)
    with visitor.expect_download() as download:
        visitor.get_by_role("button", name="Download all").click()
    archive = zipfile.ZipFile(download.value.path())
    assert sorted(archive.namelist()) == ["Trip/", "Trip/beach.png", "Trip/notes.txt", "Trip/sea.png"]
    assert archive.read("Trip/notes.txt") == b"sand and sea"
    stranger.close()
