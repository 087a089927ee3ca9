"""Hostile request bodies and names: each is a 4xx PDS error with a code, never a 500."""

from __future__ import annotations

import json

import pytest
import requests

BIDI_CONTROLS = [
    "\u202e",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\u200e",
    "\u200f",
    "\u061c",
]


def post_raw(alice, path: str, data: bytes) -> requests.Response:
    headers = {"Authorization": f"Bearer {alice.token}", "Content-Type": "application/json"}
    return requests.post(f"{alice.base}/v2/{path}", data=data, headers=headers, timeout=120)


def test_a_body_larger_than_allowed_is_refused_with_413(alice):
    body = json.dumps({"drive_id": alice.drive_id, "parent_file_id": "root", "name": "x" * (50 * 1024 * 1024)}).encode()
    reply = post_raw(alice, "file/create", body)
    assert reply.status_code == 413, reply.text
    assert reply.json()["code"] == "EntityTooLarge"


def test_json_nested_a_thousand_deep_is_a_format_error(alice):
    body = b'{"drive_id": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    reply = post_raw(alice, "file/list", body)
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"] == "InvalidRequestJSONFormat"


@pytest.mark.parametrize("size", [1e30, 10**30, -(10**30), 2**63])
def test_a_size_beyond_64_bits_is_an_invalid_parameter(alice, size):
    body = {"parent_file_id": "root", "name": "huge.bin", "type": "file", "size": size}
    reply = alice.call("file/create", {"drive_id": alice.drive_id, **body})
    assert reply.status_code == 400, reply.text
    assert reply.json()["code"].startswith("InvalidParameter")


@pytest.mark.parametrize("name", [f"invoice{control}fdp.exe" for control in BIDI_CONTROLS])
def test_names_with_bidirectional_controls_are_refused(alice, name):
    for body in (
        {"parent_file_id": "root", "name": name, "type": "folder"},
        {"parent_file_id": "root", "name": name, "type": "file", "size": 1},
    ):
        reply = alice.call("file/create", {"drive_id": alice.drive_id, **body})
        assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Name", reply.text
    folder = alice.folder("plain")
    reply = alice.call("file/update", {"drive_id": alice.drive_id, "file_id": folder, "name": name})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidParameter.Name"


@pytest.mark.parametrize("drive_id", ["9" * 30, "1e5", " 1", "\uff11", str(2**70)])
def test_a_drive_id_out_of_range_or_not_ascii_digits_is_not_found(alice, drive_id):
    for path in ("file/list", "drive/get"):
        reply = alice.call(path, {"drive_id": drive_id, "parent_file_id": "root"})
        assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Drive", reply.text
