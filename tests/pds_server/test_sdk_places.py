"""Places through the official SDK, unmodified: `image/list_address_groups` groups a drive's
photos by the city they were taken in (count, the newest as cover with a signed thumbnail
URL, the centroid, the address), `image/search_address_groups` filters by level and names
or by a box on the map; a team drive's members see its places, others nothing. And the
offline geocoder names the places people expect (the city, not the nearest village)."""

from __future__ import annotations

import io

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from PIL import Image
from Tea.exceptions import TeaException

from pds_server.models import File
from pds_server.services.media.ingest import media_ingest
from pds_server.services.media.places import place_of
from tests.pds_server import media_files
from tests.pds_server.api_client import ALL, make_api

pytestmark = pytest.mark.django_db(transaction=True, databases=["default", "pds"])

HANGZHOU, WEST_LAKE = (30.25, 120.1667), (30.2431, 120.15)
EIFFEL_TOWER, TIMES_SQUARE = (48.8584, 2.2945), (40.758, -73.9855)


@pytest.mark.parametrize(
    ("position", "country", "province", "city"),
    [
        (HANGZHOU, "China", "Zhejiang", "Hangzhou"),  # the nearest row is a suburb
        (EIFFEL_TOWER, "France", "Île-de-France", "Paris"),  # nearest: Neuilly-sur-Seine
        (TIMES_SQUARE, "United States", "New York", "New York City"),  # nearest: Times Square
        ((51.5007, -0.1246), "United Kingdom", "England", "London"),  # nearest: City of Westminster
        ((35.6595, 139.7005), "Japan", "Tokyo", "Tokyo"),  # Shibuya; nearest: a quarter
        ((48.8049, 2.1204), "France", "Île-de-France", "Versailles"),  # a town of its own near Paris
        ((37.6879, -122.4702), "United States", "California", "Daly City"),  # beside San Francisco
        ((46.1934, 6.2342), "France", "Auvergne-Rhône-Alpes", "Annemasse"),  # not Geneva across the border
        ((37.5665, 126.9780), "South Korea", "Seoul", "Seoul"),  # the name people use for the country
    ],
)
def test_the_city_is_the_one_people_name(position, country, province, city):
    place = place_of(*position)
    assert (place["country"], place["province"], place["city"]) == (country, province, city)
    assert place["address_line"].endswith(country) and city in place["address_line"]


def test_at_sea_no_place_is_made_up():
    assert place_of(0.0, -30.0) == dict.fromkeys(
        ("country", "province", "city", "district", "township", "address_line"), ""
    )


def sdk_for(live_server, token: str) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token))


def upload_photo(api, name: str, *, taken: str, gps, color) -> str:
    file_id = api.upload(name, media_files.photo(taken=taken, gps=gps, color=color))["file_id"]
    media_ingest(file_pk=File.objects.get(file_id=file_id).pk)
    return file_id


@pytest.fixture
def trips(alice) -> dict[str, str]:
    return {
        "hangzhou-1": upload_photo(alice, "h1.jpg", taken="2021:07:04 18:30:00", gps=HANGZHOU, color=(1, 0, 0)),
        "hangzhou-2": upload_photo(alice, "h2.jpg", taken="2021:07:06 08:00:00", gps=WEST_LAKE, color=(2, 0, 0)),
        "hangzhou-old": upload_photo(alice, "h0.jpg", taken="2019:01:01 12:00:00", gps=HANGZHOU, color=(3, 0, 0)),
        "paris": upload_photo(alice, "paris.jpg", taken="2023:05:06 07:08:09", gps=EIFFEL_TOWER, color=(4, 0, 0)),
        "new-york": upload_photo(alice, "ny.jpg", taken="2022:12:31 22:00:00", gps=TIMES_SQUARE, color=(5, 0, 0)),
        "nowhere": upload_photo(alice, "indoors.jpg", taken="2020:02:02 02:02:02", gps=None, color=(6, 0, 0)),
    }


def test_the_sdk_lists_a_drives_places_by_city_with_a_cover(live_server, alice, trips):
    client = sdk_for(live_server, alice.token)
    body = client.list_address_groups(
        m.ListAddressGroupsRequest(drive_id=alice.drive_id, image_thumbnail_process="image/resize,m_lfit,w_480,h_480")
    ).body
    assert [(group.name, group.count) for group in body.items] == [
        ("Hangzhou", 3),
        ("New York City", 1),
        ("Paris", 1),
    ]
    assert not body.next_marker
    hangzhou = body.items[0]
    assert hangzhou.cover_file_id == trips["hangzhou-2"]  # the newest taken there
    detail = hangzhou.address_detail
    assert (detail.country, detail.province, detail.city) == ("China", "Zhejiang", "Hangzhou")
    latitude, longitude = (float(part) for part in hangzhou.location.split(","))
    assert latitude == pytest.approx((2 * HANGZHOU[0] + WEST_LAKE[0]) / 3, abs=1e-4)
    assert longitude == pytest.approx((2 * HANGZHOU[1] + WEST_LAKE[1]) / 3, abs=1e-4)
    cover = requests.get(hangzhou.cover_url, timeout=30)
    assert cover.status_code == 200, cover.text
    assert max(Image.open(io.BytesIO(cover.content)).size) == 480

    # Paged by marker.
    first = client.list_address_groups(m.ListAddressGroupsRequest(drive_id=alice.drive_id, limit=2)).body
    assert [group.name for group in first.items] == ["Hangzhou", "New York City"] and first.next_marker
    rest = client.list_address_groups(
        m.ListAddressGroupsRequest(drive_id=alice.drive_id, limit=2, marker=first.next_marker)
    ).body
    assert [group.name for group in rest.items] == ["Paris"] and not rest.next_marker

    # A trashed photo leaves its place (and the cover moves to the next newest).
    alice.ok("recyclebin/trash", {"file_id": trips["hangzhou-2"]}, 204)
    hangzhou = client.list_address_groups(m.ListAddressGroupsRequest(drive_id=alice.drive_id)).body.items[0]
    assert (hangzhou.count, hangzhou.cover_file_id) == (2, trips["hangzhou-1"])


