"""What a small download and a folder page cost Drive in queries: one read of the user's
Credential per request, with the user (the dead-credential check, the access token and the
default drive share it), no session write on a plain page view; and a grant the PDS
revoked still ends the download at once."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import Credential
from files.http import blob_accel
from pds_server.models import AccessToken, File, RefreshToken


@pytest.fixture
def xaccel(settings, live_server):
    settings.DRIVE_DOWNLOAD_MODE = "xaccel"
    settings.DRIVE_XACCEL_PDS_LOCATION = "/_pds_local/"
    settings.PDS_PUBLIC_URL = live_server.url
    return settings


@pytest.fixture
def client(browser) -> Client:
    """Alice's signed-in session, in this thread: its queries are the ones counted."""
    client = Client()
    client.force_login(Credential.objects.get().user)
    return client


def counted(call):
    with CaptureQueriesContext(connections["default"]) as queries:
        answer = call()
    return answer, [query["sql"] for query in queries.captured_queries]


def test_a_download_reads_the_credential_once(browser, client, xaccel):
    item = browser.upload("small.bin", b"d" * 2048)
    answer, queries = counted(lambda: client.get(f"/files/{item['file_id']}/download"))
    assert answer.status_code == 200 and "/v2/file/content?" in answer["X-Accel-Redirect"]
    credential_reads = [sql for sql in queries if '"accounts_credential"' in sql]
    assert len(credential_reads) == 1, queries
    assert len(queries) <= 2, queries  # session, user with credential (accounts/backends.py)


def test_a_session_signed_in_before_reads_the_credential_on_its_own(browser, xaccel):
    """Sessions made by Django's own backend (before accounts/backends.py) stay signed in."""
    client = Client()
    client.force_login(Credential.objects.get().user, backend="django.contrib.auth.backends.ModelBackend")
    item = browser.upload("older.bin", b"o" * 64)
    answer, queries = counted(lambda: client.get(f"/files/{item['file_id']}/download"))
    assert answer.status_code == 200 and "/v2/file/content?" in answer["X-Accel-Redirect"]
    assert len([sql for sql in queries if 'FROM "accounts_credential"' in sql]) == 1, queries


def test_a_streamed_download_is_kept_by_no_shared_cache(browser, client, settings):
    item = browser.upload("streamed.bin", b"s" * 64)
    settings.DRIVE_DOWNLOAD_MODE = "stream"
    answer = client.get(f"/files/{item['file_id']}/download")
    assert answer.status_code == 200 and b"".join(answer.streaming_content) == b"s" * 64
    assert answer["Cache-Control"] == "private, max-age=0"


def test_the_credential_read_once_is_read_again_for_another_user(browser):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from accounts.selectors import request_credential

    alice = Credential.objects.get()
    request = RequestFactory().get("/")
    request.user = alice.user
    assert request_credential(request) == alice
    request.user = get_user_model().objects.create_user("bob")  # signed in as someone else meanwhile
    assert request_credential(request) is None
    request.user = AnonymousUser()
    assert request_credential(request) is None
    request.user = alice.user
    assert request_credential(request) == alice


def test_a_credential_stored_for_a_user_is_what_the_user_then_reads(db):
    """The Credential kept on the user object (one cache, accounts.selectors) follows the
    writes made through it: a user read without one who then signs in reads the new row, and
    one who signs in again the row as it was stored the second time."""
    from django.contrib.auth import get_user_model

    from accounts.selectors import user_credential
    from accounts.services.credentials import credential_store
    from pds_client import Token

    user = get_user_model().objects.create_user("carol")
    assert user_credential(user) is None
    token = Token("access", "refresh", 900, "u1", "carol", "Carol", "demo", "1", "user", "")
    stored = credential_store(user=user, token=token, auth_mode=Credential.AuthMode.OAUTH)
    _, queries = counted(lambda: user_credential(user))
    assert user_credential(user) == stored and user_credential(user).default_drive_id == "1"
    assert queries == []
    again = Token("access 2", "refresh 2", 900, "u1", "carol", "Carol", "demo", "2", "user", "")
    credential_store(user=user, token=again, auth_mode=Credential.AuthMode.OAUTH)
    assert user_credential(user) == stored and user_credential(user).default_drive_id == "2"


def test_a_folder_page_saves_no_session_unless_the_view_changes(browser, client):
    client.get("/")  # the first view remembers the defaults
    answer, queries = counted(lambda: client.get("/"))
    assert answer.status_code == 200
    assert not [sql for sql in queries if sql.startswith(("UPDATE", "INSERT"))], queries
    assert len(queries) <= 3, queries
    answer, queries = counted(lambda: client.get("/", {"sort": "size"}))
    assert answer.status_code == 200 and any(sql.startswith("UPDATE") for sql in queries)
    assert client.session["drive_view"]["sort"] == "size"


