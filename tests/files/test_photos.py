"""The Photos pages over HTTP, signed in through the live embedded PDS: the timeline by
capture date (EXIF with its offset, not the upload date), its pages by marker and from a
month of the scrubber, On this day, the viewer's info panel, thumbnails and a video's play
info; and the pure parts (grouping by the wall-clock date, month ends, exposure lines)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import requests

from files.photos import Photo, days_of, month_end, parse_time, photo_of
from files.photos_info import camera_line, exposure_line, place_line, zone_label
from pds_server.models import Drive, File
from pds_server.services.groups import group_create, group_member_add
from tests.factories import DriveFactory
from tests.files.photos_helpers import library, upload_photo, upload_video

DAY = re.compile(r'class="photo-day" data-day="([^"]+)"')
TILE = re.compile(r'class="photo-tile" data-id="([^"]+)"[^>]*data-name="([^"]*)"')


def names_on(page: requests.Response) -> list[str]:
    return [name for _, name in TILE.findall(page.text)]


def attribute(page: requests.Response, name: str) -> str:
    found = re.search(rf'class="photos-page"[^>]*{name}="([^"]*)"', page.text)
    assert found, page.text[:500]
    return found.group(1).replace("&amp;", "&")


# --- Pure parts -----------------------------------------------------------------------------


def test_a_photo_belongs_to_the_date_on_the_clock_it_was_taken_by():
    late = photo_of({"file_id": "a", "image_time": "2021-07-04T23:30:00-07:00"})
    early = photo_of({"file_id": "b", "image_time": "2021-07-05T06:00:00+08:00"})
    assert late and early and late.day == date(2021, 7, 4) and early.day == date(2021, 7, 5)
    # No capture time (or not one that parses): not on the timeline.
    assert photo_of({"file_id": "c"}) is None and photo_of({"file_id": "d", "image_time": "yesterday"}) is None
    # The media metadata's time counts when the file's own is not answered.
    assert photo_of({"file_id": "e", "image_media_metadata": {"time": "2020-01-02T03:04:05Z"}}).day == date(2020, 1, 2)


def test_days_start_years_and_months_only_where_they_change():
    def at(time: str) -> Photo:
        found = photo_of({"file_id": time, "image_time": time})
        assert found
        return found

    days = days_of(
        [at("2022-01-02T10:00:00Z"), at("2022-01-02T09:00:00Z"), at("2022-01-01T10:00:00Z"), at("2021-12-31T10:00:00Z")]
    )
    assert [(day.day.isoformat(), len(day.photos), day.new_year, day.new_month) for day in days] == [
        ("2022-01-02", 2, True, True),
        ("2022-01-01", 1, False, False),
        ("2021-12-31", 1, True, True),
    ]


def test_a_month_ends_for_every_clock_and_the_info_lines_read_as_people_write_them():
    assert month_end(2021, 7) == "2021-08-01T11:59:59Z"  # 31 July, 23:59:59 at UTC-12:00
    assert month_end(2021, 12) == "2022-01-01T11:59:59Z"
    meta = {"exposure_time": "1/125", "f_number": 2.8, "iso": 400, "focal_length": 35.0}
    assert exposure_line(meta) == "1/125 · f/2.8 · ISO 400 · 35 mm"
    assert exposure_line({"f_number": 4.0}) == "f/4" and exposure_line({}) == ""
    assert camera_line({"camera_make": "Canon", "camera_model": "Canon EOS R5"}) == "Canon EOS R5"
    assert camera_line({"camera_make": "FUJIFILM", "camera_model": "X-T5"}) == "FUJIFILM X-T5"
    assert place_line({"city": "Hangzhou", "province": "Zhejiang", "country": "China"}) == "Hangzhou, Zhejiang, China"
    taken = parse_time("2021-07-04T18:30:00+08:00")
    assert taken and zone_label(taken, "2021-07-04T18:30:00+08:00") == "UTC+08:00"
    west = parse_time("2021-07-04T18:30:00-03:30")
    assert west and zone_label(west, "2021-07-04T18:30:00-03:30") == "UTC-03:30"


# --- Over HTTP, with the live PDS --------------------------------------------------------------


def test_no_photos_shows_the_empty_state(browser):
    browser.upload("notes.txt", b"words")
    page = browser.get("/photos/")
    assert page.status_code == 200 and "No photos or videos yet." in page.text
    assert 'id="timeline"' not in page.text


def test_the_timeline_groups_photos_by_the_day_they_were_taken_not_uploaded(browser):
    # Taken late on 4 July in California: 5 July in UTC, and uploaded today.
    upload_photo(browser, "fireworks.jpg", taken="2021:07:04 23:30:00", offset="-07:00")
    upload_photo(browser, "breakfast.jpg", taken="2021:07:05 08:00:00", offset="+08:00")
    upload_photo(browser, "winter.jpg", taken="2019:01:20 12:00:00", offset="+01:00")
    browser.upload("notes.txt", b"not a photo")
    page = browser.get("/photos/")
    assert page.status_code == 200
    # Newest instant first; breakfast (5 July 00:00 UTC) was taken before the fireworks (5 July 06:30 UTC).
    assert names_on(page) == ["fireworks.jpg", "breakfast.jpg", "winter.jpg"]
    assert DAY.findall(page.text) == ["2021-07-04", "2021-07-05", "2019-01-20"]
    assert "Sunday, 4 July 2021" in page.text and "Monday, 5 July 2021" in page.text
    assert ">July 2021</h3>" in page.text and ">January 2019</h3>" in page.text
    today = datetime.now(UTC).date()
    assert f'data-day="{today.isoformat()}"' not in page.text  # not by the upload date
    # The scrubber: the years and months that hold photos, each a link to its month.
    scrubber = re.search(r'<nav class="scrubber".*?</nav>', page.text, re.S)
    assert scrubber and ">2021<span" in scrubber.group(0) and ">2019<span" in scrubber.group(0)
    assert "January 2019, 1 item" in scrubber.group(0)
    jump = re.search(r'href="\?before=([^"]+)" data-before="([^"]+)" data-month="2019-01"', scrubber.group(0))
    assert jump and jump.group(2) == "2019-02-01T11:59:59Z"
    # The month's page: from its end, downwards (also the page a scrubber link opens without scripts).
    month = browser.get("/photos/page", params={"before": jump.group(2)})
    assert month.status_code == 200 and names_on(month) == ["winter.jpg"]
    assert attribute(month, "data-prev") == f"after={requests.utils.quote(month_time(month), safe='')}"
    newer = browser.get("/photos/page?" + attribute(month, "data-prev"))
    assert names_on(newer) == ["fireworks.jpg", "breakfast.jpg", "winter.jpg"]  # the page repeats that instant
    assert browser.get("/photos/", params={"before": jump.group(2)}).status_code == 200
    assert browser.get("/photos/page", params={"before": "soon"}).status_code == 400


def month_time(page: requests.Response) -> str:
    found = re.search(r'data-time="([^"]+)"', page.text)
    assert found
    return found.group(1)


def test_pages_follow_by_marker_and_hold_a_page_of_the_pds(browser):
    first_id = upload_photo(browser, "first.jpg", taken="2024:05:01 12:00:00", offset="+00:00")
    model = File.objects.select_related("blob", "media").get(file_id=first_id)
    drive = Drive.objects.get(pk=int(browser.drive_id))
    library(drive, model, 230, newest=datetime(2024, 4, 30, 12, tzinfo=UTC), step=timedelta(hours=5))
    page = browser.get("/photos/")
    assert len(names_on(page)) == 100 and names_on(page)[0] == "first.jpg"
    following = browser.get("/photos/page?" + attribute(page, "data-next"))
    assert names_on(following)[:2] == ["IMG_000099.jpg", "IMG_000100.jpg"] and len(names_on(following)) == 100
    last = browser.get("/photos/page?" + attribute(following, "data-next"))
    assert len(names_on(last)) == 31 and attribute(last, "data-next") == ""


def test_on_this_day_shows_earlier_years_of_todays_date_by_the_local_clock(browser):
    upload_photo(browser, "birthday 2020.jpg", taken="2020:03:14 22:00:00", offset="-05:00")  # 15 March in UTC
    upload_photo(browser, "birthday 2018.jpg", taken="2018:03:14 09:00:00", offset="+09:00")  # 14 March 00:00 UTC
    upload_photo(browser, "the day after.jpg", taken="2020:03:15 09:00:00", offset="+09:00")
    upload_photo(browser, "this year.jpg", taken="2026:03:14 09:00:00", offset="+00:00")
    strip = browser.get("/photos/on-this-day", params={"date": "2026-03-14"})
    assert strip.status_code == 200
    assert names_on(strip) == ["birthday 2020.jpg", "birthday 2018.jpg"]
    assert "6 years ago" in strip.text and "8 years ago" in strip.text and "On this day" in strip.text
    none = browser.get("/photos/on-this-day", params={"date": "2026-08-01"})
    assert none.status_code == 200 and "photo-tile" not in none.text and "On this day" not in none.text
    assert browser.get("/photos/on-this-day", params={"date": "March"}).status_code == 400


def test_the_info_panel_and_thumbnails_of_a_photo(browser):
    file_id = upload_photo(browser, "harbour.jpg", taken="2021:07:04 18:30:00", offset="+08:00", gps=(22.28, 114.16))
    info = browser.get(f"/photos/files/{file_id}/info")
    assert info.status_code == 200
    text = re.sub(r"\s+", " ", info.text)
    assert "Sunday, 4 July 2021, 18:30" in text and "UTC+08:00" in text
    assert "Canon EOS R5" in text and "RF24-105mm F4 L IS USM" in text
    assert "1/125 · f/2.8 · ISO 400 · 35 mm" in text
    assert "640 × 480" in text and "0.3 MP" in text
    assert "22.28" in text  # the position; the place name is the geocoder's
    for size in ("480", "1920"):
        thumb = browser.get(f"/photos/files/{file_id}/thumbnail/{size}")
        assert thumb.status_code == 200 and thumb.headers["Content-Type"] == "image/jpeg"
        assert thumb.content[:2] == b"\xff\xd8"
    assert browser.get(f"/photos/files/{file_id}/thumbnail/777").status_code == 404
    assert browser.get(f"/photos/files/{'0' * 40}/info").status_code == 404


@pytest.mark.slow
def test_a_video_is_on_the_timeline_with_its_duration_and_plays_with_range(browser):
    file_id = upload_video(browser, "clip.mp4")
    page = browser.get("/photos/")
    assert names_on(page) == ["clip.mp4"] and 'data-kind="video"' in page.text and "0:02" in page.text
    play = browser.get(f"/photos/api/files/{file_id}/play")
    assert play.status_code == 200, play.text
    answer = play.json()
    assert answer["state"] == "finished" and answer["src"] == f"/photos/files/{file_id}/video"
    part = browser.get(answer["src"], headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100 and part.headers["Content-Type"] == "video/mp4"
    assert part.content[4:8] == b"ftyp"


def test_a_team_drives_photos_under_its_prefix(browser, domain):
    team = group_create(domain=domain, group_name="Design")
    group_member_add(group=team, member_type="user", member_id="alice")
    drive = DriveFactory(domain=domain, owner=team.group_id, owner_type=Drive.OwnerType.GROUP, drive_name="Design team")
    file_id = upload_photo(browser, "launch.jpg", drive_id=drive.drive_id, taken="2022:02:02 10:00:00")
    upload_photo(browser, "mine.jpg", taken="2022:02:03 10:00:00")
    page = browser.get(f"/d/{drive.drive_id}/photos/")
    assert page.status_code == 200 and names_on(page) == ["launch.jpg"]
    assert f'src="/d/{drive.drive_id}/photos/files/{file_id}/thumbnail/480' in page.text
    thumb = browser.get(f"/d/{drive.drive_id}/photos/files/{file_id}/thumbnail/480")
    assert thumb.status_code == 200 and thumb.content[:2] == b"\xff\xd8"
    assert names_on(browser.get("/photos/")) == ["mine.jpg"]
