"""A restore started from the details panel's Versions button: the panel loads again (its
Versions button is a new one), and closing the Versions dialog puts focus on that new button,
in the panel still open, not on the file's row behind it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as sign_in_over_http
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in
from tests.e2e.test_versions_browser import row_of
from tests.files.test_versions import upload_over


@pytest.mark.slow
def test_closing_versions_after_a_restore_from_the_details_panel_focuses_its_new_button(drive_url, alice, page):
    sign_in(page, drive_url)
    person = Browser(drive_url, sign_in_over_http(drive_url))
    person.upload("plan.txt", b"first draft\n")
    upload_over(person, "plan.txt", b"second draft, a little longer\n")
    page.reload()
    wait_ready(page)

    row_of(page, "plan.txt").get_by_role("button", name=re.compile("^More actions")).click()
    page.get_by_role("menuitem", name="Details").click()
    panel = page.get_by_role("dialog", name="Details")
    opener = panel.get_by_role("button", name="Versions")
    old_button = opener.element_handle()
    opener.click()
    dialog = page.get_by_role("dialog", name="Versions “plan.txt”")
    dialog.get_by_role("button", name="Restore version 1").click()
    page.get_by_role("dialog", name="Restore version 1?").get_by_role("button", name="Restore").click()
    expect(dialog.get_by_role("status")).to_have_text("Restored: it is now version 3")
    page.wait_for_function("button => !button.isConnected", arg=old_button)  # the panel loaded again
    expect(opener).to_be_visible()

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(panel).to_be_visible()
    expect(opener).to_be_focused()
