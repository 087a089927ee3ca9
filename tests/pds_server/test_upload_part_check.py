"""nginx's check of a signed part PUT before it writes the body to a file (X-Pds-Part-Check,
PDS_NGINX_PART_DIR): 204, or a 403 with the error the part PUT itself would give. Reached
here as nginx's auth_request reaches it: the same signed URI, no body."""

from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

import pytest
import requests

from pds_server.models import UploadPart
from tests.pds_server.test_upload_assembly import complete, create


@pytest.fixture
def part_dir(settings, tmp_path):
    directory = tmp_path / "nginx-parts"
    directory.mkdir()
    settings.PDS_NGINX_PART_DIR = str(directory)
    return directory


def check(url: str, length: str | None) -> requests.Response:
    headers = {"X-Pds-Part-Check": "1"} | ({"X-Pds-Part-Length": length} if length is not None else {})
    return requests.put(url, headers=headers)


def test_the_check_passes_a_part_the_put_would_take_and_stores_nothing(alice, part_dir):
    data = os.urandom(3000)
    created = create(alice, "checked.bin", data, parts=2)
    url = created["part_info_list"][0]["upload_url"]
    answer = check(url, "3000")
    assert answer.status_code == 204 and answer.content == b"", answer.text
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert not UploadPart.objects.filter(upload__upload_id=created["upload_id"]).exists()
    # The part a client then sends is taken as always.
    assert requests.put(url, data=data[:2000]).status_code == 200
    # Another part may take what the declared size leaves: 1000 bytes.
    other = created["part_info_list"][1]["upload_url"]
    assert check(other, "1000").status_code == 204
    assert check(other, "1001").json()["code"] == "QuotaExhausted.Drive"


def test_anything_the_put_would_refuse_is_a_403_with_its_error(alice, part_dir):
    data = os.urandom(3000)
    created = create(alice, "refused.bin", data, parts=1)
    url = created["part_info_list"][0]["upload_url"]
    refused = {
        "bad signature": check(url.replace("signature=", "signature=0"), "10"),
        "longer than declared": check(url, "3001"),
        "no length": check(url, None),
        "not a number": check(url, "-1"),
    }
    assert requests.put(url, data=data).status_code == 200
    assert complete(alice, created).status_code == 200
    refused["completed upload"] = check(url, "10")
    codes = {reason: (answer.status_code, answer.json()["code"]) for reason, answer in refused.items()}
    assert codes == {
        "bad signature": (403, "InvalidSignature"),
        "longer than declared": (403, "QuotaExhausted.Drive"),
        "no length": (403, "InvalidParameter.ContentLength"),
        "not a number": (403, "InvalidParameter.ContentLength"),
        "completed upload": (403, "NotFound.Upload"),
    }


def test_the_check_header_is_ignored_when_off_or_beside_a_part_file(alice, settings, part_dir):
    data = os.urandom(3000)
    created = create(alice, "plain.bin", data, parts=1)
    url = created["part_info_list"][0]["upload_url"]
    # Beside nginx's part file (a client's header on Drive's part route): the file is taken.
    path = part_dir / "0000000001"
    path.write_bytes(data)
    headers = {"X-Pds-Part-Check": "1", "X-Pds-Part-File": str(path), "X-Pds-Part-Length": "3000"}
    assert requests.put(url, headers=headers).status_code == 200
    assert not path.exists()
    # Off (make run): the header means nothing and the body streams.
    settings.PDS_NGINX_PART_DIR = ""
    stored = requests.put(url, data=data, headers={"X-Pds-Part-Check": "1", "X-Pds-Part-Length": "3000"})
    assert stored.status_code == 200 and stored.headers["ETag"], stored.text
    assert UploadPart.objects.get(upload__upload_id=created["upload_id"]).size == 3000


def test_a_streamed_part_longer_than_it_may_be_is_refused_before_its_body(alice):
    created = create(alice, "long.bin", os.urandom(3000), parts=1)
    url = urlsplit(created["part_info_list"][0]["upload_url"])
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=20)
    try:
        connection.putrequest("PUT", f"{url.path}?{url.query}", skip_accept_encoding=True)
        connection.putheader("Content-Length", str(5 * 1024**3))
        connection.endheaders()
        connection.send(b"x" * 64 * 1024)
        answer = connection.getresponse()  # times out if the PDS reads on
        assert answer.status == 403
        assert json.loads(answer.read())["code"] == "QuotaExhausted.Drive"
    finally:
        connection.close()
    assert not UploadPart.objects.filter(upload__upload_id=created["upload_id"]).exists()
