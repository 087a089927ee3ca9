"""Drive's part check for nginx (files/part_route.py, DRIVE_PART_ROUTE=nginx): a signed part
URI for the signed-in user's own upload, and a bare 403 for anything else (nginx then
streams the part through Drive, whose answer the browser gets). Without nginx: the view is
reached here as nginx's auth_request reaches it."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from tests.drive_helpers import Browser, sign_in


@pytest.fixture
def browser(drive_url, alice) -> Browser:
    return Browser(drive_url, sign_in(drive_url))


@pytest.fixture
def route_on(settings):
    settings.DRIVE_PART_ROUTE = "nginx"


def started_upload(browser: Browser) -> dict:
    body = {"parent_id": "root", "name": "route.bin", "size": 3, "part_count": 1}
    answer = browser.post("/api/uploads", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def check(browser: Browser, uri: str, *, length: str = "3", csrf: str | None = None, method: str = "PUT"):
    """nginx's subrequest: no body, the browser's cookie, CSRF header and Referer."""
    headers = {
        "X-CSRFToken": browser.session.cookies.get("drive_csrftoken", "") if csrf is None else csrf,
        "Referer": f"{browser.base}/",
        "X-Drive-Part-Uri": uri,
        "X-Drive-Part-Length": length,
    }
    return browser.session.request(method, f"{browser.base}/_drive_part_route", headers=headers)


def test_the_check_gives_nginx_a_signed_part_uri_for_the_users_own_upload(browser, route_on, drive_url):
    started = started_upload(browser)
    part = f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1"
    answer = check(browser, part)
    assert answer.status_code == 200, answer.text
    uri, host = answer.headers["X-Pds-Part-Uri"], answer.headers["X-Pds-Part-Host"]
    assert uri.startswith("/v2/file/upload_part?") and "signature=" in uri and host == urlsplit(drive_url).netloc
    assert answer.content == b""
    # What nginx then does with the body (here streamed, not as a file): the PDS takes it.
    stored = requests.put(f"http://{host}{uri}", data=b"abc")
    assert stored.status_code == 200 and stored.headers["ETag"]
    done = browser.post(f"/api/uploads/{started['file_id']}/{started['upload_id']}/complete", json={})
    assert done.status_code == 200 and done.json()["size"] == 3


def test_the_check_reuses_the_part_urls_the_upload_was_created_with(browser, route_on, drive_url, settings):
    from django.contrib.auth import get_user_model
    from django.core.cache import cache

    from files.uploads import part_urls_key

    body = {"parent_id": "root", "name": "kept.bin", "size": 6, "part_count": 2}
    started = browser.post("/api/uploads", json=body).json()
    signed_in = get_user_model().objects.exclude(last_login=None).order_by("-last_login").first()
    owner = type("Owner", (), {"user": signed_in, "drive_id": browser.drive_id})  # as UserPds for the key
    key = part_urls_key(owner, started["file_id"], started["upload_id"], 1)  # type: ignore[arg-type]
    kept = cache.get(key)
    assert set(kept) == {1, 2} and all("/v2/file/upload_part?" in url for url in kept.values()), kept
    # The check answers with what was kept, not with a URL the PDS signs anew: shown by a
    # kept URL swapped for another of the same origin.
    host = urlsplit(kept[1]).netloc
    cache.set(key, {**kept, 2: f"http://{host}/v2/file/upload_part?kept=marker"})
    part = f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts"
    assert check(browser, f"{part}/2").headers["X-Pds-Part-Uri"] == "/v2/file/upload_part?kept=marker"
    first = check(browser, f"{part}/1")
    assert first.headers["X-Pds-Part-Uri"] == kept[1].split(host, 1)[1]
    assert requests.put(f"http://{host}{first.headers['X-Pds-Part-Uri']}", data=b"abc").status_code == 200
    # Once gone from the cache, the PDS signs a fresh one, which works as well.
    cache.delete(key)
    second = check(browser, f"{part}/2")
    assert second.status_code == 200 and "signature=" in second.headers["X-Pds-Part-Uri"]
    assert requests.put(f"http://{host}{second.headers['X-Pds-Part-Uri']}", data=b"def").status_code == 200
    done = browser.post(f"/api/uploads/{started['file_id']}/{started['upload_id']}/complete", json={})
    assert done.status_code == 200 and done.json()["size"] == 6
    # Off the nginx route, nothing is kept.
    settings.DRIVE_PART_ROUTE = "stream"
    other = browser.post("/api/uploads", json={**body, "name": "streamed.bin"}).json()
    assert cache.get(part_urls_key(owner, other["file_id"], other["upload_id"], 1)) is None  # type: ignore[arg-type]


def test_anything_else_is_a_bare_refusal(browser, route_on, settings, make_user, drive_url):
    started = started_upload(browser)
    part = f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts/1"
    refused = {
        "wrong CSRF token": check(browser, part, csrf="x" * 32),
        "no length": check(browser, part, length=""),
        "over 64 MiB": check(browser, part, length=str(64 * 1024 * 1024 + 1)),
        "not a part's URI": check(browser, f"/api/uploads/{started['file_id']}/{started['upload_id']}/complete"),
        "no such upload": check(browser, f"/api/uploads/{started['file_id']}/0123456789ABCDEF/parts/1"),
        "part out of range": check(browser, f"/api/uploads/{started['file_id']}/{started['upload_id']}/parts/2"),
    }
    make_user("bob", password="bob-password-1")
    bob = Browser(drive_url, sign_in(drive_url, "bob", "bob-password-1"))
    bob.get("/")
    refused["another user's upload"] = check(bob, part)
    signed_out = Browser(drive_url, requests.Session())
    signed_out.get("/accounts/login/")
    refused["signed out"] = check(signed_out, part)
    statuses = {reason: answer.status_code for reason, answer in refused.items()}
    assert set(statuses.values()) == {403}, statuses
    assert not any("X-Pds-Part-Uri" in answer.headers for answer in refused.values())
    assert check(browser, part, method="GET").status_code == 405
    # Under a drive's prefix the check does not exist (nginx asks at its own path only).
    scoped = browser.session.put(
        f"{drive_url}/d/{browser.drive_id}/_drive_part_route",
        headers={"X-CSRFToken": browser.session.cookies["drive_csrftoken"], "Referer": f"{drive_url}/"},
    )
    assert scoped.status_code in (403, 404) and "X-Pds-Part-Uri" not in scoped.headers
    # The part of a drive the user may upload to, under its prefix, is routed.
    assert check(browser, f"/d/{browser.drive_id}{part}").status_code == 200

    # Off (make run, or a PDS not behind this nginx): always refused, so parts stream.
    settings.DRIVE_PART_ROUTE = "stream"
    assert check(browser, part).status_code == 403
