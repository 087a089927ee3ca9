"""A person uploads a file, uploads a changed one over it (Replace in the conflict dialog), and
in the file's Versions dialog keeps the old version forever, restores it (the file's content is
the old one again, its row in the list says so without a reload), downloads a version and
deletes one; the details panel tells what happened. The dialog passes axe-core in every look."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from pds_server.models import File, Revision
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, LOOKS, SERIOUS
from tests.e2e.test_drive_browser import UPLOAD_TIMEOUT_MS, sign_in
from tests.files.test_versions import upload_over

FIRST = b"first draft\n"
SECOND = b"second draft, a little longer\n"
RECENTLY = re.compile(r"^(just now|\d+\xa0minutes? ago)$")  # a busy machine may take a minute
AUDIT_DIALOG = """async (id) => {
    const result = await axe.run(document.getElementById(id), { resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`
        + `|${v.impact}`);
}"""


def row_of(page, name: str):
    return page.locator("#listing tr[data-id]").filter(has=page.get_by_role("link", name=name, exact=True))


def upload(page, path: Path) -> None:
    page.set_input_files("#upload-files", [str(path)])


def audit_dialog(page, screenshot, dialog_id: str, name: str, *, show=None) -> list[str]:
    """axe-core on the open dialog in every look (`show`: a locator scrolled into view for
    the screenshot); the serious and critical violations found."""
    found = []
    for theme, viewport in LOOKS:
        page.emulate_media(color_scheme=theme, reduced_motion="reduce")
        page.set_viewport_size(viewport)
        if show is not None:
            show.scroll_into_view_if_needed()
        for line in page.evaluate(AUDIT_DIALOG, dialog_id):
            text, impact = line.rsplit("|", 1)
            if impact in SERIOUS:
                found.append(f"{name} {theme} {viewport['width']}px: {text}")
        screenshot(f"{name}-{theme}-{viewport['width']}")
    page.emulate_media(color_scheme="light", reduced_motion="no-preference")
    page.set_viewport_size({"width": 1280, "height": 800})
    return found


@pytest.mark.slow
def test_restore_an_older_version_from_the_versions_dialog(drive_url, alice, page, screenshot, tmp_path):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    page.set_viewport_size({"width": 1280, "height": 800})
    sign_in(page, drive_url)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "plan.txt").write_bytes(FIRST)
    (tmp_path / "two" / "plan.txt").write_bytes(SECOND)

    upload(page, tmp_path / "one" / "plan.txt")
    row = row_of(page, "plan.txt")
    expect(row).to_have_attribute("data-size", str(len(FIRST)), timeout=UPLOAD_TIMEOUT_MS)
    upload(page, tmp_path / "two" / "plan.txt")
    page.get_by_role("dialog", name="A file with this name exists").get_by_role("button", name="Replace").click()
    expect(row).to_have_attribute("data-size", str(len(SECOND)), timeout=UPLOAD_TIMEOUT_MS)
    page.get_by_role("button", name="Close uploads").click()  # done with uploading
    file_id = File.objects.get(name="plan.txt").file_id
    assert Revision.objects.filter(file__file_id=file_id).count() == 2

    # Versions, from the row's "More actions" menu.
    more = row.get_by_role("button", name=re.compile("^More actions"))
    more.click()
    page.get_by_role("menuitem", name="Versions").click()
    dialog = page.get_by_role("dialog", name="Versions “plan.txt”")
    expect(dialog).to_be_visible()
    versions = dialog.get_by_role("list").get_by_role("listitem")
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Version 2")
    expect(versions.nth(0)).to_contain_text("Current")
    expect(versions.nth(0)).to_contain_text(f"{len(SECOND)} bytes")
    expect(versions.nth(0)).to_contain_text("You")
    expect(versions.nth(1)).to_contain_text("Version 1")
    expect(versions.nth(1)).not_to_contain_text("Current")
    expect(versions.nth(0).get_by_role("button", name=re.compile("^Restore"))).to_have_count(0)
    time = versions.nth(1).locator("time")
    expect(time).to_have_text(RECENTLY)
    expect(time).to_have_attribute("title", re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"))

    # Keep forever: on, then off again.
    keep = dialog.get_by_role("button", name="Keep forever (version 1)")
    expect(keep).to_have_attribute("aria-pressed", "false")
    keep.click()
    expect(dialog.get_by_role("button", name="Keep forever (version 1)")).to_have_attribute("aria-pressed", "true")
    expect(dialog.get_by_role("button", name="Keep forever (version 1)")).to_be_focused()
    expect(versions.nth(1)).to_contain_text("Kept forever")
    expect(dialog.get_by_role("status")).to_have_text("Kept forever")
    assert Revision.objects.get(file__file_id=file_id, version=1).keep_forever
    found = audit_dialog(page, screenshot, "versions-dialog", "versions")
    dialog.get_by_role("button", name="Keep forever (version 1)").click()
    expect(dialog.get_by_role("button", name="Keep forever (version 1)")).to_have_attribute("aria-pressed", "false")
    expect(versions.nth(1)).not_to_contain_text("Kept forever")
    assert not Revision.objects.get(file__file_id=file_id, version=1).keep_forever
    dialog.get_by_role("button", name="Keep forever (version 1)").click()  # kept, for the rest of the test
    expect(dialog.get_by_role("button", name="Keep forever (version 1)")).to_have_attribute("aria-pressed", "true")

    # Restore version 1: asked first (Cancel changes nothing), then a new current version.
    dialog.get_by_role("button", name="Restore version 1").click()
    confirm = page.get_by_role("dialog", name="Restore version 1?")
    expect(confirm).to_be_visible()
    found += audit_dialog(page, screenshot, "versions-confirm", "versions-confirm")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(dialog.get_by_role("button", name="Restore version 1")).to_be_focused()
    expect(versions).to_have_count(2)
    dialog.get_by_role("button", name="Restore version 1").click()
    confirm.get_by_role("button", name="Restore").click()
    expect(dialog.get_by_role("status")).to_have_text("Restored: it is now version 3")
    expect(versions).to_have_count(3)
    expect(versions.nth(0)).to_contain_text("Version 3")
    expect(versions.nth(0)).to_contain_text("Current")
    expect(versions.nth(0)).to_contain_text(f"{len(FIRST)} bytes")
    expect(versions.nth(0)).to_be_focused()
    expect(versions.nth(2)).to_contain_text("Kept forever")
    # The file's row in the list, in place: the old size again.
    expect(row).to_have_attribute("data-size", str(len(FIRST)))
    expect(row.locator("td.size")).to_have_text(f"{len(FIRST)} bytes")
    screenshot("restored")
    # The file's content is the old one.
    assert page.request.get(f"{drive_url}/files/{file_id}/download").body() == FIRST
    # A version downloads as itself.
    with page.expect_download() as started:
        dialog.get_by_role("link", name="Download version 2").click()
    download = started.value
    assert download.suggested_filename == "plan.txt"
    assert Path(download.path()).read_bytes() == SECOND

    # Delete version 2 (asked first).
    dialog.get_by_role("button", name="Delete version 2").click()
    page.get_by_role("dialog", name="Delete version 2?").get_by_role("button", name="Delete").click()
    expect(versions).to_have_count(2)
    expect(dialog.get_by_role("status")).to_have_text("Version deleted")
    expect(dialog).not_to_contain_text("Version 2")
    assert list(
        Revision.objects.filter(file__file_id=file_id).order_by("version").values_list("version", flat=True)
    ) == [
        1,
        3,
    ]

    # Esc closes; focus goes back to where the dialog was opened from.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(more).to_be_focused()

    # The details panel: its Activity, and its own way to the versions.
    more.click()
    page.get_by_role("menuitem", name="Details").click()
    panel = page.get_by_role("dialog", name="Details")
    activity = panel.get_by_role("region", name="Activity").get_by_role("listitem")
    # A deleted version's number is said once the PDS's audit row carries it (revision_version).
    expect(activity.nth(0)).to_contain_text(re.compile("You deleted (version 2|a version)"))
    expect(activity.nth(1)).to_contain_text("You restored version 1")
    expect(activity.filter(has_text="You uploaded a new version")).to_have_count(1)
    expect(activity.last).to_contain_text("You uploaded it")
    expect(activity.nth(0).locator("time")).to_have_text(RECENTLY)
    found += audit_dialog(page, screenshot, "details-panel", "details-activity", show=activity.last)
    panel.get_by_role("button", name="Versions").click()
    expect(dialog).to_be_visible()
    expect(versions).to_have_count(2)
    expect(versions.nth(0)).to_contain_text("Version 3")

    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)


@pytest.mark.slow
def test_a_folder_has_no_versions_item(drive_url, alice, page):
    sign_in(page, drive_url)
    page.get_by_role("button", name="New", exact=True).first.click()
    page.get_by_role("menuitem", name="New folder").click()
    page.get_by_label("Folder name").fill("Box")
    page.get_by_role("button", name="Create").click()
    folder = page.locator("#listing tr[data-id]").filter(has=page.get_by_role("link", name="Box", exact=True))
    folder.get_by_role("button", name=re.compile("^More actions")).click()
    expect(page.get_by_role("menuitem", name="Details")).to_be_visible()
    expect(page.get_by_role("menuitem", name="Versions")).to_be_hidden()


@pytest.mark.slow
def test_show_more_in_versions_and_activity_and_a_readable_error(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    person = Browser(drive_url, sign_in_over_http(drive_url))
    item = person.upload("log.txt", b"0")
    for n in range(1, 22):  # 22 versions: a page of 20 and 2 more
        upload_over(person, "log.txt", str(n).encode())
    for n in range(1, 4):  # and renames, so that the activity has more than a page too
        person.pds("file/update", {"drive_id": person.drive_id, "file_id": item["file_id"], "name": f"log-{n}.txt"})
    page.reload()
    wait_ready(page)

    row_of(page, "log-3.txt").get_by_role("button", name=re.compile("^More actions")).click()
    page.get_by_role("menuitem", name="Versions").click()
    dialog = page.get_by_role("dialog", name="Versions “log-3.txt”")
    versions = dialog.get_by_role("list").get_by_role("listitem")
    expect(versions).to_have_count(20)
    expect(versions.nth(0)).to_contain_text("Version 22")
    dialog.get_by_role("button", name="Show more").click()
    expect(versions).to_have_count(22)
    expect(versions.nth(20)).to_be_focused()
    expect(versions.nth(21)).to_contain_text("Version 1")
    expect(dialog.get_by_role("button", name="Show more")).to_be_hidden()

    # A version deleted elsewhere meanwhile: restoring it says so, in words.
    Revision.objects.filter(file__file_id=item["file_id"], version=1).delete()
    dialog.get_by_role("button", name="Restore version 1", exact=True).click()
    page.get_by_role("dialog", name="Restore version 1?").get_by_role("button", name="Restore").click()
    expect(dialog.get_by_role("alert")).to_have_text("That version no longer exists.")
    expect(versions).to_have_count(21)  # it left the list
    expect(versions.last).to_contain_text("Version 2")
    expect(versions.last).to_be_focused()
    screenshot("version-gone")
    dialog.get_by_role("button", name="Close").last.click()
    expect(dialog).to_be_hidden()

    row_of(page, "log-3.txt").get_by_role("button", name=re.compile("^More actions")).click()
    page.get_by_role("menuitem", name="Details").click()
    activity = page.get_by_role("dialog", name="Details").get_by_role("region", name="Activity")
    entries = activity.get_by_role("listitem").filter(has_not=page.get_by_role("button"))
    expect(entries).to_have_count(20)
    expect(entries.nth(0)).to_contain_text("You renamed it from log-2.txt")
    activity.get_by_role("button", name="Show more").click()
    expect(entries).to_have_count(25)
    expect(entries.nth(20)).to_be_focused()
    expect(entries.last).to_contain_text("You uploaded it")
    expect(activity.get_by_role("button", name="Show more")).to_have_count(0)
