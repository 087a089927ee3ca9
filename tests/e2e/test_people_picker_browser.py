"""The share dialog's "Add people" list stays closed when a slow search answer comes after
focus has left the field (the answer of a search typed before Tab does not pop the list up
over the next control)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Route, expect

from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_drive_browser import sign_in
from tests.e2e.test_viewer_share_browser import row_action

SEARCH = re.compile(r"/api/people\?q=")


@pytest.mark.slow
def test_a_late_search_answer_does_not_reopen_the_list_after_focus_left(drive_url, alice, make_user, page):
    make_user("bob", password="bob-password-22", nick_name="Bob Marley")
    owner = Browser(drive_url, None)  # type: ignore[arg-type]
    sign_in(page, drive_url)
    body = {"drive_id": owner.drive_id, "parent_file_id": "root", "name": "Team plans", "type": "folder"}
    owner.pds("file/create", body)
    page.reload()
    wait_ready(page)

    row_action(page, "Team plans", "Share")
    dialog = page.get_by_role("dialog", name="Share “Team plans”")
    add_people = dialog.get_by_role("combobox", name="Add people")
    expect(add_people).to_be_focused()

    held: list[Route] = []  # the searches, answered only once focus has left the field

    def hold(route: Route) -> None:
        held.append(route)

    page.route(SEARCH, hold)
    with page.expect_request(SEARCH):
        add_people.press_sequentially("marl")
    add_people.press("Tab")
    expect(add_people).not_to_be_focused()
    deadline = time.monotonic() + 10
    while not held and time.monotonic() < deadline:
        page.evaluate("0")  # lets Playwright hand over the held request
    assert held, "the search was asked for"
    url = held[-1].request.url
    for route in held:
        route.continue_()
    page.unroute(SEARCH, hold)
    # A search asked after the held ones, answered: the held answers have come back by then.
    page.evaluate("url => fetch(url, {credentials: 'same-origin'}).then(answer => answer.json())", url)
    expect(add_people).to_have_attribute("aria-expanded", "false")
    expect(dialog.get_by_role("listbox", name="People and groups")).to_be_hidden()

    # Typing in the field again searches and shows the list as before.
    add_people.focus()
    add_people.press("End")
    add_people.press_sequentially("e")
    expect(dialog.get_by_role("option", name="Bob Marley")).to_be_visible()
    expect(add_people).to_have_attribute("aria-expanded", "true")


PEOPLE = re.compile(r"/api/files/[^/]+/people$")


@pytest.mark.slow
def test_a_slow_people_list_does_not_take_focus_from_a_field_being_filled(drive_url, alice, page):
    """The dialog loads who has access after it opens; someone already typing a download
    limit keeps their focus when that list arrives (it used to jump to "Add people")."""
    owner = Browser(drive_url, None)  # type: ignore[arg-type]
    sign_in(page, drive_url)
    owner.upload("plan.txt", b"the plan")
    page.reload()
    wait_ready(page)
    held: list[Route] = []
    page.route(PEOPLE, lambda route: held.append(route))

    row_action(page, "plan.txt", "Share")
    dialog = page.get_by_role("dialog", name="Share “plan.txt”")
    limit = dialog.get_by_label("Download limit")
    limit.fill("7")
    deadline = time.monotonic() + 30
    while not held and time.monotonic() < deadline:
        page.evaluate("0")  # lets Playwright hand over the held request
    assert held, "the people list was asked for"
    for route in held:
        route.continue_()
    page.unroute(PEOPLE)
    people = dialog.get_by_role("list", name="People with access")
    expect(people.get_by_role("listitem").filter(has_text="Owner")).to_have_count(1)  # the list has come
    expect(limit).to_be_focused()
    expect(limit).to_have_value("7")
