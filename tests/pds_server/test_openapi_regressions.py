"""What Schemathesis (tests/pds_server/test_openapi.py) found where answers left the
description, each kept as a plain HTTP test."""

from __future__ import annotations

import requests

from tests.pds_server.api_client import make_api


def test_list_my_group_drive_omits_root_group_drive_rather_than_null(alice):
    # The SDK's Drive is an object: null was off the description (it reads null as absent).
    reply = alice.call("drive/list_my_group_drive", {})
    assert reply.status_code == 200, reply.text
    assert reply.json() == {"items": [], "next_marker": ""}


def test_the_description_is_served_and_cached(alice):
    first = requests.get(f"{alice.base}/v2/openapi.json", timeout=60)
    second = requests.get(f"{alice.base}/v2/openapi.json", timeout=60)
    assert first.status_code == second.status_code == 200
    assert first.content == second.content and first.json()["openapi"] == "3.1.0"
    assert "/v2/file/create" in first.json()["paths"]


def test_user_create_refuses_a_field_of_the_wrong_type(pds_url, make_user, jwt_app):
    # It stored {"a": []} as a nickname and answered with an object where a string belongs.
    root = make_api(pds_url, make_user("root", role="superadmin"), jwt_app)
    reply = root.call("user/create", {"user_id": "carol", "nick_name": {"a": []}})
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "InvalidParameter.nick_name"


def test_user_fields_longer_than_their_column_are_refused(pds_url, make_user, jwt_app):
    # PostgreSQL refused the row with a server error; SQLite kept it.
    root = make_api(pds_url, make_user("root", role="superadmin"), jwt_app)
    reply = root.call("user/create", {"user_id": "carol", "phone": "1" * 33})
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "InvalidParameter.phone"
    reply = root.call("user/update", {"user_id": "root", "nick_name": "n" * 129})
    assert reply.status_code == 400, reply.text
    assert root.call("user/update", {"user_id": "root", "nick_name": "n" * 128}).status_code == 200
