"""What one request costs the PDS in queries, on the path of a small download through Drive
(`/v2/batch` of file/get + file/get_download_url, then the signed content URL), with the
per-process Domain cache on (PDS_DOMAIN_CACHE_SECONDS); and that the cache never keeps what
must act at once: a revoked token is refused on its next request."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pds_server.models import AccessToken, Domain, Drive, File
from pds_server.selectors import domain_for_host, domains_forget

OCTET = "application/octet-stream"


@pytest.fixture
def domain_cache(settings):
    settings.PDS_DOMAIN_CACHE_SECONDS = 5
    domains_forget()
    yield settings
    domains_forget()


def download_batch(client: Client, token: str, drive_id: str, file_id: str):
    ids = {"drive_id": drive_id, "file_id": file_id}
    calls = [
        {"id": "get", "method": "POST", "url": "/file/get", "body": ids},
        {
            "id": "url",
            "method": "POST",
            "url": "/file/get_download_url",
            "body": {**ids, "response_content_type": OCTET},
        },
    ]
    return client.post(
        "/v2/batch",
        {"resource": "file", "requests": calls},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def counted(call):
    with CaptureQueriesContext(connections["pds"]) as queries:
        answer = call()
    return answer, [query["sql"] for query in queries.captured_queries]


def test_a_download_batch_and_its_content_request_cost_two_queries_and_one(alice, domain_cache):
    item = alice.upload("small.bin", b"s" * 4096)
    client = Client()
    download_batch(client, alice.token, alice.drive_id, item["file_id"])  # the process reads its domain once

    answer, queries = counted(lambda: download_batch(client, alice.token, alice.drive_id, item["file_id"]))
    bodies = {response["id"]: response for response in answer.json()["responses"]}
    assert answer.status_code == 200 and bodies["get"]["status"] == 200 and bodies["url"]["status"] == 200
    assert bodies["get"]["body"]["domain_id"] == "demo" and bodies["get"]["body"]["name"] == "small.bin"
    # The token, then the file with its drive (one query); the second sub-request takes the
    # drive and file the first read (a batch of reads only). No Domain (cached), no lazy
    # drive/domain loads.
    assert len(queries) <= 2, queries
    assert not any('"pds_server_domain"' in sql for sql in queries), queries  # read nor joined

    url = urlsplit(bodies["url"]["body"]["url"])
    content, queries = counted(lambda: client.get(f"{url.path}?{url.query}"))
    assert content.status_code == 200 and b"".join(content.streaming_content) == b"s" * 4096
    assert len(queries) <= 1, queries  # the file and its blob


def test_a_batch_with_a_change_reads_afresh_after_it(alice):
    item = alice.upload("before.txt", b"x")
    ids = {"drive_id": alice.drive_id, "file_id": item["file_id"]}
    calls = [
        {"id": "before", "method": "POST", "url": "/file/get", "body": ids},
        {"id": "rename", "method": "POST", "url": "/file/update", "body": {**ids, "name": "after.txt"}},
        {"id": "after", "method": "POST", "url": "/file/get", "body": ids},
    ]
    answers = {
        answer["id"]: answer["body"]
        for answer in alice.ok("batch", {"resource": "file", "requests": calls})["responses"]
    }
    assert (answers["before"]["name"], answers["rename"]["name"], answers["after"]["name"]) == (
        "before.txt",
        "after.txt",
        "after.txt",
    )


def test_a_batch_of_reads_answers_each_file_and_drive_for_itself(alice, bob):
    mine = alice.upload("mine.txt", b"a")
    theirs = bob.upload("theirs.txt", b"b")
    calls = [
        {
            "id": "mine",
            "method": "POST",
            "url": "/file/get",
            "body": {"drive_id": alice.drive_id, "file_id": mine["file_id"]},
        },
        {
            "id": "theirs",
            "method": "POST",
            "url": "/file/get",
            "body": {"drive_id": bob.drive_id, "file_id": theirs["file_id"]},
        },
        {
            "id": "again",
            "method": "POST",
            "url": "/file/get_download_url",
            "body": {"drive_id": alice.drive_id, "file_id": mine["file_id"]},
        },
    ]
    answers = {
        answer["id"]: answer for answer in alice.ok("batch", {"resource": "file", "requests": calls})["responses"]
    }
    assert answers["mine"]["status"] == 200 and answers["mine"]["body"]["name"] == "mine.txt"
    assert answers["theirs"]["status"] == 404, answers["theirs"]  # Bob's drive: not Alice's to read
    assert answers["again"]["status"] == 200 and answers["again"]["body"]["url"]


def test_a_revoked_token_is_refused_at_once_with_the_domain_cached(alice, domain_cache):
    item = alice.upload("kept.bin", b"k")
    client = Client()
    assert download_batch(client, alice.token, alice.drive_id, item["file_id"]).status_code == 200
    AccessToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    refused = download_batch(client, alice.token, alice.drive_id, item["file_id"])
    assert refused.status_code == 401, refused.content


def test_a_domain_change_applies_on_save_at_once_and_otherwise_within_the_cache_seconds(domain, domain_cache):
    def host_domain_name() -> str:
        return domain_for_host("testserver", "pds.localhost").name

    assert host_domain_name() == "Demo"
    domain.name = "Saved"
    domain.save()  # a save in this process: forgotten at once
    assert host_domain_name() == "Saved"
    Domain.objects.filter(pk=domain.pk).update(name="Elsewhere")  # as another process would change it
    assert host_domain_name() == "Saved"
    domain_cache.PDS_DOMAIN_CACHE_SECONDS = 0.2
    time.sleep(0.3)  # the cache's lifetime passing is what is tested
    assert host_domain_name() == "Elsewhere"


def test_no_host_header_a_client_sends_grows_the_domain_cache(domain, domain_cache):
    from pds_server import selectors

    for port in range(1, 1001):  # each falls back to the default domain
        assert domain_for_host(f"x:{port}", "pds.localhost").pk == domain.pk
        assert domain_for_host(f"Demo.PDS.localhost.:{port}", "pds.localhost").pk == domain.pk
    assert len(selectors._DOMAINS) <= 2, list(selectors._DOMAINS)[:5]


def test_only_a_trusted_app_is_told_where_the_blob_file_is(alice, jwt_app, settings):
    item = alice.upload("direct.bin", b"b" * 100)
    settings.PDS_XACCEL_BLOB_LOCATION = "/_pds_blobs/"
    asked = {"file_id": item["file_id"], "response_content_type": OCTET}
    assert "x_accel_uri" not in alice.ok("file/get_download_url", asked)  # not listed
    settings.PDS_XACCEL_TRUSTED_APP_IDS = [jwt_app.app_id]
    location = alice.ok("file/get_download_url", asked)["x_accel_uri"]
    blob = File.objects.select_related("blob").get(file_id=item["file_id"]).blob
    assert location == f"/_pds_blobs/{blob.storage_name}"
    assert (settings.DATA_DIR / "blobs" / blob.storage_name).read_bytes() == b"b" * 100
    settings.PDS_XACCEL_BLOB_LOCATION = ""  # nginx does not serve the blobs: no location
    assert "x_accel_uri" not in alice.ok("file/get_download_url", asked)


def test_a_file_request_reads_the_file_with_its_drive_and_says_what_is_missing_as_before(alice, bob, domain_cache):
    """file/get costs the token and one read of the file with its drive. When that read finds
    nothing the drive and the file are read one after the other, so the answer names what is
    missing as it always did: the drive first (another's drive, however real the file id),
    then the file; a disabled drive is refused even when the file is there."""
    mine = alice.upload("mine.txt", b"a")
    theirs = bob.upload("theirs.txt", b"b")
    client = Client()

    def get(drive_id: str, file_id: str):
        return client.post(
            "/v2/file/get",
            {"drive_id": drive_id, "file_id": file_id},
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {alice.token}",
        )

    get(alice.drive_id, mine["file_id"])
    answer, queries = counted(lambda: get(alice.drive_id, mine["file_id"]))
    assert answer.status_code == 200 and answer.json()["name"] == "mine.txt"
    assert len(queries) <= 2, queries
    assert [get(bob.drive_id, theirs["file_id"]).json()["code"], get(alice.drive_id, "0" * 40).json()["code"]] == [
        "NotFound.Drive",
        "NotFound.File",
    ]
    Drive.objects.filter(pk=alice.drive_id).update(status=Drive.Status.DISABLED)
    locked = get(alice.drive_id, mine["file_id"])
    assert (locked.status_code, locked.json()["code"]) == (403, "ForbiddenDriveLocked")
