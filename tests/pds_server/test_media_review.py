"""What a review of the photo work found, each kept from coming back: no storage path in a
reason, no unbelievable capture time stored (a year 10000 row PostgreSQL cannot read back),
copies made while their content is read reach the timeline, a broker that is down does not
fail an upload, broken EXIF values leave the photo readable, 200-megapixel phone photos
decode at a reduced scale, story times and search values out of range are refused, and a
marker of one ordering is refused by another."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from pds_server.models import File, MediaInfo
from pds_server.services.media import ingest
from pds_server.services.media.images import image_read
from pds_server.services.media.ingest import media_ingest
from tests.pds_server import media_files

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def png(color=(1, 2, 3)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), color).save(out, "PNG")
    return out.getvalue()


def read(api, name: str, data: bytes, **extra) -> File:
    file_id = api.upload(name, data, **extra)["file_id"]
    media_ingest(file_pk=File.objects.get(file_id=file_id).pk)
    return File.objects.select_related("media").get(file_id=file_id)


def test_a_reason_never_names_where_the_bytes_are_stored(alice, tmp_path):
    item = read(alice, "bad.jpg", b"not a picture at all" * 10)
    assert item.media.state == MediaInfo.State.FAILED
    assert "/" not in item.media.reason and "blobs" not in item.media.reason, item.media.reason
    body = alice.ok("file/get", {"file_id": item.file_id})
    assert body["media_state"] == "failed" and "/" not in body["media_reason"]


@pytest.mark.parametrize("crafted", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+05:00", "1200-01-01T00:00:00Z"])
def test_an_unbelievable_device_time_falls_back_to_when_the_file_arrived(alice, crafted):
    item = read(alice, "plain.png", png(), local_created_at=crafted)
    assert item.media.state == MediaInfo.State.DONE
    assert item.image_time_source == "file" and item.image_time == item.created_at
    alice.ok("file/list", {"parent_file_id": "root"})  # the row reads back


def test_an_exif_time_in_year_9999_is_no_capture_time():
    from pds_server.services.media.images import _exif_time

    assert _exif_time("9999:12:31 23:00:00", "-14:00") is None
    assert _exif_time("2021:07:04 18:30:00", "+08:00") == (datetime(2021, 7, 4, 10, 30, tzinfo=UTC), 480)


def test_a_copy_made_while_its_content_is_read_reaches_the_timeline(alice):
    data = media_files.photo(taken="2017:03:04 05:06:07", offset="+00:00")
    source = File.objects.get(file_id=alice.upload("p.jpg", data)["file_id"])
    media, _ = MediaInfo.objects.get_or_create(blob_id=source.blob_id, defaults={"kind": "image"})
    File.objects.filter(pk=source.pk).update(media=media)  # queued, not read yet
    copied = alice.ok("file/copy", {"file_id": source.file_id, "to_parent_file_id": "root", "new_name": "c.jpg"}, 201)
    assert File.objects.get(file_id=copied["file_id"]).image_time is None
    media_ingest(file_pk=source.pk)
    copy = File.objects.get(file_id=copied["file_id"])
    assert copy.image_time == datetime(2017, 3, 4, 5, 6, 7, tzinfo=UTC) and copy.image_time_source == "exif"


def test_an_upload_succeeds_when_the_broker_is_down(alice, monkeypatch):
    def broker_down(file_pk: int) -> None:
        raise ConnectionError("broker unreachable")

    # In the live server's thread: the queueing after the commit fails.
    monkeypatch.setattr(ingest, "media_ingest_queue", broker_down)
    created = alice.upload("while-down.jpg", media_files.photo(size=(64, 48)))
    item = File.objects.get(file_id=created["file_id"])
    assert item.status == File.Status.AVAILABLE and item.media is None  # the sweep reads it later


def test_infinite_exif_values_are_left_out_and_the_photo_is_read(alice):
    image = Image.new("RGB", (64, 48), (9, 99, 199))
    exif = Image.Exif()
    exif[0x010F] = "Odd"
    exif.get_ifd(0x8769)[0x829A] = (1, 0)  # an exposure of 1/0 s
    exif.get_ifd(0x8769)[0x9204] = float("inf")  # ExposureBiasValue
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    item = read(alice, "odd.jpg", out.getvalue())
    assert item.media.state == MediaInfo.State.DONE, item.media.reason
    assert "Infinity" not in str(item.media.exif) and "inf" not in str(item.media.exif.values())
    assert item.media.camera_make == "Odd"


def test_a_200_megapixel_jpeg_decodes_at_a_reduced_scale(tmp_path):
    # A real baseline JPEG of 16320 × 12240 (200 megapixels) in one colour: small on disk.
    path = tmp_path / "galaxy.jpg"
    Image.new("L", (16320, 12240), 128).save(path, "JPEG", quality=10)
    read_back = image_read(str(path))
    assert (read_back.facts["width"], read_back.facts["height"]) == (16320, 12240)
    assert max(read_back.picture.size) <= 1920


def test_story_times_out_of_range_are_refused_not_stored(alice):
    for moment in ("9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+05:00"):
        reply = alice.call(
            "image/create_story",
            {"drive_id": alice.drive_id, "story_type": "custom", "story_name": "x", "story_start_time": moment},
        )
        assert reply.status_code == 400, reply.text
        reply = alice.call("image/find_stories", {"drive_id": alice.drive_id, "create_time_range": {"start": moment}})
        assert reply.status_code == 400, reply.text


@pytest.mark.parametrize(
    "query",
    [
        'name = "a\\x"',
        'image_time > "0001-01-01T00:00:00+05:00"',
        "(" * 1000 + 'name = "a"' + ")" * 1000,
        "not " * 1000 + 'name = "a"',
        "size > " + "9" * 40,
    ],
)
def test_hostile_search_values_get_a_clear_error_or_an_answer(alice, query):
    reply = alice.call("file/search", {"drive_id": alice.drive_id, "query": query})
    assert reply.status_code in (200, 400), reply.text
    if reply.status_code == 400:
        assert reply.json()["code"] == "InvalidParameter.Query"


def test_a_marker_of_one_ordering_is_refused_by_another(alice):
    for n in range(3):
        alice.upload(f"f{n}.txt", b"x" * (n + 1))
    first = alice.ok("file/list", {"parent_file_id": "root", "order_by": "name", "limit": 1})
    reply = alice.call(
        "file/list",
        {"drive_id": alice.drive_id, "parent_file_id": "root", "order_by": "size", "marker": first["next_marker"]},
    )
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Marker"


def test_a_drive_with_more_than_a_thousand_places_lists_them(alice):
    from datetime import timedelta

    from pds_server.models import Blob, Drive

    drive = Drive.objects.get(pk=int(alice.drive_id))
    count, start = 1100, datetime(2020, 1, 1, tzinfo=UTC)
    blobs = Blob.objects.bulk_create([Blob(sha1=f"{n:040X}", size=1, storage_name=f"x/{n}") for n in range(count)])
    media = MediaInfo.objects.bulk_create(
        [
            MediaInfo(
                blob=blob,
                kind="image",
                state="done",
                country="C",
                province="P",
                city=f"City{n}",
                latitude=1.0,
                longitude=1.0,
            )
            for n, blob in enumerate(blobs)
        ]
    )
    File.objects.bulk_create(
        [
            File(
                file_id=f"{n:040x}",
                drive=drive,
                parent_file_id="root",
                name=f"p{n}.jpg",
                type="file",
                status="available",
                category="image",
                file_extension="jpg",
                blob=blob,
                media=info,
                image_time=start + timedelta(hours=n),
                image_time_source="exif",
                created_at=start,
                updated_at=start,
            )
            for n, (blob, info) in enumerate(zip(blobs, media, strict=True))
        ]
    )
    found = alice.ok("image/search_address_groups", {})["items"]
    assert len(found) == 1000 and all(group["cover_file_id"] for group in found)  # at most 1000 a call


def test_a_listing_never_hands_out_a_url_longer_lived_than_get_download_url_allows(alice):
    from urllib.parse import parse_qs, urlparse

    from pds_server.services import downloads

    file_id = alice.upload("a.txt", b"abc")["file_id"]
    body = alice.ok("file/get", {"file_id": file_id, "fields": "*", "url_expire_sec": 10**12})
    expires = int(parse_qs(urlparse(body["url"]).query)["x-pds-expires"][0])
    assert expires <= datetime.now(UTC).timestamp() + downloads.MAX_EXPIRE_SEC + 5
