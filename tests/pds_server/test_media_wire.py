"""A photo's metadata on the wire: file/get, file/list and file/search answer the SDK's
`image_media_metadata` (with the capture time in the zone it was taken in, the place, the
camera and the EXIF as a JSON string) and the top-level `image_time`; a field not known is
absent; a file that is not analysable says so; a page of files reads its media in the same
query (no query a row). Photos are made by Pillow, uploaded over HTTP and read by the
ingest task's body, called here (tests/pds_server/test_media_ingest.py runs the worker)."""

from __future__ import annotations

import io
import json

import pytest
import requests
from django.db import connections
from django.test.utils import CaptureQueriesContext
from PIL import Image

from pds_server.models import File, MediaInfo
from pds_server.routers import PDS_DB
from pds_server.selectors import files as file_selectors
from pds_server.serializers import file_to_pds
from pds_server.serializers.media import video_media_metadata
from pds_server.services.media.ingest import media_ingest
from pds_server.services.pagination import ordering_for
from tests.pds_server import media_files
from tests.pds_server.api_client import Api

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])


def upload_and_read(api, name: str, data: bytes, parent: str = "root") -> str:
    file_id = api.upload(name, data, parent=parent, local_created_at="2024-01-02T03:04:05Z")["file_id"]
    media_ingest(file_pk=File.objects.get(file_id=file_id).pk)
    return file_id


def plain_png() -> bytes:
    """A picture with no metadata at all."""
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 90, 200)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def photos(alice) -> dict[str, str]:
    return {
        "hangzhou": upload_and_read(
            alice, "hangzhou.jpg", media_files.photo(gps=(30.25, 120.1667), color=(10, 200, 10))
        ),
        "dated": upload_and_read(alice, "IMG_20190203_101112.png", plain_png()),
        "broken": upload_and_read(alice, "broken.jpg", media_files.truncated_jpeg()),
        "notes": upload_and_read(alice, "notes.txt", b"not a photo"),
    }


def test_file_get_answers_the_photos_metadata_in_the_sdk_shape(alice, photos):
    got = alice.ok("file/get", {"file_id": photos["hangzhou"]})
    assert got["image_time"] == "2021-07-04T18:30:00+08:00"
    meta = got["image_media_metadata"]
    assert "video_media_metadata" not in got and "media_state" not in got
    assert (meta["width"], meta["height"]) == (640, 480)
    assert meta["time"] == "2021-07-04T18:30:00+08:00" and meta["time_source"] == "exif"
    latitude, longitude = (float(part) for part in meta["location"].split(","))
    assert abs(latitude - 30.25) < 1e-4 and abs(longitude - 120.1667) < 1e-4
    # The place people name, not the nearest village; the country by its name.
    assert (meta["country"], meta["province"], meta["city"]) == ("China", "Zhejiang", "Hangzhou")
    assert "Hangzhou" in meta["address_line"] and meta["address_line"].endswith("China")
    assert (meta["camera_make"], meta["camera_model"], meta["lens_model"]) == (
        "Canon",
        "EOS R5",
        "RF24-105mm F4 L IS USM",
    )
    assert (meta["exposure_time"], meta["f_number"], meta["iso"], meta["focal_length"]) == ("1/125", 2.8, 400, 35.0)
    exif = json.loads(meta["exif"])  # a JSON string, as the SDK types it
    assert exif["Make"] == "Canon" and exif["DateTimeOriginal"] == "2021:07:04 18:30:00"
    assert exif["OffsetTimeOriginal"] == "+08:00"


def test_a_field_not_known_is_absent(alice, photos):
    dated = alice.ok("file/get", {"file_id": photos["dated"]})
    # No EXIF time: the date in the name, a wall clock without a zone.
    assert dated["image_time"] == "2019-02-03T10:11:12Z"
    meta = dated["image_media_metadata"]
    assert meta["time_source"] == "name" and (meta["width"], meta["height"]) == (640, 480)
    for absent in ("location", "country", "province", "city", "district", "township", "address_line", "exif"):
        assert absent not in meta, absent
    for absent in ("camera_make", "camera_model", "orientation", "iso"):
        assert absent not in meta, absent

    notes = alice.ok("file/get", {"file_id": photos["notes"]})
    for absent in ("image_time", "image_media_metadata", "video_media_metadata", "media_state"):
        assert absent not in notes


