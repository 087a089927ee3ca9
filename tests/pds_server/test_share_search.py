"""`/v2/share_link/search`: the official SDK, unmodified, finds a user's links by name, a page
at a time; a user searches only their own links, an administrator anyone's."""

from __future__ import annotations

import pytest
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from darabonba.exceptions import UnretryableException

from tests.pds_server.api_client import Api, make_api


def sdk_for(api: Api) -> Client:
    host = api.base.split("://", 1)[1]
    return Client(Config(endpoint=host, protocol="http", bearer_token=api.token))


def make_links(api: Api, names: list[str]) -> list[str]:
    ids = []
    for name in names:
        file_id = api.folder(name)
        share = api.ok("share_link/create", {"file_id_list": [file_id], "share_name": name}, 201)
        ids.append(share["share_id"])
    return ids


@pytest.fixture
def admin(pds_url, make_user, jwt_app) -> Api:
    return make_api(pds_url, make_user("root", role="admin"), jwt_app)


def test_sdk_finds_own_links_by_name_a_page_at_a_time(alice, bob):
    make_links(alice, ["Holiday photos", "Tax 2025", "holiday video", "Recipes", "Old HOLIDAY"])
    make_links(bob, ["Holiday of bob"])
    client = sdk_for(alice)

    found = client.search_share_link(
        m.SearchShareLinkRequest(
            query="share_name match 'holiday'", order_by="share_name", limit=2, return_total_count=True
        )
    ).body
    assert [share.share_name for share in found.items] == ["Holiday photos", "Old HOLIDAY"]
    assert found.total_count == 3 and found.next_marker
    rest = client.search_share_link(
        m.SearchShareLinkRequest(
            query="share_name match 'holiday'", order_by="share_name", limit=2, marker=found.next_marker
        )
    ).body
    assert [share.share_name for share in rest.items] == ["holiday video"]
    assert rest.next_marker == ""

    # No query: all of alice's links, newest first (the PDS's default order), none of bob's.
    everything = client.search_share_link(m.SearchShareLinkRequest(limit=100)).body
    assert [share.share_name for share in everything.items] == [
        "Old HOLIDAY",
        "Recipes",
        "holiday video",
        "Tax 2025",
        "Holiday photos",
    ]
    assert all(share.creator == "alice" for share in everything.items)


def test_newest_first_paging_visits_each_link_once(alice):
    ids = make_links(alice, [f"Link {n}" for n in range(7)])
    seen, marker = [], ""
    while True:
        page = alice.ok("share_link/search", {"limit": 3, "marker": marker, "order_by": "created_at"})
        seen += [share["share_id"] for share in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    assert seen == list(reversed(ids))
    ascending = alice.ok("share_link/search", {"order_by": "created_at", "order_direction": "ASC", "limit": 100})
    assert [share["share_id"] for share in ascending["items"]] == ids


def test_query_by_status_and_fuzzy_name(alice):
    live, cancelled = make_links(alice, ["Plans A", "Plans B"])
    alice.ok("share_link/cancel", {"share_id": cancelled}, 204)
    enabled = alice.ok("share_link/search", {"query": "share_name_for_fuzzy match 'plans' and status = 'enabled'"})
    assert [share["share_id"] for share in enabled["items"]] == [live]
    disabled = alice.ok("share_link/search", {"query": "status = 'disabled'"})
    assert [share["share_id"] for share in disabled["items"]] == [cancelled]


def test_a_user_cannot_search_another_users_links(alice, bob):
    make_links(bob, ["Bob's secret"])
    client = sdk_for(alice)
    with pytest.raises(UnretryableException, match="ForbiddenNoPermission"):
        client.search_share_link(m.SearchShareLinkRequest(creators=["bob"]))
    # Naming themselves is fine; it finds nothing of bob's.
    assert alice.ok("share_link/search", {"creators": ["alice"], "query": "share_name match 'secret'"})["items"] == []


def test_an_administrator_searches_anyones_links(alice, bob, admin):
    make_links(alice, ["Report alice"])
    make_links(bob, ["Report bob"])
    every = admin.ok("share_link/search", {"query": "share_name match 'report'", "order_by": "share_name"})
    assert [share["share_name"] for share in every["items"]] == ["Report alice", "Report bob"]
    bobs = admin.ok("share_link/search", {"creators": ["bob"], "query": "share_name match 'report'"})
    assert [share["creator"] for share in bobs["items"]] == ["bob"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"query": "name match 'x'"}, "InvalidParameter.Query"),
        ({"query": "share_name match"}, "InvalidParameter.Query"),
        ({"query": "status = 'maybe'"}, "InvalidParameter.Query"),
        ({"query": "share_name > 'x'"}, "InvalidParameter.Query"),
        ({"order_by": "size"}, "InvalidParameter.OrderBy"),
        ({"order_direction": "UP"}, "InvalidParameter.OrderDirection"),
        ({"marker": "not-a-marker"}, "InvalidParameter.Marker"),
        ({"creators": "alice"}, "InvalidParameter.Creators"),
    ],
)
def test_bad_searches_are_400_with_a_code(alice, body, code):
    reply = alice.call("share_link/search", body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == code
