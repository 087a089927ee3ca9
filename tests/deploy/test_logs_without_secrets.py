"""No log keeps a credential that travels in a URL: signed URLs' signatures, the OAuth
callback's code and state. nginx (deploy/nginx.conf's log format), gunicorn
(deploy/gunicorn.conf.py's access log format and logger) and Django (LOGGING's filter)."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from accounts import crypto
from accounts.models import Credential
from drive_site.logging import HideSecrets
from pds_server.models import PdsUser
from tests.deploy.stack import NGINX, Browser, Stack, pds_signin

needs_nginx = pytest.mark.skipif(not os.path.exists(NGINX), reason="nginx is not installed (.ci/run installs it)")


@pytest.fixture
def gunicorn_access_log_format() -> None:
    return None  # deploy/gunicorn.conf.py's own


def query_value(url: str, name: str) -> str:
    return parse_qs(urlsplit(url).query)[name][0]


@needs_nginx
# proxy: downloads through the PDS's server block too; pds_local: parts sent by nginx to the
# PDS's signed part URI (Drive's part check answers it to nginx) and downloads by /_pds_local/.
@pytest.mark.parametrize("stack", ["proxy", "pds_local"], indirect=True)
def test_no_log_keeps_a_signature_or_an_oauth_code(stack: Stack):
    # Sign in as a browser does; the callback's code and state are secrets.
    browser = Browser()
    browser.verify, browser.trust_env = str(stack.ca), False
    authorize = browser.get(f"{stack.drive_url}/accounts/login/", allow_redirects=False).headers["Location"]
    callback = pds_signin(browser, authorize, "alice", "alice-password-1")
    assert browser.get(callback, allow_redirects=False).status_code == 302
    secrets = [query_value(callback, "code"), query_value(callback, "state")]

    # An upload through Drive, whose parts go to a signed PDS part URL (through Drive, or
    # from nginx), and its download, which nginx fetches from a signed PDS URL.
    browser.get(f"{stack.drive_url}/")
    headers = {"X-CSRFToken": browser.cookies.get("drive_csrftoken")}
    content = os.urandom(300_000)
    started = browser.post(
        f"{stack.drive_url}/api/uploads",
        json={"parent_id": "root", "name": "notes.bin", "size": len(content), "part_count": 2},
        headers=headers,
    ).json()
    base = f"{stack.drive_url}/api/uploads/{started['file_id']}/{started['upload_id']}"
    for number, part in enumerate((content[:150_000], content[150_000:]), start=1):
        assert browser.put(f"{base}/parts/{number}", data=part, headers=headers).status_code == 200
    assert browser.post(f"{base}/complete", json={}, headers=headers).status_code == 200
    assert browser.get(f"{stack.drive_url}/files/{started['file_id']}/download").content == content

    # Signed URLs used straight, as an API client does: a part upload and a download.
    credential = Credential.objects.get(user__pds_identity__pds_user_id="alice")
    pds = requests.Session()
    pds.verify, pds.trust_env = str(stack.ca), False
    pds.headers["Authorization"] = f"Bearer {crypto.decrypt(credential.access_token_encrypted)}"
    drive_id = PdsUser.objects.get(user_id="alice").default_drive_id
    created = pds.post(
        f"{stack.pds_url}/v2/file/create",
        json={"drive_id": drive_id, "parent_file_id": "root", "name": "direct.bin", "type": "file", "size": 5},
    ).json()
    part_url = created["part_info_list"][0]["upload_url"]
    assert requests.put(part_url, data=b"12345", verify=str(stack.ca)).status_code == 200
    done = pds.post(
        f"{stack.pds_url}/v2/file/complete",
        json={"drive_id": drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]},
    )
    assert done.status_code == 200, done.text
    download_url = pds.post(
        f"{stack.pds_url}/v2/file/get_download_url", json={"drive_id": drive_id, "file_id": created["file_id"]}
    ).json()["url"]
    assert requests.get(download_url, verify=str(stack.ca)).content == b"12345"
    # A tampered signature: refused, and Django logs the refusal.
    tampered = download_url.replace(query_value(download_url, "signature"), "0" * 64)
    assert requests.get(tampered, verify=str(stack.ca)).status_code == 403
    secrets += [query_value(part_url, "signature"), query_value(download_url, "signature")]

    deadline = time.monotonic() + 10
    while stack.log("pds").count("/v2/file/content") < 3 or "/v2/file/content" not in stack.log("nginx-access"):
        assert time.monotonic() < deadline, "the downloads never reached the access logs"
        time.sleep(0.2)
    stack.stop()  # every log complete
    texts = {path.name: path.read_text(errors="replace") for path in stack.directory.glob("*.log")}
    assert {"drive.log", "pds.log", "nginx-access.log"} <= set(texts)
    assert ("/parts/" in texts["drive.log"]) == (stack.download_path == "proxy")  # nginx sent them itself
    leaked = {name: [s for s in ("signature=", *secrets) if s in text] for name, text in texts.items()}
    assert not any(leaked.values()), leaked


def test_django_logging_hides_signatures_and_codes_in_messages_and_tracebacks():
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, HideSecrets) for f in h.filters))
    logger = logging.getLogger("django.request")
    try:
        raise requests.ConnectionError(
            "Max retries exceeded with url: /v2/file/upload_part?part_number=1&signature=5ec7e7a"
        )
    except requests.ConnectionError:
        record = logger.makeRecord(
            logger.name,
            logging.ERROR,
            __file__,
            1,
            "Bad gateway: %s",
            ("/accounts/callback/?code=5ec7e7b&state=5ec7e7c",),
            exc_info=sys.exc_info(),
        )
    assert handler.filter(record)
    line = handler.format(record)
    assert "/accounts/callback/?code=[hidden]&state=[hidden]" in line and "signature=[hidden]" in line
    assert "5ec7e7" not in line, line


def test_a_celery_workers_log_hides_signatures(tmp_path):
    # Celery sets up its own handlers on the root logger (as a worker or beat does at start),
    # so Django's LOGGING filter alone would not reach them.
    script = (
        "import logging, django; django.setup()\n"
        "from drive_site.celery import app\n"
        "app.log.setup_logging_subsystem(loglevel='INFO', colorize=False)\n"
        "logging.getLogger('pds_server.tasks').error('Failed on /v2/file/content?drive_id=1&signature=5ec7e7d')\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "drive_site.settings"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "signature=[hidden]" in done.stderr, done.stderr
    assert "5ec7e7d" not in done.stderr