def test_a_revoked_grant_ends_the_download_at_once(browser, client, xaccel):
    item = browser.upload("gone.bin", b"g")
    assert client.get(f"/files/{item['file_id']}/download").status_code == 200
    AccessToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    RefreshToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    answer = client.get(f"/files/{item['file_id']}/download")
    assert answer.status_code == 302 and answer["Location"].startswith("/accounts/login/")
    assert "X-Accel-Redirect" not in answer
    assert Credential.objects.get().dead_at is not None


def test_a_download_goes_straight_to_the_blob_file_when_the_pds_trusts_drive(browser, client, xaccel, web_app):
    item = browser.upload("straight.bin", b"z" * 64)
    xaccel.PDS_XACCEL_BLOB_LOCATION = "/_pds_blobs/"
    xaccel.DRIVE_XACCEL_BLOB_LOCATION = "/_pds_blobs/"
    # Not trusted by the PDS: the signed URL's way, through /_pds_local/.
    assert client.get(f"/files/{item['file_id']}/download")["X-Accel-Redirect"].startswith("/_pds_local/")
    xaccel.PDS_XACCEL_TRUSTED_APP_IDS = [web_app[0].app_id]
    answer = client.get(f"/files/{item['file_id']}/download")
    blob = File.objects.select_related("blob").get(file_id=item["file_id"]).blob
    assert answer.status_code == 200 and answer["X-Accel-Redirect"] == f"/_pds_blobs/{blob.storage_name}"
    assert answer["Content-Type"] == "application/octet-stream" and answer.content == b""
    assert answer["Content-Disposition"].startswith("attachment;") and "straight.bin" in answer["Content-Disposition"]
    assert answer["X-Content-Type-Options"] == "nosniff" and "sandbox" in answer["Content-Security-Policy"]
    assert answer["Cache-Control"] == "private, max-age=0"  # as the signed URL's answer has it
    xaccel.DRIVE_XACCEL_BLOB_LOCATION = ""  # Drive not set up for it: the signed URL's way
    assert client.get(f"/files/{item['file_id']}/download")["X-Accel-Redirect"].startswith("/_pds_local/")


@pytest.mark.parametrize(
    "uri",
    [
        "/_pds_blobs/../secret",
        "/_pds_blobs/a/./b",
        "/_pds_blobs//etc/passwd",
        "/_pds_local/x",
        "/_pds_blobs/a%2fb",
        "/_pds_blobs/ab\n",
    ],
)
def test_drive_hands_nginx_only_a_plain_path_under_the_blob_location(settings, uri):
    settings.DRIVE_XACCEL_BLOB_LOCATION = "/_pds_blobs/"
    assert blob_accel(uri) == ""
    assert blob_accel("/_pds_blobs/ab/cd/0123-abc.bin") == "/_pds_blobs/ab/cd/0123-abc.bin"


class CountingHasher(MD5PasswordHasher):
    """The test suite's hasher, counting how often a password is hashed."""

    algorithm = "md5"
    runs = 0

    def encode(self, password, salt):
        CountingHasher.runs += 1
        return super().encode(password, salt)


def test_a_wrong_password_is_hashed_once(settings, db):
    from django.contrib.auth import authenticate, get_user_model

    settings.PASSWORD_HASHERS = [f"{__name__}.CountingHasher"]
    get_user_model().objects.create_user("walter", password="right-password-1")
    CountingHasher.runs = 0
    assert authenticate(None, username="walter", password="wrong-password-1") is None
    assert CountingHasher.runs == 1
    CountingHasher.runs = 0
    assert authenticate(None, username="nobody", password="wrong-password-1") is None
    assert CountingHasher.runs == 1  # the unknown user's hash, run once against timing
    assert authenticate(None, username="walter", password="right-password-1") is not None


def test_an_ended_site_token_is_dropped_for_a_user_read_with_or_without_it(settings, db):
    """JWT mode: a site's (BasicUI) token that died gives way to one the server mints, for
    the session's user whether it was read with its Credential (accounts/backends.py) or
    without (a session of Django's own backend)."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    from accounts.backends import UserWithCredentialBackend
    from accounts.models import PdsIdentity
    from accounts.selectors import request_credential
    from accounts.services.basicui import basicui_session_check

    settings.DRIVE_AUTH_MODE = "jwt"

    def read_alone(pk: int):
        return get_user_model().objects.get(pk=pk)

    for name, read in (("with", UserWithCredentialBackend().get_user), ("without", read_alone)):
        user = get_user_model().objects.create_user(name)
        PdsIdentity.objects.create(user=user, domain_id=settings.PDS_DOMAIN_ID, pds_user_id=f"u{user.pk}")
        Credential.objects.create(
            user=user,
            auth_mode=Credential.AuthMode.BASICUI,
            access_token_encrypted="-",
            access_expires_at=timezone.now(),
            dead_at=timezone.now(),
        )
        session_user = read(user.pk)
        assert basicui_session_check(SessionStore(), session_user) is None
        assert not Credential.objects.filter(user=user).exists()

        class Request:  # what request_credential reads
            pass

        request = Request()
        request.user = session_user  # type: ignore[attr-defined]
        assert request_credential(request) is None  # type: ignore[arg-type]
