"""A person reviews their duplicate photos in the browser: the page looks for them again as
it opens (the PDS's async task, run here inline as its analysis worker would), shows the
copies of Chelsea the cat as one group with the largest marked Keep; they may keep another,
with the keyboard; "Trash the rest" trashes the others, Undo puts them back, and "Trash all
duplicates" asks first and then trashes them; the trashed copies are in the Trash. The page
passes an axe-core audit in light, dark and at phone width."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from pds_server.models import AsyncTask, File
from pds_server.services.analysis.similar_clusters import OPERATION, cluster_task_run
from tests.drive_helpers import Browser
from tests.drive_helpers import sign_in as signed_in_session
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_drive_browser import sign_in
from tests.files.test_duplicates import cat_copies, find_again


def run_the_search() -> None:
    """The job the page started, run as the analysis worker would once it is queued."""
    deadline = time.monotonic() + 30
    while True:
        task = AsyncTask.objects.filter(operation=OPERATION, state=AsyncTask.State.RUNNING).order_by("-pk").first()
        if task:
            cluster_task_run(task_pk=task.pk)
            return
        assert time.monotonic() < deadline, "the page started no search"
        time.sleep(0.1)


@pytest.mark.slow
def test_duplicates_keep_the_largest_and_trash_the_rest(drive_url, alice, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    sign_in(page, drive_url)
    person = Browser(drive_url, None)  # type: ignore[arg-type]
    cat_copies(person)
    found: list[str] = []

    page.goto(f"{drive_url}/photos/")
    wait_ready(page)
    screenshot("photos-with-search-box")
    page.get_by_role("link", name="Duplicates").click()
    expect(page.get_by_role("heading", name="Duplicates", level=1)).to_be_visible()
    wait_ready(page)
    run_the_search()
    group = page.get_by_role("group", name="3 similar photos")
    expect(group).to_be_visible()
    expect(page.locator(".dup-cluster")).to_have_count(1)
    # The largest is the one kept; the coffee is in no group.
    expect(group.get_by_role("radio", name="Keep cat.png")).to_be_checked()
    # What tells the copies apart is read with the choice: "Best", the size.
    expect(group.get_by_role("radio", name="Keep cat.png")).to_have_accessible_description(
        re.compile(r"^Best 451 × 300 · ")
    )
    expect(group.get_by_role("radio")).to_have_count(3)
    expect(page.get_by_role("radio", name="Keep coffee.jpg")).to_have_count(0)
    page.wait_for_function("() => [...document.querySelectorAll('.dup-copy img')].every((i) => i.naturalWidth > 0)")
    audit_looks(page, screenshot, "duplicates", found)
    page.set_viewport_size({"width": 1280, "height": 800})

    # Another one kept, with the keyboard, then the largest again.
    group.get_by_role("radio", name="Keep cat.png").focus()
    page.keyboard.press("ArrowRight")
    expect(group.get_by_role("radio", name="Keep cat.png")).not_to_be_checked()
    expect(group.locator("input[type=radio]:checked")).to_have_count(1)
    page.keyboard.press("ArrowLeft")
    expect(group.get_by_role("radio", name="Keep cat.png")).to_be_checked()

    group.get_by_role("button", name="Trash the rest").click()
    toast = page.locator(".toast", has_text="Moved to trash (2)")
    expect(toast).to_be_visible()
    expect(page.get_by_text("No duplicates", exact=True)).to_be_visible()
    screenshot("trashed")
    toast.get_by_role("button", name="Undo").click()
    expect(page.locator(".toast", has_text="Restored (2)")).to_be_visible()
    expect(page.get_by_role("group", name="3 similar photos")).to_be_visible()

    # All at once: asked first.
    page.get_by_role("button", name="Trash all duplicates").click()
    dialog = page.get_by_role("dialog", name="Trash all duplicates?")
    expect(dialog).to_contain_text("Move 2 photos to the trash?")
    screenshot("trash-all-dialog")
    dialog.get_by_role("button", name="Move to trash").click()
    expect(page.get_by_text("No duplicates", exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Trash all duplicates")).to_be_hidden()

    page.goto(f"{drive_url}/trash/")
    wait_ready(page)
    expect(page.get_by_role("cell", name="cat-half.jpg", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="cat-resaved.jpg", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="cat.png", exact=True)).to_have_count(0)
    assert not found, "\n".join(found)


@pytest.mark.slow
def test_a_search_ending_while_she_reviews_never_changes_what_she_keeps(drive_url, alice, page, screenshot):
    sign_in(page, drive_url)
    person = Browser(drive_url, signed_in_session(drive_url))  # her other tab
    ids = cat_copies(person)
    find_again(person)  # the last search, a moment ago: a visit does not start another
    tasks = AsyncTask.objects.count()
    with page.expect_response(lambda answer: "/photos/duplicates/api/tasks/" in answer.url):
        page.goto(f"{drive_url}/photos/duplicates/")
    wait_ready(page)
    group = page.get_by_role("group", name="3 similar photos")
    expect(group).to_be_visible()
    assert AsyncTask.objects.count() == tasks

    # A search she did not ask for (another tab's) is running as she chooses another to keep.
    started = person.post("/photos/duplicates/api/find", json={}).json()["task_id"]
    with page.expect_response(lambda answer: started in answer.url):
        page.reload()
    wait_ready(page)
    expect(page.get_by_role("status").filter(has_text="Looking for duplicates…")).to_be_visible()
    group.get_by_role("radio", name="Keep cat-resaved.jpg").check()
    run_the_search()
    # Its results are offered, not put in place under her: her choice stays.
    show = page.get_by_role("button", name="New results — show")
    expect(show).to_be_visible()
    expect(group.get_by_role("radio", name="Keep cat-resaved.jpg")).to_be_checked()
    screenshot("new-results-offered")
    # Shown: the new list keeps the photo she chose.
    show.click()
    expect(show).to_be_hidden()
    fresh = page.get_by_role("group", name="3 similar photos")
    expect(fresh.get_by_role("radio", name="Keep cat-resaved.jpg")).to_be_checked()
    expect(fresh.get_by_role("radio", name="Keep cat-resaved.jpg")).to_be_focused()
    fresh.get_by_role("button", name="Trash the rest").click()
    expect(page.locator(".toast", has_text="Moved to trash (2)")).to_be_visible()
    trashed = set(File.objects.filter(trashed=True).values_list("file_id", flat=True))
    assert trashed == {ids["cat.png"], ids["cat-half.jpg"]}
