"""deploy/nginx.conf in front of gunicorn (deploy/gunicorn.conf.py), Drive and the embedded
PDS each in its own gunicorn, TLS on loopback: everything a browser does goes through nginx."""

from __future__ import annotations

import hashlib
import os
import subprocess
import time

import pytest
import requests
from django.conf import settings as django_settings

from accounts import crypto
from accounts.models import Credential
from pds_server.models import PdsUser
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
    # Drive's gunicorn read the parts only where nginx may not send them to the PDS itself
    # (proxy: Drive answers nginx's check with a refusal, and the parts stream through Drive).
    streamed = access_lines(stack, "drive", "/parts/")
    if stack.download_path == "proxy":
        assert len(wait_for_lines(stack, "drive", "/parts/", len(parts))) == len(parts)
        assert len(access_lines(stack, "drive", "PUT /_drive_part_route 403 ")) == len(parts)
    else:
        assert not streamed, streamed

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


def start_upload(stack: Stack, browser, name: str, content: bytes, part_count: int) -> tuple[str, dict, dict]:
    """(the upload's base URL, Drive's answer, the browser's CSRF header)."""
    headers = {"X-CSRFToken": browser.cookies.get("drive_csrftoken")}
    started = browser.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": name, "size": len(content), "part_count": part_count},
        headers=headers,
    )
    assert started.status_code == 200, started.text
    started = started.json()
    return f"{stack.drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}", started, headers


def wait_for_lines(stack: Stack, name: str, path_part: str, count: int) -> list[str]:
    deadline = time.monotonic() + 10
    while len(lines := access_lines(stack, name, path_part)) < count and time.monotonic() < deadline:
        time.sleep(0.2)  # gunicorn writes its access log line after the response has left
    return lines


def left_in(parts_dir) -> list:
    return [path for path in parts_dir.rglob("*") if path.is_file() and path.name != "decoy"]


