"""A person's Photos in the browser: the timeline shows photos under the date they were
taken (EXIF with its offset), not the upload date; the viewer steps through them with the
arrow keys, zooms, shows their info and closes with Esc; a video plays; the scrubber jumps
to a month; photos are selected and trashed, and come back with Undo; and a library of
thousands scrolls with the DOM bounded."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from pds_server.models import Drive, File, MediaInfo
from tests.drive_helpers import Browser
from tests.e2e.pages import wait_ready
from tests.e2e.test_accessibility import AXE, audit_looks
from tests.e2e.test_drive_browser import sign_in
from tests.files.photos_helpers import library, upload_photo, upload_video

# No page of the timeline on its way (static/js/photos.js marks #timeline[data-fetching]).
SETTLED = "() => !document.getElementById('timeline').dataset.fetching"


@pytest.fixture
def person(drive_url, alice, page) -> Browser:
    """Alice, signed in in the browser, and her PDS for making her photos."""
    sign_in(page, drive_url)
    return Browser(drive_url, None)  # type: ignore[arg-type]


def open_photos(page, drive_url: str) -> None:
    page.goto(f"{drive_url}/photos/")
    expect(page.get_by_role("heading", name="Photos", exact=True)).to_be_visible()
    wait_ready(page)


def day(page, iso: str):
    return page.locator(f'.photo-day[data-day="{iso}"]')


@pytest.mark.slow
def test_the_timeline_is_by_capture_date_and_the_viewer_steps_with_the_arrow_keys(drive_url, person, page, screenshot):
    upload_photo(person, "fireworks.jpg", taken="2021:07:04 23:30:00", offset="-07:00")  # 5 July in UTC
    upload_photo(person, "breakfast.jpg", taken="2021:07:05 08:00:00", offset="+08:00")
    upload_photo(person, "winter.jpg", taken="2019:01:20 12:00:00", offset="+01:00", gps=(48.8566, 2.3522))
    open_photos(page, drive_url)
    expect(page.get_by_role("heading", name="Sunday, 4 July 2021")).to_be_visible()
    expect(day(page, "2021-07-04").get_by_role("link", name="fireworks.jpg")).to_be_visible()
    expect(day(page, "2021-07-05").get_by_role("link", name="breakfast.jpg")).to_be_visible()
    expect(day(page, "2019-01-20").get_by_role("link", name="winter.jpg")).to_be_visible()
    expect(page.get_by_role("heading", name="July 2021", exact=True)).to_be_visible()
    today = datetime.now(UTC).date().isoformat()
    expect(page.locator(f'.photo-day[data-day="{today}"]')).to_have_count(0)
    expect(page.locator("#on-this-day")).to_be_hidden()  # none of them taken on today's date
    screenshot("timeline")

    page.get_by_role("link", name="fireworks.jpg").click()
    viewer = page.get_by_role("dialog", name="fireworks.jpg")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("img", name="fireworks.jpg")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#photo-viewer img.photo-media').naturalWidth > 0")
    screenshot("viewer")
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("dialog", name="breakfast.jpg")).to_be_visible()
    page.keyboard.press("ArrowRight")
    viewer = page.get_by_role("dialog", name="winter.jpg")
    expect(viewer).to_be_visible()
    expect(viewer.get_by_role("button", name="Next")).to_have_count(0)  # the last one: no Next
    expect(viewer.get_by_role("button", name="Previous")).to_be_enabled()
    page.keyboard.press("ArrowLeft")
    viewer = page.get_by_role("dialog", name="breakfast.jpg")
    expect(viewer).to_be_visible()
    # A swipe to the left is the next photo, to the right the previous one.
    frame = page.locator("#photo-viewer [data-pv-frame]")
    box = frame.bounding_box()
    middle_y = box["y"] + box["height"] / 2
    for start, end, name in ((0.8, 0.2, "winter.jpg"), (0.2, 0.8, "breakfast.jpg")):
        page.mouse.move(box["x"] + box["width"] * start, middle_y)
        page.mouse.down()
        page.mouse.move(box["x"] + box["width"] * end, middle_y, steps=5)
        page.mouse.up()
        expect(page.get_by_role("dialog", name=name)).to_be_visible()
    # A double click zooms in where it is, and out again.
    frame.dblclick()
    expect(frame).to_have_class("photo-frame is-zoomed")
    frame.dblclick()
    expect(frame).to_have_class("photo-frame")

    # Zoom with the keys; the original replaces the thumbnail once zoomed in.
    page.keyboard.press("+")
    expect(frame).to_have_class("photo-frame is-zoomed")
    page.wait_for_function("() => document.querySelector('#photo-viewer img.photo-media').dataset.original === 'shown'")
    page.keyboard.press("0")
    expect(frame).to_have_class("photo-frame")

    viewer.get_by_role("button", name="Info").click()
    info = viewer.get_by_role("complementary", name="Info")
    expect(info).to_contain_text("1/125 · f/2.8 · ISO 400 · 35 mm")
    expect(info).to_contain_text("Monday, 5 July 2021, 08:00")
    expect(info).to_contain_text("UTC+08:00")
    expect(info).to_contain_text("Canon EOS R5")
    screenshot("viewer-info")
    page.keyboard.press("Escape")
    expect(page.locator("#photo-viewer")).to_be_hidden()
    expect(page.get_by_role("link", name="breakfast.jpg")).to_be_focused()

    # Keys on the grid: arrows move between photos, Enter opens.
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("link", name="winter.jpg")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name="winter.jpg")).to_be_visible()
    page.keyboard.press("Escape")

    for scheme, size in (("dark", {"width": 1280, "height": 800}), ("light", {"width": 375, "height": 667})):
        page.emulate_media(color_scheme=scheme)
        page.set_viewport_size(size)
        screenshot(f"timeline-{scheme}-{size['width']}")
        page.get_by_role("link", name="winter.jpg").click()
        expect(page.get_by_role("dialog", name="winter.jpg")).to_be_visible()
        screenshot(f"viewer-{scheme}-{size['width']}")
        page.keyboard.press("Escape")


@pytest.mark.slow
def test_a_video_plays_in_the_viewer(drive_url, person, page, screenshot):
    upload_video(person, "clip.mp4")
    open_photos(page, drive_url)
    tile = page.get_by_role("link", name="clip.mp4")
    expect(tile).to_contain_text("0:02")
    tile.click()
    viewer = page.get_by_role("dialog", name="clip.mp4")
    expect(viewer).to_be_visible()
    video = page.locator("#photo-viewer video")
    expect(video).to_have_count(1)
    page.wait_for_function("() => document.querySelector('#photo-viewer video').readyState >= 2")
    page.evaluate("() => { const v = document.querySelector('#photo-viewer video'); v.muted = true; return v.play(); }")
    page.wait_for_function("() => document.querySelector('#photo-viewer video').currentTime > 0.3")
    # Seeking asks for a range of the file.
    page.evaluate("() => { document.querySelector('#photo-viewer video').currentTime = 1.5; }")
    page.wait_for_function("() => document.querySelector('#photo-viewer video').currentTime >= 1.5")
    screenshot("video")
    page.keyboard.press("Escape")

    # A rendition being made: "Preparing video…", asked again until it plays.
    media = MediaInfo.objects.get(files__name="clip.mp4")
    MediaInfo.objects.filter(pk=media.pk).update(rendition_state=MediaInfo.RenditionState.RUNNING)
    tile.click()
    expect(viewer.locator("[data-pv-note]")).to_have_text("Preparing video…")
    expect(page.locator("#photo-viewer video")).to_have_count(0)
    screenshot("video-preparing")
    MediaInfo.objects.filter(pk=media.pk).update(rendition_state="")
    expect(page.locator("#photo-viewer video")).to_have_count(1)
    expect(viewer.locator("[data-pv-note]")).to_be_hidden()
    page.keyboard.press("Escape")
    # One that cannot be made offers the download.
    MediaInfo.objects.filter(pk=media.pk).update(rendition_state=MediaInfo.RenditionState.FAILED)
    tile.click()
    expect(viewer.locator("[data-pv-note]")).to_contain_text("This video cannot be played here.")
    download = viewer.locator("[data-pv-note]").get_by_role("link", name="Download")
    expect(download).to_have_attribute("href", re.compile(r"/files/[0-9a-f]+/download$"))
    screenshot("video-failed")


@pytest.mark.slow
def test_select_trash_and_undo_and_the_scrubber_jumps_to_a_month(drive_url, person, page, screenshot):
    for index, taken in enumerate(("2023:06:10 10:00:00", "2023:06:10 09:00:00", "2023:06:09 10:00:00")):
        upload_photo(person, f"june-{index}.jpg", taken=taken, offset="+02:00")
    upload_photo(person, "spring.jpg", taken="2020:04:02 10:00:00", offset="+02:00")
    open_photos(page, drive_url)
    bar = page.get_by_role("region", name="Selection")
    # Space on a photo selects it, Escape lets go; one selected is shared from the bar.
    page.get_by_role("link", name="june-1.jpg").focus()
    page.keyboard.press(" ")
    expect(bar.get_by_role("status")).to_have_text("1 selected")
    bar.get_by_role("button", name="Share").click()
    share = page.get_by_role("dialog", name="Share “june-1.jpg”")
    expect(share).to_be_visible()
    share.get_by_role("button", name="Close").click()
    expect(share).to_be_hidden()
    page.get_by_role("link", name="june-1.jpg").focus()
    page.keyboard.press("Escape")
    expect(bar).to_be_hidden()

    page.get_by_role("checkbox", name="Select june-0.jpg").check()
    expect(bar.get_by_role("status")).to_have_text("1 selected")
    page.get_by_role("link", name="june-2.jpg").click(modifiers=["Shift"])  # a range while selecting
    expect(bar.get_by_role("status")).to_have_text("3 selected")
    page.get_by_role("link", name="june-1.jpg").click()  # a click while selecting unselects
    expect(bar.get_by_role("status")).to_have_text("2 selected")
    screenshot("selected")
    bar.get_by_role("button", name="Move to trash").click()
    expect(page.get_by_role("link", name="june-0.jpg")).to_have_count(0)
    expect(page.get_by_role("link", name="june-2.jpg")).to_have_count(0)
    expect(bar).to_be_hidden()
    assert set(File.objects.filter(trashed=True).values_list("name", flat=True)) == {"june-0.jpg", "june-2.jpg"}
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("link", name="june-0.jpg")).to_be_visible()
    expect(page.get_by_role("link", name="june-2.jpg")).to_be_visible()
    assert not File.objects.filter(trashed=True).exists()
    # Two selected download as one zip.
    page.get_by_role("checkbox", name="Select june-0.jpg").check()
    page.get_by_role("checkbox", name="Select spring.jpg").check()
    with page.expect_download() as download:
        bar.get_by_role("button", name="Download").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        assert sorted(archive.namelist()) == ["june-0.jpg", "spring.jpg"]
    bar.get_by_role("button", name="Clear selection").click()
    expect(bar).to_be_hidden()

    scrubber = page.get_by_role("navigation", name="Jump to a date")
    scrubber.get_by_role("link", name=re.compile(r"^2020\W+1 item$")).click()
    expect(page.get_by_role("heading", name="April 2020", exact=True)).to_be_focused()
    assert "before=2020-05-01T11" in page.url


@pytest.mark.slow
def test_a_big_library_scrolls_with_a_bounded_dom(drive_url, person, page):
    newest = upload_photo(person, "newest.jpg", taken="2025:01:01 12:00:00", offset="+00:00")
    model = File.objects.select_related("blob", "media").get(file_id=newest)
    drive = Drive.objects.get(pk=int(person.drive_id))
    library(drive, model, 1000, newest=datetime(2024, 12, 31, 12, tzinfo=UTC), step=timedelta(hours=7))
    page.set_viewport_size({"width": 1280, "height": 800})
    open_photos(page, drive_url)
    counts = "() => [document.querySelectorAll('#timeline .photo-tile').length, document.querySelectorAll('*').length]"
    most_tiles = most_nodes = 0
    last = "IMG_000999.jpg"
    for _ in range(200):
        page.mouse.wheel(0, 4000)
        page.wait_for_function(SETTLED)
        tiles, nodes = page.evaluate(counts)
        most_tiles, most_nodes = max(most_tiles, tiles), max(most_nodes, nodes)
        if page.get_by_role("link", name=last).count():
            break
    expect(page.get_by_role("link", name=last)).to_be_attached()
    expect(page.get_by_role("link", name="newest.jpg")).to_have_count(0)  # dropped far above
    # Back to the top: the pages dropped are fetched again.
    for _ in range(200):
        page.mouse.wheel(0, -4000)
        page.wait_for_function(SETTLED)
        tiles, nodes = page.evaluate(counts)
        most_tiles, most_nodes = max(most_tiles, tiles), max(most_nodes, nodes)
        if page.get_by_role("link", name="newest.jpg").count():
            break
    expect(page.get_by_role("link", name="newest.jpg")).to_be_visible()
    # 1,001 photos, at most five pages of 100 in the page at once.
    assert most_tiles <= 500, most_tiles
    assert most_nodes < 6000, most_nodes
    page.goto("about:blank")  # no thumbnail still on its way when the live server stops


@pytest.mark.slow
def test_photos_on_this_day_and_the_viewer_have_no_serious_axe_violation(drive_url, person, page, screenshot):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: `make test` installs it (npm ci in tests/e2e)")
    page.context.add_init_script(path=str(AXE))
    today = date.today()  # the browser's today: the same clock
    years_ago = 2 if (today.month, today.day) != (2, 29) else 4
    taken = f"{today.year - years_ago}:{today.month:02d}:{today.day:02d} 12:00:00"
    upload_photo(person, "anniversary.jpg", taken=taken, offset="+00:00")
    upload_photo(person, "harbour.jpg", taken="2022:08:01 18:00:00", offset="+08:00", gps=(22.28, 114.16))
    upload_video(person, "clip.mp4")
    open_photos(page, drive_url)
    memories = page.get_by_role("region", name="On this day")
    expect(memories).to_be_visible()
    expect(memories).to_contain_text(f"{years_ago} years ago")
    expect(memories.get_by_role("link", name="anniversary.jpg")).to_be_visible()
    found: list[str] = []
    audit_looks(page, screenshot, "photos", found)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.get_by_role("checkbox", name="Select harbour.jpg").check()
    expect(page.get_by_role("region", name="Selection")).to_be_visible()
    audit_looks(page, screenshot, "photos-selected", found)
    page.get_by_role("button", name="Clear selection").click()
    page.set_viewport_size({"width": 1280, "height": 800})
    memories.get_by_role("link", name="anniversary.jpg").click()
    viewer = page.get_by_role("dialog", name="anniversary.jpg")
    expect(viewer).to_be_visible()
    viewer.get_by_role("button", name="Info").click()
    expect(viewer.get_by_role("complementary", name="Info")).to_contain_text("Canon EOS R5")
    audit_looks(page, screenshot, "photo-viewer", found)
    page.keyboard.press("Escape")
    expect(memories.get_by_role("link", name="anniversary.jpg")).to_be_focused()
    if found:
        print("\n".join(found))
    assert not found, f"{len(found)} serious or critical axe violations:\n" + "\n".join(found)


@pytest.mark.slow
def test_an_album_made_from_a_selection_opens_with_its_photos(drive_url, person, page, screenshot):
    upload_photo(person, "beach.jpg", taken="2023:08:01 10:00:00", offset="+02:00")
    upload_photo(person, "dunes.jpg", taken="2023:08:02 10:00:00", offset="+02:00")
    upload_photo(person, "city.jpg", taken="2023:09:01 10:00:00", offset="+02:00")
    open_photos(page, drive_url)
    page.get_by_role("checkbox", name="Select beach.jpg").check()
    page.get_by_role("checkbox", name="Select dunes.jpg").check()
    page.get_by_role("region", name="Selection").get_by_role("button", name="Add to album").click()
    picker = page.get_by_role("dialog", name="Add to album")
    expect(picker).to_be_visible()
    picker.get_by_label("New album").fill("Summer 2023")
    picker.get_by_role("button", name="Create and add").click()
    expect(picker).to_be_hidden()
    screenshot("album-added")
    page.get_by_role("button", name="Open album").click()
    expect(page.get_by_role("heading", name="Summer 2023")).to_be_visible()
    wait_ready(page)
    photos = page.get_by_role("list", name="Photos in this album")
    expect(photos.get_by_role("img", name="beach.jpg")).to_be_visible()
    expect(photos.get_by_role("img", name="dunes.jpg")).to_be_visible()
    expect(photos.get_by_role("img")).to_have_count(2)
    screenshot("album")
