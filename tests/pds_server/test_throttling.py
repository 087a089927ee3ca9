"""Guessing is throttled (429 with Retry-After) before the 20th try: client secrets per
client, share passwords per share, sign-ins per source address, unknown share ids per
source address; the counts live in the shared cache, so they hold across processes."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time

import pytest
import requests
from django.test import RequestFactory

from pds_server.models import App
from pds_server.services import throttle
from tests.conftest import REDIRECT_URI
from tests.factories import AppFactory
from tests.pds_server.oauth_helpers import authorize_url, sign_in_and_consent

TRIES = 20


def wait_until(condition, timeout: float = 30.0):
    """Poll `condition` until it returns something other than None; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result is not None:  # (a Response is falsy when its status is 4xx)
            return result
        assert time.monotonic() < deadline, "the condition did not come true in time"
        time.sleep(0.2)


def first_throttled(attempt) -> tuple[int, requests.Response]:
    """Make up to TRIES attempts; the number of the first answered 429, and that answer."""
    for number in range(1, TRIES + 1):
        reply = attempt(number)
        if reply.status_code == 429:
            return number, reply
    pytest.fail(f"{TRIES} guesses, none answered 429")


def assert_too_many(reply: requests.Response, window: int) -> None:
    assert reply.status_code == 429
    assert 0 < int(reply.headers["Retry-After"]) <= window
    assert reply.json()["code"] == "TooManyRequests"


def refresh_with(pds_url: str, app: App, secret: str) -> requests.Response:
    # Client authentication comes before the grant: an unknown refresh token is fine here.
    form = {"grant_type": "refresh_token", "refresh_token": "x" * 43, "client_id": app.app_id, "client_secret": secret}
    return requests.post(f"{pds_url}/v2/oauth/token", data=form, timeout=30)


def run_in_another_process(script: str) -> None:
    from tests.celery_worker import database_url

    env = {
        **os.environ,
        "DATABASE_URL": database_url("default"),
        "PDS_DATABASE_URL": database_url("pds"),
        "DRIVE_ROLE": "pds",
    }
    done = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()\n" + script], env=env, text=True, capture_output=True
    )
    assert done.returncode == 0, done.stderr[-2000:]


# --- client secrets, per client ----------------------------------------------------------------


def guess_at(pds_url: str, endpoint: str, app: App, secret: str) -> requests.Response:
    if endpoint == "token":
        return refresh_with(pds_url, app, secret)
    if endpoint == "revoke":
        form = {"token": "x" * 43, "client_id": app.app_id, "client_secret": secret}
        return requests.post(f"{pds_url}/v2/oauth/revoke", data=form, timeout=30)
    body = {"app_id": app.app_id, "client_secret": secret, "refresh_token": "x" * 43}
    return requests.post(f"{pds_url}/v2/{endpoint}", json=body, timeout=30)


@pytest.mark.parametrize("endpoint", ["token", "revoke", "account/token", "account/revoke"])
def test_wrong_client_secrets_are_throttled_per_client(pds_url, web_app, domain, settings, endpoint):
    app, secret = web_app
    number, reply = first_throttled(lambda n: guess_at(pds_url, endpoint, app, f"wrong-{n}"))
    assert number <= settings.PDS_CLIENT_SECRET_MAX_FAILURES + 1 < TRIES
    assert_too_many(reply, settings.PDS_CLIENT_SECRET_FAILURE_WINDOW)
    # While throttled even the right secret is refused: a guess must not learn it was right.
    assert guess_at(pds_url, endpoint, app, secret).status_code == 429
    # Another client is not affected.
    other = AppFactory(domain=domain, name="Other", app_type=App.AppType.WEB_SERVER, redirect_uris=[REDIRECT_URI])
    assert guess_at(pds_url, "revoke", other, other.client_secret).status_code == 200


def test_guessing_from_elsewhere_does_not_lock_the_real_client_out(pds_url, web_app, settings):
    """A client id is public: failures count per client and source address, so a guesser
    cannot stop the real client (Drive itself) from refreshing its tokens."""
    settings.DRIVE_BEHIND_PROXY = True
    app, secret = web_app
    first_throttled(lambda n: guess_at(pds_url, "revoke", app, f"wrong-{n}"))
    form = {"token": "x" * 43, "client_id": app.app_id, "client_secret": secret}
    from_drive = requests.post(f"{pds_url}/v2/oauth/revoke", data=form, headers={"X-Real-IP": "10.1.2.3"}, timeout=30)
    assert from_drive.status_code == 200, from_drive.text


def test_the_right_secret_works_again_after_the_window(pds_url, web_app, settings):
    settings.PDS_CLIENT_SECRET_FAILURE_WINDOW = 5
    app, secret = web_app
    first_throttled(lambda n: refresh_with(pds_url, app, f"wrong-{n}"))

    def let_through() -> requests.Response | None:
        answer = refresh_with(pds_url, app, secret)
        return answer if answer.status_code != 429 else None

    reply = wait_until(let_through)
    # Past client authentication: the made-up refresh token is what is refused now.
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_grant"


