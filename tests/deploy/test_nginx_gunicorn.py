"""deploy/nginx.conf in front of gunicorn (deploy/gunicorn.conf.py), Drive and the embedded
PDS each in its own gunicorn, TLS on loopback: everything a browser does goes through nginx."""

from __future__ import annotations

import hashlib
import os
import time

import pytest
import requests
from django.conf import settings as django_settings

from tests.deploy.stack import NGINX, ROOT, Stack, sign_in

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")


def access_lines(stack: Stack, name: str, path_part: str) -> list[str]:
    return [line for line in stack.log(name).splitlines() if path_part in line]


@pytest.mark.parametrize("stack", ["pds_local", "proxy"], indirect=True)
def test_sign_in_upload_and_download_through_nginx(stack):
    browser = sign_in(stack, "alice", "alice-password-1")
    home = browser.get(f"{stack.drive_url}/")
    assert home.status_code == 200 and "My drive" in home.text
    # The session cookie is only ever sent over HTTPS.
    assert all(cookie.secure for cookie in browser.cookies if cookie.name.startswith("drive_"))

    # A multi-part upload through nginx (request buffering off) and Drive to the PDS.
    content = os.urandom(3 * 1024 * 1024 + 12345)
    part_size = 1024 * 1024 + 4096
    parts = [content[start : start + part_size] for start in range(0, len(content), part_size)]
    headers = {"X-CSRFToken": browser.cookies.get("drive_csrftoken")}
    started = browser.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": "report 2026 «final».bin", "size": len(content), "part_count": len(parts)},
        headers=headers,
    )
    assert started.status_code == 200, started.text
    started = started.json()
    base = f"{stack.drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}"
    for number, part in enumerate(parts, start=1):
        answer = browser.put(f"{base}/parts/{number}", data=part, headers=headers)
        assert answer.status_code == 200, answer.text
    done = browser.post(f"{base}/complete", json={}, headers=headers)
    assert done.status_code == 200 and done.json()["size"] == len(content), done.text

    # The download: Drive authorizes it and hands it to nginx, which fetches the PDS's signed
    # URL, where the PDS hands the blob file to nginx in turn.
    url = f"{stack.drive_url}/files/{started['file_id']}/download"
    whole = browser.get(url)
    assert whole.status_code == 200 and whole.content == content
    assert "X-Accel-Redirect" not in whole.headers
    assert (
        whole.headers["Content-Disposition"]
        == "attachment; filename=\"report 2026 _final_.bin\"; filename*=UTF-8''report%202026%20%C2%ABfinal%C2%BB.bin"
    )
    assert whole.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert "," not in whole.headers["Content-Disposition"].split("filename*")[0]  # one header, not the PDS's too
    ranged = browser.get(url, headers={"Range": "bytes=1000000-1000999"})
    assert ranged.status_code == 206 and ranged.content == content[1_000_000:1_001_000]
    assert ranged.headers["Content-Range"] == f"bytes 1000000-1000999/{len(content)}"
    tail = browser.get(url, headers={"Range": "bytes=-10"})
    assert tail.status_code == 206 and tail.content == content[-10:]

    # Neither gunicorn moved the body: both answered with an empty body and nginx sent it.
    deadline = time.monotonic() + 10
    while True:  # gunicorn writes its access log line after the response has left
        drive_lines = access_lines(stack, "drive", f"/files/{started['file_id']}/download")
        pds_lines = access_lines(stack, "pds", "/v2/file/content")
        if (len(drive_lines), len(pds_lines)) == (3, 3) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(drive_lines) == 3 and len(pds_lines) == 3, (drive_lines, pds_lines)
    # The PDS saw the request either from nginx's own PDS server (proxy) or straight from the
    # drive's server (pds_local): the nginx access log tells which Host asked for the content.
    content_hosts = {
        line.split(" ")[0] for line in stack.log("nginx-access").splitlines() if "/v2/file/content" in line
    }
    assert content_hosts == ({"127.0.0.1"} if stack.download_path == "proxy" else set()), content_hosts
    assert all(" bytes=0 " in line for line in drive_lines + pds_lines), drive_lines + pds_lines
    assert any(
        f'"GET /files/{started["file_id"]}/download HTTP/' in line and line.endswith(f" 200 {len(content)}")
        for line in stack.log("nginx-access").splitlines()
    )

    # nginx's workers (in the PDS user's group in production) can read the blob files.
    sha1 = hashlib.sha1(content).hexdigest().upper()
    blob_file = django_settings.DATA_DIR / "blobs" / "blobs" / sha1[:2] / sha1[2:4] / sha1
    assert blob_file.stat().st_mode & 0o777 == 0o640

    # Forwarding headers are nginx's, not the client's.
    browser.get(
        f"{stack.drive_url}/",
        headers={"X-Forwarded-For": "203.0.113.9", "X-Real-IP": "203.0.113.9", "X-Forwarded-Proto": "http"},
    )
    last = access_lines(stack, "drive", "GET / ")[-1]
    assert "xff=127.0.0.1 real=127.0.0.1 proto=https" in last, last