def test_a_file_that_is_not_analysable_says_why(alice, photos):
    broken = alice.ok("file/get", {"file_id": photos["broken"]})
    assert broken["media_state"] == "failed" and broken["media_reason"]
    assert "image_media_metadata" not in broken and "image_time" not in broken


def test_file_list_and_file_search_answer_the_same_metadata(alice, photos):
    listed = {item["file_id"]: item for item in alice.ok("file/list", {"parent_file_id": "root"})["items"]}
    single = alice.ok("file/get", {"file_id": photos["hangzhou"]})
    assert listed[photos["hangzhou"]]["image_media_metadata"] == single["image_media_metadata"]
    assert listed[photos["broken"]]["media_state"] == "failed"
    found = alice.ok("file/search", {"query": 'city = "Hangzhou"'})["items"]
    assert [item["file_id"] for item in found] == [photos["hangzhou"]]
    assert found[0]["image_media_metadata"] == single["image_media_metadata"]


def test_a_page_of_photos_reads_their_media_in_the_page_query(alice, photos):
    folder = alice.folder("Trip")
    for index in range(6):
        upload_and_read(alice, f"p{index}.jpg", media_files.photo(color=(index, 90, 90)), parent=folder)
    drive = File.objects.get(file_id=folder).drive
    with CaptureQueriesContext(connections[PDS_DB]) as queries:
        items, _ = file_selectors.file_list(
            drive=drive, parent_file_id=folder, ordering=ordering_for("name", "ASC"), limit=100, marker=""
        )
        answers = [file_to_pds(item, base_url="http://pds.test") for item in items]
    assert len(answers) == 6 and all(answer["image_media_metadata"]["width"] == 640 for answer in answers)
    assert len(queries) == 2, [query["sql"] for query in queries]  # the folder check, the page


def test_a_videos_metadata_types_its_numbers_as_the_sdk_does():
    """The serializer alone (the video helper's tests read real videos): strings where the
    SDK's VideoMediaVideoStream/AudioStream have strings; absent what is not known."""
    media = MediaInfo(
        kind="video",
        state="done",
        width=1920,
        height=1080,
        duration=12.48,
        frame_rate=29.97,
        frame_count=374,
        video_codec="hevc",
        audio_codec="aac",
        bit_rate=8_000_000,
        poster_name="thumbnails/x/poster.jpg",
    )
    item = File(file_id="f", name="clip.mov", image_time=None)
    meta = video_media_metadata(item, media)
    assert meta["duration"] == "12.480" and (meta["width"], meta["height"]) == (1920, 1080)
    assert meta["video_media_video_stream"] == [
        {"code_name": "hevc", "duration": "12.480", "bitrate": "8000000", "fps": "29.97", "frame_count": "374"}
    ]
    assert meta["video_media_audio_stream"] == [{"code_name": "aac", "duration": "12.480"}]
    assert meta["poster"] is True and "time" not in meta and "location" not in meta


def test_share_link_visitors_get_the_picture_but_not_where_it_was_taken(alice):
    file_id = upload_and_read(alice, "home.jpg", media_files.photo(gps=(30.2741, 120.1551)))
    assert alice.ok("file/get", {"file_id": file_id})["image_media_metadata"]["city"]  # the owner sees it
    share = alice.ok("share_link/create", {"file_id_list": [file_id]}, 201)["share_id"]
    token = requests.post(f"{alice.base}/v2/share_link/get_share_token", json={"share_id": share}, timeout=30)
    visitor = Api(alice.base, "", "")
    headers = {"x-share-token": token.json()["share_token"]}
    seen = [
        visitor.call("file/get", {"share_id": share, "file_id": file_id}, headers).json(),
        visitor.call("file/list", {"share_id": share, "parent_file_id": "root"}, headers).json()["items"][0],
    ]
    for body in seen:
        metadata = body["image_media_metadata"]
        assert metadata["width"] == 640 and metadata["time"] == "2021-07-04T18:30:00+08:00"
        assert not {"location", "exif", "city", "province", "country", "address_line"} & metadata.keys(), metadata
