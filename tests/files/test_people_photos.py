"""People in photos over HTTP, signed in through the live embedded PDS: real photos of one
face (scikit-image's astronaut, and mirrored and resized copies of her) are analysed as the
worker does; the People page shows her once, with a round cover cut around her face and her
photo count; the Photos home's strip shows her; her page lists her photos by the date they
were taken; she is named (and the name taken away), a wrong photo is removed for good, and two
people who are one are merged (the named one staying)."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image, ImageOps

from pds_server.models import FaceGroup, File, PersonFace
from pds_server.services.analysis.face_groups import group_analysis_faces, groups_refresh, new_group_id
from pds_server.services.analysis.pipeline import analyse_media
from pds_server.services.media.ingest import media_ingest
from tests.drive_helpers import Browser


def astronaut(*, mirrored: bool = False, side: int = 512) -> Image.Image:
    from skimage import data

    image = Image.fromarray(data.astronaut()).convert("RGB")
    if mirrored:
        image = ImageOps.mirror(image)
    return image if side == 512 else image.resize((side, side), Image.Resampling.LANCZOS)


def cat() -> Image.Image:
    from skimage import data

    return Image.fromarray(data.chelsea()).convert("RGB")


def jpeg(image: Image.Image, taken: str) -> bytes:
    """The picture as a JPEG taken at `taken` (EXIF DateTimeOriginal, "YYYY:MM:DD hh:mm:ss")."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = taken
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()


def upload_analysed(person: Browser, name: str, image: Image.Image, taken: str) -> str:
    """Upload the picture, and read and analyse it as the workers would; its file_id."""
    file_id = person.upload(name, jpeg(image, taken))["file_id"]
    file = File.objects.get(file_id=file_id)
    assert media_ingest(file_pk=file.pk) != "gone"
    file.refresh_from_db()
    assert analyse_media(file.media_id) == "done"
    return str(file_id)


def split_off(group: FaceGroup, file_id: str, *, name: str = "") -> FaceGroup:
    """The photo's faces moved out of `group` into a new group (as the grouping may split a
    person in two); the new group."""
    other = FaceGroup.objects.create(drive=group.drive, group_id=new_group_id(), name=name)
    analysis = File.objects.get(file_id=file_id).media.analysis
    PersonFace.objects.filter(drive=group.drive, face__analysis=analysis).update(group=other)
    groups_refresh(drive=group.drive)
    return other


@pytest.fixture
def her(browser) -> dict[str, str]:
    """Three photos of the astronaut on three days, and a cat (nobody)."""
    return {
        "astronaut.jpg": upload_analysed(browser, "astronaut.jpg", astronaut(), "2021:07:04 18:30:00"),
        "mirrored.jpg": upload_analysed(browser, "mirrored.jpg", astronaut(mirrored=True), "2022:01:02 09:00:00"),
        "small.jpg": upload_analysed(browser, "small.jpg", astronaut(side=360), "2023:05:01 10:00:00"),
        "cat.jpg": upload_analysed(browser, "cat.jpg", cat(), "2023:06:01 10:00:00"),
    }


def api(person: Browser, path: str, body: dict) -> tuple[int, dict]:
    reply = person.post(path, json=body)
    return reply.status_code, reply.json()


def cards(html: str) -> list[str]:
    return re.findall(r'<li class="person-card">.*?</li>', html, re.S)


def person_url(html: str) -> str:
    found = re.search(r'<a href="(/photos/people/[^/"]+/)">', html)
    assert found, "no link to a person"
    return found.group(1)


def tiles(html: str) -> list[str]:
    return re.findall(r'<li class="album-tile" data-id="([^"]+)"', html)


def test_no_people_yet_says_so_and_the_photos_home_shows_no_strip(browser):
    page = browser.get("/photos/people/")
    assert page.status_code == 200 and "No people yet." in page.text
    assert re.search(r'href="/photos/people/" aria-current="page"', page.text)
    strip = browser.get("/photos/people/strip")
    assert strip.status_code == 200 and strip.text == ""
    home = browser.get("/photos/")
    assert 'id="people-strip"' in home.text and 'href="/photos/people/"' in home.text


