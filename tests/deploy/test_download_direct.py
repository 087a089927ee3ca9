"""A download straight to the blob file: behind deploy/nginx.conf, the embedded PDS tells the
drive app it trusts (PDS_XACCEL_TRUSTED_APP_IDS) where the blob file is, and Drive answers
X-Accel-Redirect to /_pds_blobs/ itself: one Drive request and one PDS call, no request of
the signed URL. The browser gets what the signed URL's way gives: the bytes, Range, one
Content-Disposition and the sandbox headers."""

from __future__ import annotations

import os

import pytest

from pds_server.models import App
from tests.deploy.stack import NGINX, Stack, sign_in

pytestmark = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")


@pytest.fixture(autouse=True)
def blob_location_trusted(monkeypatch):
    """Both gunicorns as a deployment that uses it sets them (README)."""
    start = Stack.start_gunicorn

    def started(self, name, wsgi, port, env, *args, **kwargs):
        extra = {"DRIVE_XACCEL_BLOB_LOCATION": "/_pds_blobs/"}
        if name == "pds":
            extra = {"PDS_XACCEL_TRUSTED_APP_IDS": App.objects.get(name="Drive").app_id}
        return start(self, name, wsgi, port, {**env, **extra}, *args, **kwargs)

    monkeypatch.setattr(Stack, "start_gunicorn", started)


def test_a_download_goes_from_drive_straight_to_the_blob_file(stack):
    browser = sign_in(stack, "alice", "alice-password-1")
    content = os.urandom(1024 * 1024 + 77)
    headers = {"X-CSRFToken": browser.cookies.get("drive_csrftoken") or ""}
    if not headers["X-CSRFToken"]:
        browser.get(f"{stack.drive_url}/")
        headers["X-CSRFToken"] = browser.cookies.get("drive_csrftoken")
    started = browser.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": "direct «1».bin", "size": len(content), "part_count": 1},
        headers=headers,
    ).json()
    base = f"{stack.drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}"
    assert browser.put(f"{base}/parts/1", data=content, headers=headers).status_code == 200
    assert browser.post(f"{base}/complete", json={}, headers=headers).status_code == 200

    url = f"{stack.drive_url}/files/{started['file_id']}/download"
    whole = browser.get(url)
    assert whole.status_code == 200 and whole.content == content
    assert "X-Accel-Redirect" not in whole.headers
    assert whole.headers["Content-Type"] == "application/octet-stream"
    assert whole.headers["Content-Disposition"] == (
        "attachment; filename=\"direct _1_.bin\"; filename*=UTF-8''direct%20%C2%AB1%C2%BB.bin"
    )
    assert whole.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert whole.headers["X-Content-Type-Options"] == "nosniff"
    assert whole.headers["Cache-Control"] == "private, max-age=0"
    ranged = browser.get(url, headers={"Range": "bytes=1000-1999"})
    assert ranged.status_code == 206 and ranged.content == content[1000:2000]
    assert ranged.headers["Content-Range"] == f"bytes 1000-1999/{len(content)}"
    # Nobody asked the PDS for the signed URL's content: Drive sent nginx to the file.
    assert not [line for line in stack.log("pds").splitlines() if "/v2/file/content" in line]