def test_the_sdk_searches_places_by_name_level_and_map_box(live_server, alice, trips):
    client = sdk_for(live_server, alice.token)

    def search(**fields) -> list[tuple[str, int]]:
        body = client.search_address_groups(m.SearchAddressGroupsRequest(drive_id=alice.drive_id, **fields)).body
        return [(group.name, group.count) for group in body.items]

    assert search(address_level="city", address_names=["Paris", "Hangzhou"]) == [("Hangzhou", 3), ("Paris", 1)]
    assert search(address_level="country", address_names=["France"]) == [("France", 1)]
    assert search(address_level="country") == [("China", 3), ("France", 1), ("United States", 1)]
    assert search(address_level="province", address_names=["New York"]) == [("New York", 1)]
    # Europe on the map: top-left (north-west) and bottom-right (south-east) corners.
    assert search(tl_geo_point="60,-10", br_geo_point="35,30") == [("Paris", 1)]
    assert search(tl_geo_point="31,120", br_geo_point="30,121", address_names=["Paris"]) == []

    for fields, code in (
        ({"address_level": "street"}, "InvalidParameter.AddressLevel"),
        ({"tl_geo_point": "60,-10"}, "InvalidParameter.GeoPoint"),
        ({"tl_geo_point": "35,-10", "br_geo_point": "60,30"}, "InvalidParameter.GeoPoint"),
        ({"tl_geo_point": "north", "br_geo_point": "35,30"}, "InvalidParameter.tl_geo_point"),
    ):
        with pytest.raises(TeaException) as raised:
            client.search_address_groups(m.SearchAddressGroupsRequest(drive_id=alice.drive_id, **fields))
        assert raised.value.code == code, fields


def test_a_team_drives_members_see_its_places_and_others_nothing(live_server, pds_url, make_user, jwt_app):
    scopes = [*ALL, "GROUP.ALL"]
    admin = make_api(pds_url, make_user("root", role="admin"), jwt_app, scopes=scopes)
    bob = make_api(pds_url, make_user("bob"), jwt_app, scopes=scopes)
    carol = make_api(pds_url, make_user("carol"), jwt_app, scopes=scopes)
    group = admin.ok("group/create", {"group_name": "Hikers"}, 201)["group_id"]
    admin.ok("group/add_member", {"group_id": group, "member_type": "user", "member_id": "bob"})
    team = admin.ok("drive/create", {"drive_name": "Hikes", "owner": group, "owner_type": "group"}, 201)["drive_id"]
    bob.drive_id = team
    photo = upload_photo(bob, "summit.jpg", taken="2022:08:01 10:00:00", gps=(48.8049, 2.1204), color=(7, 7, 7))

    for api in (bob, admin):
        groups = sdk_for(live_server, api.token).list_address_groups(m.ListAddressGroupsRequest(drive_id=team))
        assert [(group.name, group.count, group.cover_file_id) for group in groups.body.items] == [
            ("Versailles", 1, photo)
        ]
    assert bob.ok("image/list_time_buckets")["items"] == [{"year": 2022, "month": 8, "count": 1}]
    with pytest.raises(TeaException) as raised:
        sdk_for(live_server, carol.token).list_address_groups(m.ListAddressGroupsRequest(drive_id=team))
    assert raised.value.code == "NotFound.Drive"


def test_someone_a_folder_is_shared_with_sees_the_places_of_that_folder_only(live_server, alice, bob):
    trip = alice.folder("Trip")
    inner = alice.folder("Day 1", trip)
    shared = alice.upload("eiffel.jpg", media_files.photo(gps=EIFFEL_TOWER, color=(9, 1, 1)), parent=inner)
    media_ingest(file_pk=File.objects.get(file_id=shared["file_id"]).pk)
    upload_photo(alice, "home.jpg", taken="2021:01:01 10:00:00", gps=HANGZHOU, color=(9, 2, 2))
    member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    alice.ok("file/add_permission", {"file_id": trip, "member_list": [member]}, 204)

    groups = sdk_for(live_server, bob.token).list_address_groups(m.ListAddressGroupsRequest(drive_id=alice.drive_id))
    assert [(group.name, group.count, group.cover_file_id) for group in groups.body.items] == [
        ("Paris", 1, shared["file_id"])
    ]
    assert groups.body.items[0].cover_url
    assert bob.ok("image/list_time_buckets", {"drive_id": alice.drive_id})["items"] == [
        {"year": 2021, "month": 7, "count": 1}
    ]
