"""The search language's media fields over real HTTP and the official SDK: capture-time
ranges, place, camera, size, orientation, and `order_by: image_time` paged by marker; the
timeline's months (`image/list_time_buckets`). And that the timeline's queries are index
range scans of `file_timeline` (EXPLAIN), over a few thousand files."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from django.db import connections
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pds_server.models import File
from pds_server.routers import PDS_DB
from pds_server.selectors import files as file_selectors
from pds_server.services.media.ingest import media_ingest
from pds_server.services.search import parse_order_by, parse_query
from tests.pds_server import media_files

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])

# name: (EXIF time, offset, GPS, camera model, stored size, orientation)
PHOTOS = {
    "hangzhou.jpg": ("2021:07:04 18:30:00", "+08:00", (30.25, 120.1667), "EOS R5", (640, 480), None),
    "west-lake.jpg": ("2021:07:05 09:00:00", "+08:00", (30.2431, 120.15), "EOS R5", (640, 480), 6),
    "paris.jpg": ("2023:05:06 07:08:09", "+02:00", (48.8584, 2.2945), "iPhone 14", (480, 640), None),
    "versailles.jpg": ("2023:05:07 12:00:00", "+02:00", (48.8049, 2.1204), "iPhone 14", (500, 500), None),
    # New Year's Eve in New York: December by the wall clock there, January in UTC.
    "new-year.jpg": ("2022:12:31 22:00:00", "-05:00", (40.758, -73.9855), "Pixel 7", (800, 600), None),
}


def sdk_for(live_server, api) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=api.token))


@pytest.fixture
def library(alice) -> dict[str, str]:
    ids = {}
    for index, (name, (taken, offset, gps, model, size, orientation)) in enumerate(PHOTOS.items()):
        data = media_files.photo(
            taken=taken, offset=offset, gps=gps, model=model, size=size, orientation=orientation, color=(index, 1, 2)
        )
        ids[name] = alice.upload(name, data)["file_id"]
        media_ingest(file_pk=File.objects.get(file_id=ids[name]).pk)
    ids["notes.txt"] = alice.upload("notes.txt", b"no capture time")["file_id"]
    return ids


def names(api, query: str, **body) -> list[str]:
    return [item["name"] for item in api.ok("file/search", {"query": query, "limit": 100, **body})["items"]]


def test_media_fields_in_queries(alice, library):
    in_2021 = 'image_time >= "2021-01-01T00:00:00Z" and image_time < "2022-01-01T00:00:00Z"'
    assert sorted(names(alice, in_2021)) == ["hangzhou.jpg", "west-lake.jpg"]
    # An offset in the bound: 18:30+08:00 is 10:30 UTC.
    assert names(alice, 'image_time > "2021-07-04T18:29:59+08:00" and image_time < "2021-07-04T10:31:00Z"') == [
        "hangzhou.jpg"
    ]
    assert sorted(names(alice, 'city = "Paris"')) == ["paris.jpg"]
    assert sorted(names(alice, 'city in ["Versailles", "New York City"]')) == ["new-year.jpg", "versailles.jpg"]
    assert sorted(names(alice, 'country = "France" and not city = "Paris"')) == ["versailles.jpg"]
    assert sorted(names(alice, 'province prefix "Zhe"')) == ["hangzhou.jpg", "west-lake.jpg"]
    assert sorted(names(alice, 'camera_model = "iPhone 14"')) == ["paris.jpg", "versailles.jpg"]
    assert sorted(names(alice, 'camera_make = "Canon" and width >= 800')) == ["new-year.jpg"]
    # Sizes as displayed: orientation 6 turns west-lake's 640×480 into a portrait.
    assert sorted(names(alice, 'orientation = "portrait"')) == ["paris.jpg", "west-lake.jpg"]
    assert sorted(names(alice, 'orientation in ["square", "landscape"] and height < 600')) == [
        "hangzhou.jpg",
        "versailles.jpg",
    ]
    # `!=` is "everything else", as on every field: notes.txt has no orientation.
    assert sorted(names(alice, 'orientation != "landscape"')) == [
        "notes.txt",
        "paris.jpg",
        "versailles.jpg",
        "west-lake.jpg",
    ]
    assert names(alice, "duration > 0") == []  # no videos

    for query, code in (
        ('orientation = "diagonal"', "InvalidParameter.Query"),
        ("orientation > 3", "InvalidParameter.Query"),
        ('image_time > "yesterday"', "InvalidParameter.Query"),
        ('city > "A"', "InvalidParameter.Query"),
    ):
        reply = alice.call("file/search", {"drive_id": alice.drive_id, "query": query})
        assert reply.status_code == 400 and reply.json()["code"] == code, (query, reply.text)
    reply = alice.call("file/search", {"drive_id": alice.drive_id, "query": 'name = "x"', "order_by": "city ASC"})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.OrderBy"


def test_the_sdk_pages_the_timeline_by_capture_time(live_server, alice, library):
    client = sdk_for(live_server, alice)
    newest_first = ["versailles.jpg", "paris.jpg", "new-year.jpg", "west-lake.jpg", "hangzhou.jpg"]
    for order, expected in (("image_time DESC", newest_first), ("image_time ASC", newest_first[::-1])):
        seen, marker = [], ""
        while True:
            body = client.search_file(
                m.SearchFileRequest(
                    drive_id=alice.drive_id,
                    query='image_time >= "1900-01-01T00:00:00Z"',
                    order_by=order,
                    limit=2,
                    marker=marker or None,
                )
            ).body
            assert len(body.items) <= 2
            seen += [item.name for item in body.items]
            marker = body.next_marker
            if not marker:
                break
        assert seen == expected, order
    # Ordered by capture time, files without one (notes.txt) are left out whatever the query.
    assert "notes.txt" not in names(alice, 'name match "."', order_by="image_time DESC")
    assert "notes.txt" in names(alice, 'name match "."')
    # The SDK's File model carries the metadata.
    found = client.search_file(
        m.SearchFileRequest(drive_id=alice.drive_id, query='city = "Hangzhou"', order_by="image_time DESC")
    ).body.items
    assert [item.name for item in found] == ["west-lake.jpg", "hangzhou.jpg"]
    assert found[0].image_media_metadata.city == "Hangzhou" and found[0].image_media_metadata.width == 480
    assert found[1].image_media_metadata.time == "2021-07-04T18:30:00+08:00"


def test_time_buckets_count_months_by_the_wall_clock_newest_first(alice, library, bob):
    buckets = alice.ok("image/list_time_buckets")["items"]
    assert buckets == [
        {"year": 2023, "month": 5, "count": 2},
        {"year": 2022, "month": 12, "count": 1},  # 2023-01-01 03:00 UTC, 22:00 in New York
        {"year": 2021, "month": 7, "count": 2},
    ]
    trashed = alice.call("recyclebin/trash", {"drive_id": alice.drive_id, "file_id": library["paris.jpg"]})
    assert trashed.status_code in (200, 202, 204), trashed.text
    assert alice.ok("image/list_time_buckets")["items"][0] == {"year": 2023, "month": 5, "count": 1}
    # Someone with no role in the drive learns nothing of it.
    reply = bob.call("image/list_time_buckets", {"drive_id": alice.drive_id})
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Drive"


# --- Index use -----------------------------------------------------------------------------


def bulk_library(drive, count: int) -> datetime:
    """`count` photos' rows, one an hour back from a fixed time (no bytes: the index is what
    is tested), plus as many rows of other files."""
    start = datetime(2024, 6, 1, tzinfo=UTC)
    now = timezone.now()
    rows = []
    for index in range(count):
        common = {"drive": drive, "parent_file_id": "root", "type": "file", "created_at": now, "updated_at": now}
        rows.append(
            File(
                file_id=uuid.uuid4().hex,
                name=f"IMG_{index:05d}.jpg",
                category="image",
                image_time=start - timedelta(hours=index),
                image_time_source="exif",
                **common,
            )
        )
        rows.append(File(file_id=uuid.uuid4().hex, name=f"doc_{index:05d}.txt", category="doc", **common))
    File.objects.bulk_create(rows, batch_size=500)
    return start


def plan_of(sql: str) -> str:
    connection = connections[PDS_DB]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
            return "\n".join(str(row[-1]) for row in cursor.fetchall())
        cursor.execute("ANALYZE")
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def assert_index_range_scan(sql: str) -> None:
    plan = plan_of(sql)
    assert "file_timeline" in plan, plan
    if connections[PDS_DB].vendor == "sqlite":
        assert "SCAN pds_server_file" not in plan, plan
        assert "TEMP B-TREE" not in plan, plan  # read in the index's order, not sorted after


def page_queries(drive, query: str, order_by: str, marker: str = "") -> tuple[list[File], str, list[str]]:
    with CaptureQueriesContext(connections[PDS_DB]) as captured:
        items, next_marker, _ = file_selectors.file_search(
            drive=drive,
            condition=parse_query(query),
            ordering=parse_order_by(order_by),
            limit=100,
            marker=marker,
            with_total=False,
        )
    return items, next_marker, [entry["sql"] for entry in captured if "ORDER BY" in entry["sql"]]


def test_timeline_pages_and_time_ranges_are_index_range_scans(alice):
    drive = File.objects.get(file_id=alice.folder("x")).drive
    start = bulk_library(drive, 3000)
    # A page deep in the timeline: after a marker, newest first.
    items, marker, _ = page_queries(drive, 'category in ["image", "video"]', "image_time DESC")
    items, marker, sqls = page_queries(drive, 'category in ["image", "video"]', "image_time DESC", marker)
    assert [item.image_time for item in items] == [start - timedelta(hours=hour) for hour in range(100, 200)]
    assert len(sqls) == 1
    assert_index_range_scan(sqls[0])

    # A time range: one week of the library, by capture time, every page an index range scan.
    week = 'image_time >= "2024-03-01T00:00:00Z" and image_time < "2024-03-08T00:00:00Z"'
    seen, marker = [], ""
    while True:
        items, marker, sqls = page_queries(drive, week, "image_time ASC", marker)
        seen += [item.image_time for item in items]
        assert_index_range_scan(sqls[0])
        if not marker:
            break
    first = datetime(2024, 3, 1, tzinfo=UTC)
    assert seen == [first + timedelta(hours=hour) for hour in range(7 * 24)]
