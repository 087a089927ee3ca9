"""Every JSON endpoint, fed bodies Hypothesis makes up: a PDS error for what it cannot
use, never a 500."""

from __future__ import annotations

import json

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pds_server.urls  # noqa: F401  (importing the URLs registers every endpoint)
from pds_server.api import ROUTES

# Endpoints whose body is not JSON: signed byte URLs and the redirecting download.
NOT_JSON = {"/v2/file/content", "/v2/file/thumbnail", "/v2/file/upload_part", "/v2/file/download"}
ENDPOINTS = sorted(path for path in ROUTES if path not in NOT_JSON)
FIELDS = (
    "drive_id file_id parent_file_id name type size limit marker order_by order_direction part_info_list "
    "part_number check_name_mode content_hash content_hash_name pre_hash proof_code proof_version upload_id "
    "to_parent_file_id to_drive_id new_name query fields expire_sec url_expire_sec file_name share_id share_pwd "
    "file_id_list expiration user_id role status total_size owner owner_type drive_name requests url body id "
    "async_task_id part_number_marker thumbnail_processes image_thumbnail_process description starred hidden "
    "user_tags grant_type refresh_token token app_id client_secret creator include_cancelled return_total_count "
    "auto_rename default download_limit preview_limit save_limit disable_download crc64_hash local_modified_at"
).split()

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(
        ["root", "1", "0", "-1", "", "file", "folder", "sha1", "v1", "refuse", "name ASC", "*", "9" * 30, "\uff11"]
    )
)
values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8)


@settings(
    max_examples=600,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI must not depend on luck
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(ENDPOINTS), body=bodies, with_own_drive=st.booleans())
def test_no_body_makes_an_endpoint_fail_with_a_server_error(alice, path, body, with_own_drive):
    if with_own_drive:
        body = {"drive_id": alice.drive_id, **body}
    headers = {"Authorization": f"Bearer {alice.token}", "Content-Type": "application/json"}
    # json.dumps writes NaN and Infinity as Python's parser (and some clients) accept them.
    reply = requests.post(f"{alice.base}{path}", data=json.dumps(body), headers=headers, timeout=60)
    assert reply.status_code < 500, f"{path} {body!r}: {reply.status_code} {reply.text[:300]}"
    if reply.status_code >= 400 and reply.headers.get("Content-Type", "").startswith("application/json"):
        assert "code" in reply.json() or "error" in reply.json()
