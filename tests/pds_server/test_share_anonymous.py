"""What `/v2/share_link/get_by_anonymous` tells a visitor (the fields of the official SDK's
GetShareLinkByAnonymousResponseBody): who shared the link by display name, its limits and
counts; never the owner's drive, files or password."""

from __future__ import annotations

import requests

from tests.pds_server.api_client import make_api


def anonymous(base: str, share_id: str) -> dict:
    reply = requests.post(f"{base}/v2/share_link/get_by_anonymous", json={"share_id": share_id}, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_a_visitor_sees_the_sharers_display_name_and_the_links_limits(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice", nick_name="Alice Liddell"), jwt_app)
    item = alice.upload("s.txt", b"shared bytes")
    share = alice.ok("share_link/create", {"file_id_list": [item["file_id"]], "download_limit": 4}, 201)
    about = anonymous(pds_url, share["share_id"])
    assert about["creator_name"] == "Alice Liddell" and about["creator_id"] == "alice"
    assert about["download_limit"] == 4 and about["download_count"] == 0
    assert about["updated_at"] and "access_count" in about
    assert not {"drive_id", "file_id_list", "share_pwd", "description"} & about.keys()


def test_without_a_display_name_the_user_id_is_masked(pds_url, make_user, jwt_app):
    carol = make_api(pds_url, make_user("carol", nick_name=""), jwt_app)
    item = carol.upload("c.txt", b"c")
    share = carol.ok("share_link/create", {"file_id_list": [item["file_id"]]}, 201)
    assert anonymous(pds_url, share["share_id"])["creator_name"] == "c***l"
