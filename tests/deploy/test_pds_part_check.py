"""The PDS's signed part URL behind deploy/nginx.conf: nginx asks the PDS (auth_request, no
body) whether it would take the part before writing the body to a file in nginx-parts. A bad
signature or a part longer than the upload may take is answered at once with the PDS's JSON
error, the body unread and nothing on disk; a good part still reaches the PDS as a file."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import time
from urllib.parse import urlsplit

import pytest
import requests
from django.conf import settings as django_settings

from accounts import crypto
from accounts.models import Credential
from pds_server.models import PdsUser
from tests.deploy.stack import ACCESS_LOG_FORMAT, NGINX, Stack, sign_in

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")

PART_SIZE = 16 * 1024 * 1024 + 1000  # above the server's 16m: the check location must allow it
FIVE_GIB = 5 * 1024**3
# A client's own values of nginx's headers, which nginx must replace on every path.
FORGED = {"X-Pds-Part-Check": "1", "X-Pds-Part-Length": "5", "X-Pds-Part-File": "/etc/passwd"}


@pytest.fixture
def gunicorn_access_log_format() -> str:
    """Which of nginx's headers the PDS's gunicorn saw with each request."""
    return ACCESS_LOG_FORMAT + " check=%({x-pds-part-check}i)s file=%({x-pds-part-file}i)s"


def pds_session(stack: Stack) -> requests.Session:
    credential = Credential.objects.get(user__pds_identity__pds_user_id="alice")
    pds = requests.Session()
    pds.verify, pds.trust_env = str(stack.ca), False
    pds.headers["Authorization"] = f"Bearer {crypto.decrypt(credential.access_token_encrypted)}"
    return pds


def part_lines(stack: Stack, count: int) -> list[str]:
    """The PDS gunicorn's lines for part PUTs, once there are `count` of them."""
    deadline = time.monotonic() + 10
    while True:  # gunicorn writes its access log line after the response has left
        lines = [line for line in stack.log("pds").splitlines() if line.startswith("PUT /v2/file/upload_part ")]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines


def left_in(parts_dir) -> list:
    """nginx's files (levels 1 2: always two directories down; another test leaves a decoy)."""
    return [path for path in parts_dir.glob("*/*/*") if path.is_file()]


def answer_before_body(stack: Stack, url: str, parts_dir) -> tuple[int, dict]:
    """PUT announcing 5 GiB, send 256 KiB of it and read the answer: it must come before the
    rest of the body, with nothing of it written to nginx's part directory."""
    context = ssl.create_default_context(cafile=str(stack.ca))
    connection = http.client.HTTPSConnection("127.0.0.1", stack.https_port, context=context, timeout=20)
    try:
        split = urlsplit(url)
        connection.putrequest("PUT", f"{split.path}?{split.query}", skip_accept_encoding=True)
        connection.putheader("Content-Length", str(FIVE_GIB))
        for name, value in FORGED.items():
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(b"x" * 256 * 1024)
        answer = connection.getresponse()  # times out if nginx waits for the 5 GiB
        body = answer.read()
        assert not left_in(parts_dir)  # the connection is still open, the body unfinished
        assert answer.getheader("Content-Type").startswith("application/json"), body[:300]
        return answer.status, json.loads(body)
    finally:
        connection.close()


def test_nginx_asks_the_pds_before_it_writes_a_part_to_disk(stack):
    browser = sign_in(stack, "alice", "alice-password-1")
    browser.get(f"{stack.drive_url}/")
    parts_dir = django_settings.DATA_DIR / "blobs" / "nginx-parts"
    pds = pds_session(stack)
    content = os.urandom(PART_SIZE)
    created = pds.post(
        f"{stack.pds_url}/v2/file/create",
        json={
            "drive_id": PdsUser.objects.get(user_id="alice").default_drive_id,
            "parent_file_id": "root",
            "name": "checked.bin",
            "type": "file",
            "size": len(content),
            "part_info_list": [{"part_number": 1}],
        },
    )
    assert created.status_code == 201, created.text
    created = created.json()
    part_url = created["part_info_list"][0]["upload_url"]

    # A bad signature: the PDS's JSON error at once, nothing on disk.
    status, error = answer_before_body(stack, part_url.replace("signature=", "signature=0"), parts_dir)
    assert (status, error["code"]) == (403, "InvalidSignature"), error
    # A part longer than the upload's declared size: refused the same way.
    status, error = answer_before_body(stack, part_url, parts_dir)
    assert (status, error["code"]) == (403, "QuotaExhausted.Drive"), error
    lines = part_lines(stack, 4)
    # Each time nginx's check (its own header, no body) was refused, then the part streamed
    # to the PDS without nginx's headers (the client's were replaced) and was refused at once.
    # (In any order: each worker writes its line after its response has left.)
    assert len(lines) == 4, lines
    assert all(" 403 " in line for line in lines), lines
    assert sorted(line.split(" check=")[1] for line in lines) == ["- file=-"] * 2 + ["1 file=-"] * 2, lines

    # The good part, over the server's 16m: the check passes (204), nginx writes the body to
    # its directory and the PDS takes the file; the client's X-Pds-Part-* headers are ignored.
    stored = pds.put(part_url, data=content, headers=FORGED)
    assert stored.status_code == 200 and stored.headers["ETag"], stored.text
    lines = sorted(part_lines(stack, 6)[4:], key=lambda line: " 200 " in line)  # the check's first
    assert len(lines) == 2, lines
    assert " 204 " in lines[0] and lines[0].endswith(" check=1 file=-"), lines
    assert " 200 " in lines[1] and f" check=- file={parts_dir}/" in lines[1], lines
    assert not left_in(parts_dir)
    done = pds.post(
        f"{stack.pds_url}/v2/file/complete",
        json={"drive_id": created["drive_id"], "file_id": created["file_id"], "upload_id": created["upload_id"]},
    )
    assert done.status_code == 200 and done.json()["size"] == len(content), done.text
    sha1 = hashlib.sha1(content).hexdigest().upper()
    blob_file = django_settings.DATA_DIR / "blobs" / "blobs" / sha1[:2] / sha1[2:4] / sha1
    assert blob_file.read_bytes() == content

    # The check is nginx's alone.
    assert pds.put(f"{stack.pds_url}/_pds_part_check").status_code == 404