def test_static_files_security_headers_and_unknown_hosts(stack):
    # Static files come from nginx (gzip_static serves the compressed copy collectstatic made).
    script = ROOT / "static" / "js" / "browse.js"
    answer = requests.get(f"{stack.drive_url}/static/js/browse.js")
    assert answer.status_code == 200 and answer.content == script.read_bytes()
    assert answer.headers["Cache-Control"] == "max-age=604800"
    assert (
        requests.get(f"{stack.drive_url}/static/js/browse.js", headers={"Accept-Encoding": "gzip"}).headers.get(
            "Content-Encoding"
        )
        == "gzip"
    )
    assert not access_lines(stack, "drive", "/static/")

    # Every answer carries the security headers, once; Drive's own CSP stays on its pages.
    for url in (
        f"{stack.drive_url}/accounts/login/",
        f"{stack.drive_url}/static/js/browse.js",
        f"{stack.pds_url}/v2/user/get",
    ):
        answer = requests.get(url, allow_redirects=False)
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains", url
        assert answer.headers["X-Content-Type-Options"] == "nosniff", url
        assert answer.headers["X-Frame-Options"] == "DENY", url
        assert answer.headers["Referrer-Policy"] == "same-origin", url
        assert "Server" not in answer.headers or answer.headers["Server"] == "nginx", url
    page = requests.get(f"{stack.drive_url}/", allow_redirects=False)
    assert (
        "sandbox" not in page.headers["Content-Security-Policy"] and "," not in page.headers["Content-Security-Policy"]
    )
    # The PDS answers JSON errors through nginx unchanged.
    unauthorized = requests.post(f"{stack.pds_url}/v2/user/get", json={})
    assert unauthorized.status_code == 401 and unauthorized.json()["code"] == "AccessTokenInvalid"
    assert unauthorized.headers["x-ca-request-id"]

    # Internal locations cannot be asked for from outside.
    assert requests.get(f"{stack.drive_url}/_pds_proxy/http/127.0.0.1:9/v2/file/content").status_code == 404
    assert requests.get(f"{stack.pds_url}/_pds_blobs/").status_code == 404

    # Plain HTTP moves to HTTPS; a Host nginx does not serve gets no answer on either port.
    moved = requests.get(f"http://localhost:{stack.http_port}/folders/x/", allow_redirects=False)
    assert moved.status_code == 301 and moved.headers["Location"] == "https://localhost/folders/x/"
    for url in (f"http://127.0.0.1:{stack.http_port}/", f"{stack.pds_url}/v2/user/get"):
        with pytest.raises(requests.ConnectionError):
            requests.get(url, headers={"Host": "evil.example"}, timeout=10)
