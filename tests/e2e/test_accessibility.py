"""An axe-core audit of every kind of page, in light and dark, at desktop and phone width:
no serious or critical violation. axe-core is the npm package pinned in
tests/e2e/package-lock.json (`make test` installs it with `npm ci`); the test injects it
into each page as the browser's own script (past the page's Content-Security-Policy).
Each audited page is saved as a screenshot named by page, theme and width."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from pds_server.models import Drive, File
from pds_server.services.groups import group_create, group_member_add
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_viewer_share_browser import row_action
from tests.factories import DriveFactory

AXE = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# (theme, viewport): desktop and a phone of 375 px.
LOOKS = [
    ("light", {"width": 1280, "height": 800}),
    ("dark", {"width": 1280, "height": 800}),
    ("light", {"width": 375, "height": 667}),
    ("dark", {"width": 375, "height": 667}),
]
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
    const result = await axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((violation) => ({
        id: violation.id,
        impact: violation.impact,
        help: violation.help,
        targets: violation.nodes.map((node) => node.target.join(" ")),
    }));
}"""

MISTAKES = """() => {
    const main = document.querySelector("main");
    main.append(Object.assign(new Image(), { src: "data:,", className: "planted" }));
    const faint = Object.assign(document.createElement("p"), { textContent: "Faint words", className: "planted" });
    faint.style.color = getComputedStyle(document.body).backgroundColor;
    main.append(faint);
}"""


def audit_looks(page, screenshot, name: str, found: list[str]) -> None:
    """Audit the page as it is in every look; add each serious or critical violation to `found`."""
    for theme, viewport in LOOKS:
        page.emulate_media(color_scheme=theme, reduced_motion="reduce")
        page.set_viewport_size(viewport)
        page.wait_for_function("() => typeof axe === 'object'")
        look = f"{name} {theme} {viewport['width']}px"
        for violation in page.evaluate(RUN_AXE):
            if violation["impact"] in SERIOUS:
                targets = ", ".join(violation["targets"][:8]) + (" ..." if len(violation["targets"]) > 8 else "")
                found.append(f"{look}: {violation['id']} ({violation['impact']}: {violation['help']}) at {targets}")
        screenshot(f"{name}-{theme}-{viewport['width']}")


@pytest.mark.slow
def test_every_kind_of_page_has_no_serious_violation(drive_url, alice, make_user, domain, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    found: list[str] = []

    # The PDS's pages: sign-in, then consent.
    page.goto(f"{drive_url}/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "sign-in", found)
    # The audit sees what it should: an image without a text alternative, and text the
    # colour of the page's background.
    page.evaluate(MISTAKES)
    assert {"image-alt", "color-contrast"} <= {violation["id"] for violation in page.evaluate(RUN_AXE)}
    page.evaluate("() => document.querySelectorAll('.planted').forEach((element) => element.remove())")
    page.get_by_label("User name").fill("alice")
    page.get_by_label("Password").fill("alice-password-1")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
    audit_looks(page, screenshot, "consent", found)
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="My drive")).to_be_visible()

    # Something in every list: folders, files, a trashed file, a share link.
    person = Browser(drive_url, sign_in_over_http(drive_url))
    body = {"drive_id": person.drive_id, "parent_file_id": "root", "type": "folder"}
    photos = person.pds("file/create", {**body, "name": "Photos"})["file_id"]
    person.pds("file/create", {**body, "name": "2024", "parent_file_id": photos})
    for name in ("Documents", "Music"):
        person.pds("file/create", {**body, "name": name})
    sizes = {"Quarterly report.pdf": 184_000, "notes.txt": 1_200, "budget.xlsx": 23_500, "harbour.jpg": 2_400_000}
    sizes |= {"song.mp3": 3_900_000, "trip.mp4": 8_200_000, "old.zip": 560_000}
    for name, size in sizes.items():
        person.upload(name, b"x" * size)
    for name in ("beach.txt", "summer report.txt"):
        person.upload(name, b"sand", parent=photos)
    old = person.upload("old draft.txt", b"old", parent=photos)
    person.pds("recyclebin/trash", {"drive_id": person.drive_id, "file_id": old["file_id"]})
    share_body = {"drive_id": person.drive_id, "file_id_list": [photos], "expiration": ""}
    share = person.pds("share_link/create", share_body)
    locked = person.pds("share_link/create", {**share_body, "share_pwd": "tulip"})
    # What others give her: a folder Bob shares, and a team drive (files/people_views.py).
    make_user("bob", password="bob-password-1", nick_name="Bob")
    bob = Browser(drive_url, sign_in_over_http(drive_url, "bob", "bob-password-1"))
    bob.user_id = "bob"
    plans = bob.pds("file/create", {**body, "drive_id": bob.drive_id, "name": "Plans"})["file_id"]
    member = {"identity": {"identity_type": "IT_User", "identity_id": "alice"}, "role_id": "SystemFileViewer"}
    bob.pds("file/add_permission", {"drive_id": bob.drive_id, "file_id": plans, "member_list": [member]})
    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="alice")
    DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")

    pages = [
        ("drive", "/", "My drive"),
        ("folder", f"/folders/{photos}/", "Photos"),
        ("search", "/search/?q=report", "Search"),
        ("trash", "/trash/", "Trash"),
        ("shares", "/shares/", "My shares"),
        ("shared-with-me", "/shared/", "Shared with me"),
        ("team-drives", "/team/", "Team drives"),
        ("not-found", f"/folders/{'0' * 40}/", "Not found"),
    ]
    for name, path, heading in pages:
        page.goto(f"{drive_url}{path}")
        expect(page.get_by_role("heading", name=heading, exact=True).first).to_be_visible()
        wait_ready(page)
        audit_looks(page, screenshot, name, found)

    # The share dialog with people: Bob given a role on Photos, the matches of "Add people" open.
    viewer = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    person.pds("file/add_permission", {"drive_id": person.drive_id, "file_id": photos, "member_list": [viewer]})
    page.goto(f"{drive_url}/")
    wait_ready(page)
    row_action(page, "Photos", "Share")
    dialog = page.get_by_role("dialog", name="Share “Photos”")
    expect(dialog.get_by_role("combobox", name="Role of Bob")).to_be_visible()
    dialog.get_by_role("combobox", name="Add people").press_sequentially("bo")
    expect(dialog.get_by_role("option", name="Bob")).to_be_visible()
    audit_looks(page, screenshot, "share-dialog-people", found)
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "signed-out", found)

    # The public share page, as a visitor: one open, one asking for its password.
    page.context.clear_cookies()
    page.goto(f"{drive_url}/s/{share['share_id']}")
    expect(page.get_by_text("Photos").first).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "share-page", found)
    page.goto(f"{drive_url}/s/{locked['share_id']}")
    expect(page.get_by_label("Password")).to_be_visible()
    wait_ready(page)
    audit_looks(page, screenshot, "share-password", found)

    assert File.objects.filter(name="old draft.txt", trashed=True).exists()  # the trash was not empty
    if found:
        print("\n".join(found))
    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)