def test_her_photos_make_one_person_with_a_round_cover_her_count_and_her_page(browser, her):
    page = browser.get("/photos/people/")
    assert page.status_code == 200
    found = cards(page.text)
    assert len(found) == 1, found
    assert "3 photos" in found[0]
    # Unnamed people told apart by their link's name: "Unnamed person, 3 photos".
    link = re.search(r'<a href="/photos/people/[^"]+/">(.*?)</a>', found[0], re.S).group(1)
    text = re.sub(r"<[^>]+>", "", re.sub(r'<span class="face-cover[^>]*>.*?</span>', "", link, flags=re.S))
    assert " ".join(text.split()) == "Unnamed person, 3 photos"
    # The cover: the square around her face (in the cover's pixels), cut to a circle; the
    # photo placed in it, loaded only when in view.
    cover = re.search(
        r'<span class="face-cover is-cropped" aria-hidden="true"><img src="([^"]+)" alt="" loading="lazy" '
        r'decoding="async" data-crop="(\d+) (\d+) (\d+) (\d+) (\d+)">',
        found[0],
    )
    assert cover, found[0]
    x, y, side, width, height = map(int, cover.groups()[1:])
    assert 0 < side < min(width, height) and x + side <= width and y + side <= height
    assert "<image" not in page.text
    assert browser.get(cover.group(1).replace("&amp;", "&")).headers["Content-Type"] == "image/jpeg"
    assert cover.group(1).split("/")[3] in [her["astronaut.jpg"], her["mirrored.jpg"], her["small.jpg"]]

    strip = browser.get("/photos/people/strip")
    assert strip.status_code == 200 and strip.text.count('class="people-strip-item"') == 1
    assert "3 photos" in strip.text

    person = browser.get(person_url(page.text))
    assert person.status_code == 200 and "Unnamed person" in person.text
    # Her photos, newest first, each under the date it was taken; not the cat.
    assert tiles(person.text) == [her["small.jpg"], her["mirrored.jpg"], her["astronaut.jpg"]]
    days = re.findall(r'<h2 class="photo-date"[^>]*><time datetime="([\d-]+)">', person.text)
    assert days == ["2023-05-01", "2022-01-02", "2021-07-04"]
    assert re.search(r'href="/photos/people/" aria-current="true"', person.text)


def test_naming_her_shows_the_name_and_an_empty_name_takes_it_away(browser, her):
    url = person_url(browser.get("/photos/people/").text)
    group_id = url.split("/")[3]
    status, answer = api(browser, f"/photos/people/api/{group_id}/rename", {"name": "  Alice   Smith "})
    assert status == 200 and answer == {"name": "Alice Smith"}
    assert FaceGroup.objects.get(group_id=group_id).name == "Alice Smith"
    assert "<bdi>Alice Smith</bdi>" in cards(browser.get("/photos/people/").text)[0]
    assert "<h1 data-person-name><bdi>Alice Smith</bdi></h1>" in browser.get(url).text

    status, answer = api(browser, f"/photos/people/api/{group_id}/rename", {"name": "x" * 129})
    assert status == 400 and answer["error"] == "Use at most 128 characters."
    assert FaceGroup.objects.get(group_id=group_id).name == "Alice Smith"

    status, answer = api(browser, f"/photos/people/api/{group_id}/rename", {"name": ["x"]})  # not a name
    assert status == 400 and answer["error"] == "Type a name."
    assert FaceGroup.objects.get(group_id=group_id).name == "Alice Smith"

    status, answer = api(browser, f"/photos/people/api/{group_id}/rename", {"name": ""})
    assert status == 200 and answer == {"name": ""}
    assert "Unnamed person" in cards(browser.get("/photos/people/").text)[0]


def test_a_wrong_photo_removed_from_her_stays_out(browser, her):
    url = person_url(browser.get("/photos/people/").text)
    group_id = url.split("/")[3]
    status, answer = api(browser, f"/photos/people/api/{group_id}/remove", {"file_ids": [her["mirrored.jpg"]]})
    assert status == 200 and answer == {"removed": 1}
    assert tiles(browser.get(url).text) == [her["small.jpg"], her["astronaut.jpg"]]
    assert "2 photos" in cards(browser.get("/photos/people/").text)[0]

    # Grouping the photo's faces again does not put it back.
    mirrored = File.objects.get(file_id=her["mirrored.jpg"])
    group_analysis_faces(mirrored.drive_id, mirrored.media.analysis.pk)
    assert tiles(browser.get(url).text) == [her["small.jpg"], her["astronaut.jpg"]]

    status, answer = api(browser, f"/photos/people/api/{group_id}/remove", {"file_ids": []})
    assert status == 400 and answer["error"] == "Choose at least one photo."


