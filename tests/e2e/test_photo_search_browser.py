"""A person searches their photos by content in the browser: "acme" in the Photos search box
finds the receipt that says "ACME 2026" (the query stays in the box); the viewer's info panel
shows the text read in it, and Copy puts it on the clipboard; a photo's tag is a search for
itself; a search that finds nothing says so. The pages pass an axe-core audit in light, dark
and at phone width."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_drive_browser import sign_in
from tests.files.test_duplicates import upload_analysed
from tests.pds_server import analysis_images as images


@pytest.mark.slow
def test_search_finds_the_receipt_and_its_text_copies(drive_url, alice, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=drive_url)
    sign_in(page, drive_url)
    person = Browser(drive_url, None)  # type: ignore[arg-type]
    upload_analysed(person, "receipt.jpg", images.receipt())
    upload_analysed(person, "chelsea.jpg", images.encoded(images.chelsea(), quality=90))
    found: list[str] = []

    page.goto(f"{drive_url}/photos/")
    wait_ready(page)
    box = page.get_by_role("searchbox", name="Search photos")
    box.fill("acme")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Photos matching “acme”", level=1)).to_be_visible()
    wait_ready(page)
    expect(page.get_by_role("searchbox", name="Search photos")).to_have_value("acme")
    results = page.get_by_role("list", name="Photos matching acme").get_by_role("link")
    expect(results).to_have_count(1)
    expect(results.get_by_role("img")).to_have_attribute("alt", "receipt.jpg")
    page.wait_for_function("() => [...document.querySelectorAll('.album-tile img')].every((i) => i.naturalWidth > 0)")
    audit_looks(page, screenshot, "photo-search", found)
    page.set_viewport_size({"width": 1280, "height": 800})

    # The viewer's info panel: the text in the photo, and Copy.
    results.first.click()
    viewer = page.get_by_role("dialog", name="receipt.jpg")
    expect(viewer).to_be_visible()
    viewer.get_by_role("button", name="Info").click()
    info = viewer.get_by_role("complementary", name="Info")
    text = info.get_by_role("region", name="Text in this photo")
    expect(text).to_contain_text("ACME 2026")
    info.get_by_role("button", name="Copy text").click()
    expect(info.get_by_role("button", name="Copied")).to_be_visible()
    assert "ACME 2026" in page.evaluate("() => navigator.clipboard.readText()")
    screenshot("viewer-text")
    # Where the clipboard API is not offered (an http:// address), the old way: a selection
    # copied with execCommand; the copy event sees the text.
    page.evaluate(
        """() => {
            Object.defineProperty(navigator, "clipboard", { value: undefined, configurable: true });
            document.addEventListener("copy", () => {
                const area = document.activeElement;
                window.copiedText = area.value.slice(area.selectionStart, area.selectionEnd);
            }, { once: true });
        }"""
    )
    expect(info.get_by_role("button", name="Copy text")).to_be_visible()
    info.get_by_role("button", name="Copy text").click()
    expect(info.get_by_role("button", name="Copied")).to_be_visible()
    assert "ACME 2026" in page.evaluate("() => window.copiedText")
    expect(info.get_by_role("button", name="Copied")).to_be_focused()
    for violation in page.evaluate("async () => (await axe.run(document.getElementById('photo-viewer'))).violations"):
        if violation["impact"] in ("serious", "critical"):
            found.append(f"viewer info: {violation['id']} ({violation['help']})")
    page.keyboard.press("Escape")
    expect(viewer).to_be_hidden()

    # The cat's tag is a search for itself.
    box = page.get_by_role("searchbox", name="Search photos")
    box.fill("chelsea")
    box.press("Enter")
    expect(page.get_by_role("heading", name="Photos matching “chelsea”", level=1)).to_be_visible()
    wait_ready(page)
    page.get_by_role("list", name="Photos matching chelsea").get_by_role("link").first.click()
    viewer = page.get_by_role("dialog", name="chelsea.jpg")
    expect(viewer).to_be_visible()
    info = viewer.get_by_role("complementary", name="Info")
    # A fresh page: the panel starts closed; Info opens it.
    info_button = viewer.get_by_role("button", name="Info")
    expect(info_button).to_have_attribute("aria-pressed", "false")
    info_button.click()
    expect(info).to_be_visible()
    info.get_by_role("link", name="Cat", exact=True).click()
    expect(page.get_by_role("heading", name="Photos matching “Cat”", level=1)).to_be_visible()
    wait_ready(page)
    expect(page.get_by_role("list", name="Photos matching Cat").get_by_role("img")).to_have_attribute(
        "alt", "chelsea.jpg"
    )

    # Nothing found, said so.
    box = page.get_by_role("searchbox", name="Search photos")
    box.fill("zebra acme")
    box.press("Enter")
    expect(page.get_by_text("No photos match", exact=True)).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "photo-search-empty", found)
    assert not found, "\n".join(found)
