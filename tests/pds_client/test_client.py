"""The typed PDS client against the live embedded PDS, and against faults the real server
cannot be made to produce (a 503, a closed port)."""

from __future__ import annotations

import logging

import pytest
import requests

from pds_client import PDSClient, errors
from tests import fault_server


def test_error_classes_follow_the_pds_code(pds_url, alice_token):
    client = PDSClient(pds_url)
    with pytest.raises(errors.AccessTokenInvalid) as caught:
        client.get_user("bad-token")
    assert caught.value.status == 401 and caught.value.request_id and caught.value.code == "AccessTokenInvalid"
    with pytest.raises(errors.NotFound) as caught:
        client.call("drive/get", {"drive_id": "999999"}, token=alice_token, idempotent=True)
    assert caught.value.code == "NotFound.Drive"
    with pytest.raises(errors.InvalidClient):
        client.jwt_bearer(client_id="nobody", assertion="x")


def test_invalid_grant_from_the_token_endpoint(pds_url, web_app):
    app, secret = web_app
    with pytest.raises(errors.InvalidGrant) as caught:
        PDSClient(pds_url).refresh(client_id=app.app_id, client_secret=secret, refresh_token="not-a-refresh-token")
    assert caught.value.status == 400


def test_idempotent_calls_retry_on_503_and_others_do_not(flaky_pds):
    url, server = flaky_pds
    client = PDSClient(url, retries=2, backoff=0.01)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        client.get_user("t")
    assert server.calls == 3 and caught.value.request_id == "REQ123"
    server.calls = 0
    with pytest.raises(errors.ServiceUnavailable):
        client.refresh(client_id="a", client_secret="b", refresh_token="r")
    assert server.calls == 1  # a refresh token rotates: never retried blindly


def test_json_calls_go_through_urllib3_and_answer_as_through_requests(flaky_pds):
    url, server = flaky_pds
    client = PDSClient(url, retries=1, backoff=0.01)
    with pytest.raises(errors.ServiceUnavailable) as caught:
        client.get_user("t")
    assert caught.value.request_id == "REQ123" and caught.value.message == "down for maintenance"
    assert server.calls == 2
    assert client.json_pool is not None and len(client.json_pool.pools) == 1  # the call took the urllib3 path
    via_requests = PDSClient(url, retries=1, backoff=0.01, session=requests.Session())
    assert via_requests.json_pool is None
    server.calls = 0
    with pytest.raises(errors.ServiceUnavailable) as caught:
        via_requests.get_user("t")
    assert server.calls == 2 and caught.value.message == "down for maintenance"


def test_a_redirect_is_an_error_not_an_empty_answer():
    with fault_server.pds_answering(307, headers={"Location": "https://elsewhere.example/v2/user/get"}) as (url, _):
        with pytest.raises(errors.PDSError) as caught:
            PDSClient(url).get_user("t")
    assert caught.value.status == 307


def test_a_pds_that_does_not_answer_in_time_is_unavailable_after_retries():
    with fault_server.pds_answering(200, b"{}", delay=3) as (url, server):
        with pytest.raises(errors.ServiceUnavailable):
            PDSClient(url, retries=1, backoff=0.01, timeout=0.5).get_user("t")
    assert server.calls == 2


def test_connection_errors_become_service_unavailable_after_retries():
    client = PDSClient("http://127.0.0.1:9", retries=1, backoff=0.01, timeout=2)
    with pytest.raises(errors.ServiceUnavailable):
        client.get_default_drive("t")


def test_no_token_in_logs_or_exception_text(pds_url, alice_token, caplog):
    caplog.set_level(logging.DEBUG)
    client = PDSClient(pds_url)
    client.get_user(alice_token)
    try:
        client.call("drive/get", {"drive_id": "999999"}, token=alice_token, idempotent=True)
    except errors.PDSError as error:
        assert alice_token not in str(error) and alice_token not in repr(error.__dict__)
    assert alice_token not in caplog.text
    assert "/v2/user/get" in caplog.text  # the operation is logged, the token is not


def test_environment_lookups_are_skipped_unless_a_proxy_is_configured(monkeypatch):
    """requests looks up proxies, ~/.netrc and CA bundles on every call while trust_env is
    on (5% of Drive's CPU per small download). DRIVE_BEHIND_PROXY, set behind nginx, ends in
    _proxy like a proxy variable but is none: it must not turn them back on."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRIVE_BEHIND_PROXY", "true")
    assert PDSClient("http://127.0.0.1:9").session.trust_env is False
    assert PDSClient("http://127.0.0.1:9").json_pool is not None  # JSON calls skip requests too

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    assert PDSClient("http://127.0.0.1:9").session.trust_env is True
    assert PDSClient("http://127.0.0.1:9").json_pool is None  # only requests applies NO_PROXY