def test_client_secret_failures_count_across_processes(pds_url, web_app, domain, settings):
    app, secret = web_app
    run_in_another_process(
        "from pds_server import errors\n"
        "from pds_server.models import Domain\n"
        "from pds_server.services import oauth\n"
        f"domain = Domain.objects.get(pk={domain.pk})\n"
        f"for n in range({settings.PDS_CLIENT_SECRET_MAX_FAILURES}):\n"
        "    try:\n"
        f"        oauth.client_authenticate(domain=domain, client_id={app.app_id!r}, client_secret=f'wrong-{{n}}',"
        " source_address='127.0.0.1')\n"
        "    except errors.OAuthError:\n"
        "        pass\n"
    )
    assert_too_many(refresh_with(pds_url, app, secret), settings.PDS_CLIENT_SECRET_FAILURE_WINDOW)


# --- share passwords, per share ---------------------------------------------------------------


def share_token(base: str, share_id: str, password: str) -> requests.Response:
    body = {"share_id": share_id, "share_pwd": password}
    return requests.post(f"{base}/v2/share_link/get_share_token", json=body, timeout=30)


def test_wrong_share_passwords_are_throttled_per_share(alice, settings):
    item = alice.upload("s.txt", b"shared bytes")
    locked = alice.ok("share_link/create", {"file_id_list": [item["file_id"]], "share_pwd": "pw-1"}, 201)
    other = alice.ok("share_link/create", {"file_id_list": [item["file_id"]], "share_pwd": "pw-2"}, 201)
    number, reply = first_throttled(lambda n: share_token(alice.base, locked["share_id"], f"guess-{n}"))
    assert number <= settings.PDS_SHARE_PASSWORD_MAX_FAILURES + 1
    assert_too_many(reply, settings.PDS_SHARE_PASSWORD_FAILURE_WINDOW)
    assert share_token(alice.base, locked["share_id"], "pw-1").status_code == 429
    assert share_token(alice.base, other["share_id"], "pw-2").status_code == 200


# --- unknown share ids, per source address ----------------------------------------------------


def test_unknown_share_ids_are_throttled_per_address(alice, settings):
    item = alice.upload("s.txt", b"shared bytes")
    real = alice.ok("share_link/create", {"file_id_list": [item["file_id"]]}, 201)

    def lookup(n: int) -> requests.Response:
        path = "get_by_anonymous" if n % 2 else "get_share_token"
        body = {"share_id": secrets.token_urlsafe(24)}
        return requests.post(f"{alice.base}/v2/share_link/{path}", json=body, timeout=30)

    number, reply = first_throttled(lookup)
    assert number <= settings.PDS_SHARE_ID_MAX_FAILURES + 1
    assert_too_many(reply, settings.PDS_SHARE_ID_FAILURE_WINDOW)
    # The address is refused even for a share that exists: no hit is told from a miss.
    known = requests.post(f"{alice.base}/v2/share_link/get_by_anonymous", json={"share_id": real["share_id"]})
    assert known.status_code == 429


# --- sign-in, per source address --------------------------------------------------------------


def test_one_password_against_many_accounts_is_throttled_per_address(pds_url, web_app, make_user, settings):
    app, _ = web_app
    make_user("zoe", password="zoe-password-1")
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    for number in range(1, TRIES + 1):
        answer = sign_in_and_consent(requests.Session(), url, f"user-{number}", "Summer2024!")
        assert answer.status_code == 401
        if "Too many" in answer.text:
            break
    else:
        pytest.fail(f"{TRIES} sign-ins with wrong passwords, none throttled")
    assert number <= settings.PDS_SIGNIN_ADDRESS_MAX_FAILURES + 1
    assert 0 < int(answer.headers["Retry-After"]) <= settings.PDS_SIGNIN_ADDRESS_FAILURE_WINDOW
    # From this address even a right password is refused until the window ends.
    answer = sign_in_and_consent(requests.Session(), url, "zoe", "zoe-password-1")
    assert answer.status_code == 401 and "Too many" in answer.text


def test_sign_in_failures_per_address_count_across_processes(pds_url, web_app, make_user, domain, settings):
    make_user("zoe", password="zoe-password-1")
    run_in_another_process(
        "from django.test import RequestFactory\n"
        "from pds_server.models import Domain\n"
        "from pds_server.views import oauth\n"
        f"domain = Domain.objects.get(pk={domain.pk})\n"
        f"for n in range({settings.PDS_SIGNIN_ADDRESS_MAX_FAILURES}):\n"
        "    request = RequestFactory().post('/', {'username': f'user-{n}', 'password': 'wrong'})\n"
        "    request.pds_domain = domain\n"
        "    assert oauth.signin_from_form(request).failure == 'bad_credentials'\n"
    )
    app, _ = web_app
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code")
    answer = sign_in_and_consent(requests.Session(), url, "zoe", "zoe-password-1")
    assert answer.status_code == 401 and "Too many" in answer.text


# --- the source address -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("behind_proxy", "meta", "expected"),
    [
        (False, {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_REAL_IP": "203.0.113.9"}, "198.51.100.7"),
        (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "203.0.113.9"}, "203.0.113.9"),
        (True, {"REMOTE_ADDR": "127.0.0.1"}, "127.0.0.1"),
        (True, {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_REAL_IP": "not an address"}, "unknown"),
        (False, {"REMOTE_ADDR": "2001:db8:1:2:3:4:5:6"}, "2001:db8:1:2::/64"),
        (False, {"REMOTE_ADDR": "::ffff:198.51.100.7"}, "198.51.100.7"),
    ],
)
def test_source_address_trusts_x_real_ip_only_behind_the_proxy(settings, behind_proxy, meta, expected):
    settings.DRIVE_BEHIND_PROXY = behind_proxy
    request = RequestFactory().get("/", **meta)
    assert throttle.source_address(request) == expected