def test_two_people_who_are_one_are_merged_and_the_named_one_stays(browser, her):
    # The grouping split her in two (it happens with other photos of a person): her small
    # photo's face in a group of its own.
    first = FaceGroup.objects.get()
    second = split_off(first, her["small.jpg"])
    page = browser.get("/photos/people/")
    assert len(cards(page.text)) == 2

    # Named: the second one. Merged from the first one's page, the second one stays.
    status, _answer = api(browser, f"/photos/people/api/{second.group_id}/rename", {"name": "Alice"})
    assert status == 200
    person = browser.get(f"/photos/people/{first.group_id}/")
    assert f'value="{second.group_id}"' in person.text  # offered in "Merge with…"
    status, answer = api(browser, f"/photos/people/api/{first.group_id}/merge", {"other_id": second.group_id})
    assert status == 200 and answer == {"group_id": second.group_id, "url": f"/photos/people/{second.group_id}/"}

    found = cards(browser.get("/photos/people/").text)
    assert len(found) == 1 and "<bdi>Alice</bdi>" in found[0] and "3 photos" in found[0]
    assert tiles(browser.get(answer["url"]).text) == [her["small.jpg"], her["mirrored.jpg"], her["astronaut.jpg"]]
    # The one merged away is gone.
    assert browser.get(f"/photos/people/{first.group_id}/").status_code == 404

    status, answer = api(browser, f"/photos/people/api/{second.group_id}/merge", {"other_id": second.group_id})
    assert status == 400 and answer["error"] == "Choose another person to merge with."


def test_a_person_that_is_not_there_is_not_found(browser):
    assert browser.get("/photos/people/nobody/").status_code == 404
    status, answer = api(browser, "/photos/people/api/nobody/merge", {"other_id": "somebody"})
    assert status == 404


def test_her_last_photo_taken_out_she_is_gone_and_people_says_so(browser, her):
    url = person_url(browser.get("/photos/people/").text)
    group_id = url.split("/")[3]
    status, answer = api(browser, f"/photos/people/api/{group_id}/remove", {"file_ids": [her["small.jpg"]]})
    assert status == 200 and answer == {"removed": 1}
    photos = [her["astronaut.jpg"], her["mirrored.jpg"]]
    status, answer = api(browser, f"/photos/people/api/{group_id}/remove", {"file_ids": photos})
    # Her last ones: she is no more, and the page is sent to People, which says so once.
    assert status == 200 and answer == {"removed": 2, "gone": True, "url": "/photos/people/"}
    people = browser.get("/photos/people/").text
    assert "That person is not in your photos any more." in people and "No people yet." in people
    assert "That person is not in your photos any more." not in browser.get("/photos/people/").text
    assert browser.get(url).status_code == 404


def test_a_change_to_a_person_who_is_gone_says_so_in_words(browser):
    # The PDS's NotFound.FaceGroup, in the drive's words (files/errors.py), not the server's.
    for path, body in (("rename", {"name": "Alice"}), ("remove", {"file_ids": ["f" * 40]})):
        status, answer = api(browser, f"/photos/people/api/nobody/{path}", body)
        assert status == 404 and answer["error"] == "That person is not in your photos any more.", answer
        browser.session.headers["Accept-Language"] = "zh-hans"
        chinese = browser.post(f"/photos/people/api/nobody/{path}", json=body).json()
        del browser.session.headers["Accept-Language"]
        assert chinese["error"] == "这个人物已不在你的照片中。", chinese


def test_the_photos_home_strip_reads_only_the_people_it_shows(browser, her, monkeypatch):
    from pds_client.faces_api import FacesAPI

    asked: list[dict] = []
    list_facegroups = FacesAPI.list_facegroups

    def counted(self, drive_id, **options):
        asked.append(options)
        return list_facegroups(self, drive_id, **options)

    monkeypatch.setattr(FacesAPI, "list_facegroups", counted)
    strip = browser.get("/photos/people/strip")
    assert strip.status_code == 200 and strip.text.count('class="people-strip-item"') == 1
    assert asked == [{"limit": 13}]  # one page, of the 12 shown and one to know there are more
    assert 'loading="lazy"' in strip.text and "See all" not in strip.text