def test_nginx_hands_part_files_to_the_pds_after_drive_checked_them(stack):
    browser = sign_in(stack, "alice", "alice-password-1")
    browser.get(f"{stack.drive_url}/")
    parts_dir = django_settings.DATA_DIR / "blobs" / "nginx-parts"
    # A file of the client's choosing in nginx's own directory: a client's X-Pds-Part-File
    # naming it is replaced by nginx's, so the PDS never takes it.
    decoy = parts_dir / "decoy"
    decoy.write_bytes(b"not the part")
    part_size = 16 * 1024 * 1024 + 1000  # above the server's 16m body limit: the auth subrequest must allow it
    content = os.urandom(2 * part_size + 777)
    parts = [content[start : start + part_size] for start in range(0, len(content), part_size)]
    assert len(parts) == 3
    base, started, headers = start_upload(stack, browser, "parts.bin", content, len(parts))
    forged = {"X-Pds-Part-File": str(decoy), "X-Pds-Part-Length": str(len(b"not the part"))}
    for number, part in enumerate(parts, start=1):
        answer = browser.put(f"{base}/parts/{number}", data=part, headers={**headers, **forged})
        # The PDS's answer: 200 and the part's ETag (upload.js needs only the status).
        assert answer.status_code == 200, answer.text
        assert answer.headers["ETag"]
        assert "Access-Control-Allow-Origin" not in answer.headers
        assert answer.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert "X-Pds-Part-Uri" not in answer.headers and "signature" not in answer.text
    done = browser.post(f"{base}/complete", json={}, headers=headers)
    assert done.status_code == 200 and done.json()["size"] == len(content), done.text
    sha1 = hashlib.sha1(content).hexdigest().upper()
    blob_file = django_settings.DATA_DIR / "blobs" / "blobs" / sha1[:2] / sha1[2:4] / sha1
    assert blob_file.read_bytes() == content
    assert browser.get(f"{stack.drive_url}/files/{started['file_id']}/download").content == content
    assert decoy.read_bytes() == b"not the part"
    # Nothing is left behind in nginx's directory, and Drive's gunicorn never read a part:
    # it answered nginx's checks, and the PDS's gunicorn took the files.
    assert not left_in(parts_dir)
    checks = wait_for_lines(stack, "drive", "PUT /_drive_part_route ", len(parts))
    assert len(checks) == len(parts) and all(" 200 bytes=0 " in line for line in checks), checks
    assert not access_lines(stack, "drive", "/parts/")
    stored = wait_for_lines(stack, "pds", "PUT /v2/file/upload_part ", len(parts))
    assert len(stored) == len(parts) and all(" 200 " in line for line in stored), stored
    # The same over HTTP/2, as browsers (and curl) send parts.
    h2_content = os.urandom(2 * part_size)
    h2_base, _, headers = start_upload(stack, browser, "h2.bin", h2_content, 2)
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    for number in (1, 2):
        body = stack.directory / f"part-{number}"
        body.write_bytes(h2_content[(number - 1) * part_size : number * part_size])
        sent = subprocess.run(
            [
                "curl",
                "-sS",
                "--http2",
                "--cacert",
                str(stack.ca),
                "-o",
                "/dev/null",
                "-w",
                "%{http_version} %{http_code}",
            ]
            + ["-H", f"Cookie: {cookie}", "-H", f"X-CSRFToken: {headers['X-CSRFToken']}"]
            + ["-H", f"Referer: {stack.drive_url}/", "-T", str(body), f"{h2_base}/parts/{number}"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert sent.stdout == "2 200", (sent.stdout, sent.stderr)
    assert browser.post(f"{h2_base}/complete", json={}, headers=headers).json()["size"] == len(h2_content)
    assert not access_lines(stack, "drive", "/parts/")
    assert len(wait_for_lines(stack, "drive", "PUT /_drive_part_route ", len(parts) + 2)) == len(parts) + 2

    # The part check is nginx's alone.
    assert browser.put(f"{stack.drive_url}/_drive_part_route", headers=headers).status_code == 404
    assert browser.put(f"{stack.drive_url}/d/1/_drive_part_route", headers=headers).status_code == 404

    # A refused check (a wrong CSRF token) sends the part to Drive's streaming view, which
    # refuses it as it always has; a part the PDS refuses (longer than the file) is sent
    # to that view too, which gives its readable message.
    stored_before = len(wait_for_lines(stack, "pds", "PUT /v2/file/upload_part ", len(parts) + 2))
    small = b"x" * 100
    base, _, headers = start_upload(stack, browser, "small.bin", small, 1)
    wrong = browser.put(f"{base}/parts/1", data=small, headers={"X-CSRFToken": "wrong" * 8})
    assert wrong.status_code == 403 and "CSRF" in wrong.text, wrong.text[:300]
    too_long = browser.put(f"{base}/parts/1", data=small * 3, headers=headers)
    assert too_long.status_code == 403 and too_long.json() == {
        "error": "The parts are larger than the declared size or the drive's free space.",
        "code": "QuotaExhausted.Drive",
    }
    streamed = wait_for_lines(stack, "drive", f"PUT {base.removeprefix(stack.drive_url)}/parts/1 ", 2)
    assert len(streamed) == 2 and " 403 " in streamed[0] and " 403 " in streamed[1], streamed
    # (the PDS refused nginx's file; then Drive sent the same bytes to the PDS's server,
    # where the PDS refused nginx's check and then, at once, the part streamed to it)
    refused = wait_for_lines(stack, "pds", "PUT /v2/file/upload_part ", stored_before + 3)[stored_before:]
    assert len(refused) == 3 and all(" 403 " in line for line in refused), refused
    assert browser.put(f"{base}/parts/1", data=small, headers=headers).status_code == 200
    assert browser.post(f"{base}/complete", json={}, headers=headers).json()["size"] == 100
    assert not left_in(parts_dir)

    # An empty file: an empty part, from nginx's empty file.
    base, _, headers = start_upload(stack, browser, "empty.bin", b"", 1)
    assert browser.put(f"{base}/parts/1", data=b"", headers=headers).status_code == 200
    assert browser.post(f"{base}/complete", json={}, headers=headers).json()["size"] == 0

    # The PDS's part URLs need a Content-Length: a chunked body is refused before it is read.
    created = browser.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": "chunked.bin", "size": 5, "part_count": 1},
        headers=headers,
    )
    assert created.status_code == 200
    credential = Credential.objects.get(user__pds_identity__pds_user_id="alice")
    pds = requests.Session()
    pds.verify, pds.trust_env = str(stack.ca), False
    pds.headers["Authorization"] = f"Bearer {crypto.decrypt(credential.access_token_encrypted)}"
    drive_id = PdsUser.objects.get(user_id="alice").default_drive_id
    urls = pds.post(
        f"{stack.pds_url}/v2/file/get_upload_url",
        json={"drive_id": drive_id, "file_id": created.json()["file_id"], "upload_id": created.json()["upload_id"]},
    )
    part_url = urls.json()["part_info_list"][0]["upload_url"]
    assert pds.put(part_url, data=iter([b"12", b"345"])).status_code == 411
    # A browser's preflight for a direct-mode part PUT still reaches the PDS.
    preflight = pds.options(part_url, headers={"Origin": "https://app.example", "Access-Control-Request-Method": "PUT"})
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert pds.put(part_url, data=b"12345", headers=forged).status_code == 200
    assert decoy.read_bytes() == b"not the part"
    assert not left_in(parts_dir)

    # No log has a part URL's signature.
    stack.stop()
    texts = {path.name: path.read_text(errors="replace") for path in stack.directory.glob("*.log")}
    leaked = {name: [s for s in ("signature=", "upload_part?") if s in text] for name, text in texts.items()}
    assert not any(leaked.values()), leaked
