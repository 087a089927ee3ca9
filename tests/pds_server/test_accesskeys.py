"""AccessKey pairs over real HTTP: a secret made by `pds_createaccesskey` signs requests the
way the official SDKs do (both SDKs, unmodified), and each refusal rule holds."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import uuid
from datetime import timedelta
from email.utils import format_datetime
from io import StringIO
from pathlib import Path

import pytest
import requests
from alibabacloud_pds20220301 import models as pds_models
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from django.core.management import call_command
from django.utils import timezone

from pds_server.models import AccessKey, AccessKeyNonce, AuditLog, Domain
from pds_server.services.accesskeys import accesskey_rotate, accesskey_set_enabled, signature_of
from tests.pds_server.test_legacy_sdk import legacy_python


def create_key(domain_id: str = "demo", role: str = "admin") -> dict:
    out = StringIO()
    call_command("pds_createaccesskey", "--domain", domain_id, "--role", role, "--json", stdout=out)
    return json.loads(out.getvalue())


def canonical(method: str, headers: dict, path: str) -> str:
    lower = {name.lower(): value for name, value in headers.items()}
    text = "\n".join([method, lower.get("accept", ""), lower.get("content-md5", ""), lower.get("content-type", "")])
    text += "\n" + lower.get("date", "") + "\n"
    text += "".join(f"{name}:{lower[name].strip()}\n" for name in sorted(lower) if name.startswith("x-acs-"))
    return text + path


def signed_post(
    base: str,
    path: str,
    body: dict,
    key: dict,
    *,
    host: str | None = None,
    date=None,
    nonce: str | None = "fresh",
    secret: str | None = None,
    extra: dict | None = None,
) -> requests.Response:
    """A request signed by this test's own reading of the documented scheme."""
    data = json.dumps(body).encode()
    headers = {
        "Accept": "application/json",
        "Content-Type": "application/json; charset=utf-8",
        "Date": format_datetime(date or timezone.now(), usegmt=True),
        "x-acs-signature-method": "HMAC-SHA1",
        "x-acs-signature-version": "1.0",
        **(extra or {}),
    }
    if nonce is not None:
        headers["x-acs-signature-nonce"] = uuid.uuid4().hex if nonce == "fresh" else nonce
    signature = signature_of(canonical("POST", headers, path), secret or key["access_key_secret"])
    headers["Authorization"] = f"acs {key['access_key_id']}:{signature}"
    if host:
        headers["Host"] = host
    return requests.post(base + path, data=data, headers=headers, timeout=30)


def ak_sdk_client(live_server, key: dict) -> Client:
    port = live_server.url.rsplit(":", 1)[1]
    return Client(
        Config(
            endpoint=f"127.0.0.1:{port}",
            protocol="http",
            access_key_id=key["access_key_id"],
            access_key_secret=key["access_key_secret"],
        )
    )


def test_a_signed_request_acts_with_the_keys_role_and_is_audited(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    assert AccessKey.objects.get(access_key_id=key["access_key_id"]).secret_encrypted != key["access_key_secret"]
    reply = signed_post(live_server.url, "/v2/user/list", {"limit": 10}, key)
    assert reply.status_code == 200, reply.text
    assert [user["user_id"] for user in reply.json()["items"]] == ["alice"]
    reply = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key)
    assert reply.status_code == 200 and reply.json()["user_id"] == "alice"
    uses = AuditLog.objects.filter(action_type="accesskey.use", actor_id=key["access_key_id"])
    assert uses.count() == 2 and {row.detail["path"] for row in uses} == {"/v2/user/list", "/v2/user/get"}
    assert AccessKey.objects.get(access_key_id=key["access_key_id"]).last_used_at is not None


def test_the_official_sdk_signs_with_an_accesskey_unmodified(live_server, domain, make_user):
    make_user("alice", nick_name="Alice")
    client = ak_sdk_client(live_server, create_key())
    user = client.get_user(pds_models.GetUserRequest(user_id="alice")).body
    assert user.user_id == "alice" and user.nick_name == "Alice"
    listed = client.list_user(pds_models.ListUserRequest(limit=10)).body
    assert [item.user_id for item in listed.items] == ["alice"]


def test_each_refusal_rule(live_server, domain, make_user, settings):
    make_user("alice")
    key = create_key()
    base, path, body = live_server.url, "/v2/user/get", {"user_id": "alice"}

    wrong = signed_post(base, path, body, key, secret="not-the-secret")
    assert (wrong.status_code, wrong.json()["code"]) == (403, "SignatureDoesNotMatch")

    stale = signed_post(base, path, body, key, date=timezone.now() - timedelta(minutes=16))
    assert (stale.status_code, stale.json()["code"]) == (403, "RequestTimeTooSkewed")
    early = signed_post(base, path, body, key, date=timezone.now() + timedelta(minutes=16))
    assert early.json()["code"] == "RequestTimeTooSkewed"
    assert signed_post(base, path, body, key, date=timezone.now() - timedelta(minutes=14)).status_code == 200

    # One Date for both: a replay is the same signed request (with a Date a second later it
    # would be another signature, and this test would fail whenever the two straddled one).
    moment = timezone.now()
    first = signed_post(base, path, body, key, nonce="once-only", date=moment)
    replay = signed_post(base, path, body, key, nonce="once-only", date=moment)
    assert first.status_code == 200 and (replay.status_code, replay.json()["code"]) == (403, "SignatureNonceUsed")

    md5 = base64.b64encode(hashlib.md5(b"another body").digest()).decode()  # noqa: S324
    tampered = signed_post(base, path, body, key, extra={"Content-MD5": md5})
    assert tampered.json()["code"] == "InvalidParameter.ContentMD5"

    unknown = signed_post(base, path, body, {**key, "access_key_id": "LTAI0000000000000000"})
    assert (unknown.status_code, unknown.json()["code"]) == (403, "InvalidAccessKeyId.NotFound")

    accesskey_set_enabled(access_key=AccessKey.objects.get(access_key_id=key["access_key_id"]), enabled=False)
    disabled = signed_post(base, path, body, key)
    assert (disabled.status_code, disabled.json()["code"]) == (403, "InvalidAccessKeyId.Inactive")
    refused = AuditLog.objects.filter(action_type="accesskey.use", result=AuditLog.Result.FAILURE)
    assert refused.count() >= 6 and not any("not-the-secret" in json.dumps(row.detail) for row in refused)


def test_a_replay_without_nonce_is_refused_by_its_signature(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    moment = timezone.now()
    first = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key, nonce=None, date=moment)
    again = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key, nonce=None, date=moment)
    assert first.status_code == 200 and again.json()["code"] == "SignatureNonceUsed"
    assert AccessKeyNonce.objects.filter(access_key_id=key["access_key_id"]).count() == 1


def test_wrong_signatures_are_throttled(live_server, domain, make_user, settings):
    make_user("alice")
    settings.PDS_ACCESSKEY_MAX_FAILURES = 3
    key = create_key()
    for _ in range(3):
        assert signed_post(live_server.url, "/v2/user/get", {}, key, secret="guess").status_code == 403
    throttled = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key)
    assert throttled.status_code == 429 and throttled.json()["code"] == "TooManyRequests"


def test_a_key_of_domain_a_is_refused_on_domain_b(live_server, domain, make_user):
    Domain.objects.create(domain_id="other", name="Other")
    make_user("alice")
    key = create_key("demo")
    port = live_server.url.rsplit(":", 1)[1]
    on_b = signed_post(live_server.url, "/v2/user/list", {}, key, host=f"other.pds.localhost:{port}")
    assert (on_b.status_code, on_b.json()["code"]) == (403, "InvalidAccessKeyId.NotFound")
    key_b = create_key("other")
    on_b = signed_post(live_server.url, "/v2/user/list", {}, key_b, host=f"other.pds.localhost:{port}")
    assert on_b.status_code == 200 and on_b.json()["items"] == []  # alice is demo's, not other's


def test_a_rotated_secret_works_alongside_the_old_one_for_a_day(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    record = AccessKey.objects.get(access_key_id=key["access_key_id"])
    new_secret = accesskey_rotate(access_key=record)
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key, secret=new_secret).ok
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key).ok  # the old, in its grace
    AccessKey.objects.filter(pk=record.pk).update(previous_valid_until=timezone.now() - timedelta(seconds=1))
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key).json()["code"] == (
        "SignatureDoesNotMatch"
    )


def test_a_key_gets_a_users_token_which_works_until_the_key_is_disabled(live_server, domain, make_user):
    make_user("alice", email="alice@example.com")
    key = create_key()
    reply = signed_post(live_server.url, "/v2/user/get_access_token", {"user_id": "alice"}, key)
    assert reply.status_code == 200, reply.text
    token = reply.json()
    assert token["user_id"] == "alice" and token["default_drive_id"] and "refresh_token" not in token
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    me = requests.post(live_server.url + "/v2/user/get", json={}, headers=bearer, timeout=30)
    assert me.status_code == 200 and me.json()["user_id"] == "alice"

    by_link = signed_post(
        live_server.url,
        "/v2/account/get_access_token_by_link_info",
        {"type": "email", "identity": "alice@example.com"},
        key,
    )
    assert by_link.status_code == 200 and by_link.json()["user_id"] == "alice"
    nobody = signed_post(
        live_server.url,
        "/v2/account/get_access_token_by_link_info",
        {"type": "email", "identity": "x@example.com"},
        key,
    )
    assert nobody.status_code == 404

    # A user's bearer token cannot mint tokens for others: only a signed request may.
    minted = requests.post(live_server.url + "/v2/user/get_access_token", json={"user_id": "alice"}, headers=bearer)
    assert minted.status_code == 403

    accesskey_set_enabled(access_key=AccessKey.objects.get(access_key_id=key["access_key_id"]), enabled=False)
    after = requests.post(live_server.url + "/v2/user/get", json={}, headers=bearer, timeout=30)
    assert after.status_code == 401 and after.json()["code"] == "AccessTokenInvalid"


@pytest.mark.slow
def test_the_legacy_sdk_gets_a_users_token_with_its_own_accesskey_signing(live_server, domain, make_user):
    make_user("alice", phone="13800000000")
    key = create_key()
    script = Path(__file__).with_name("legacy_sdk_accesskey.py")
    env = dict(
        os.environ,
        PDS_TEST_ENDPOINT=f"127.0.0.1:{live_server.url.rsplit(':', 1)[1]}",
        PDS_TEST_AK_ID=key["access_key_id"],
        PDS_TEST_AK_SECRET=key["access_key_secret"],
    )
    result = subprocess.run([str(legacy_python()), str(script)], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout)
    assert outcome == {"by_user_id": "alice", "by_link_info": "alice", "me": "alice"}


def test_housekeeping_forgets_nonces_too_old_to_replay(live_server, domain, make_user):
    from pds_server.services.housekeeping import expired_grants_purge

    make_user("alice")
    key = create_key()
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key).ok
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key).ok
    AccessKeyNonce.objects.filter(pk=AccessKeyNonce.objects.first().pk).update(
        seen_at=timezone.now() - timedelta(minutes=31)
    )
    assert expired_grants_purge()["accesskey_nonces"] == 1
    assert AccessKeyNonce.objects.count() == 1


def test_an_admin_key_cannot_get_a_superadmins_token_but_a_superadmin_key_can(live_server, domain, make_user):
    make_user("boss", role="superadmin", email="boss@example.com")
    admin_key, super_key = create_key(role="admin"), create_key(role="superadmin")
    for path, body in (
        ("/v2/user/get_access_token", {"user_id": "boss"}),
        ("/v2/account/get_access_token_by_link_info", {"type": "email", "identity": "boss@example.com"}),
    ):
        refused = signed_post(live_server.url, path, body, admin_key)
        assert (refused.status_code, refused.json()["code"]) == (403, "ForbiddenNoPermission")
        assert signed_post(live_server.url, path, body, super_key).json()["role"] == "superadmin"


def test_a_nonce_padded_with_unicode_space_is_still_a_replay(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    moment = timezone.now()
    first = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key, nonce="n-1", date=moment)
    assert first.status_code == 200
    # The signature trims header values, so "n-1\xa0" signs as "n-1": the same request again.
    padded = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key, nonce="n-1\xa0", date=moment)
    assert padded.json()["code"] == "SignatureNonceUsed"


def test_the_official_sdks_download_file_signs_as_it_does_and_is_accepted(live_server, domain, make_user):
    from alibabacloud_tea_util.models import RuntimeOptions

    make_user("alice")
    client = ak_sdk_client(live_server, create_key())
    with pytest.raises(Exception) as caught:  # the signature passes; then the drive is unknown
        client.download_file_with_options(
            pds_models.DownloadFileRequest(drive_id="999", file_id="nosuchfile"), {}, RuntimeOptions(autoretry=False)
        )
    assert getattr(caught.value, "code", "").startswith("NotFound"), caught.value


def test_hostile_authorization_and_date_values_get_errors_not_500s(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    for value in (f"acs {key['access_key_id']}:\u00ff\u00ff", "acs :", "acs x", f"acs {'k' * 9000}:sig"):
        reply = requests.post(
            live_server.url + "/v2/user/get", json={}, headers={"Authorization": value.encode("utf-8")}, timeout=30
        )
        assert 400 <= reply.status_code < 500 and "code" in reply.json(), (value[:40], reply.status_code)
    overflow = signed_post(
        live_server.url,
        "/v2/user/get",
        {},
        key,
        extra={"Date": "Mon, 01 Jan 2026 00:00:00 +99999999999999999999"},
    )
    assert overflow.status_code == 400
    v4 = requests.post(
        live_server.url + "/v2/user/get",
        json={},
        headers={"Authorization": "ACS4-HMAC-SHA256 Credential=x,SignedHeaders=y,Signature=z"},
        timeout=30,
    )
    assert v4.status_code == 400 and "v1" in v4.json()["message"]


def test_made_up_key_ids_are_not_written_to_the_audit_log(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    for _ in range(3):
        signed_post(live_server.url, "/v2/user/get", {}, {**key, "access_key_id": "LTAIMADEUP"})
    assert not AuditLog.objects.filter(action_type="accesskey.use").exists()
    signed_post(live_server.url, "/v2/user/get", {}, key, secret="wrong")
    assert AuditLog.objects.filter(action_type="accesskey.use", error_code="SignatureDoesNotMatch").count() == 1


def test_getting_a_users_token_is_a_sign_in_in_the_audit_log(live_server, domain, make_user):
    make_user("alice")
    key = create_key()
    assert signed_post(live_server.url, "/v2/user/get_access_token", {"user_id": "alice"}, key).ok
    row = AuditLog.objects.get(action_type="user.signin")
    assert row.actor_id == "alice" and row.detail == {"grant_type": "accesskey", "access_key_id": key["access_key_id"]}


def test_rotating_the_pds_secret_keys_keeps_every_key_working(live_server, domain, make_user, settings):
    from cryptography.fernet import Fernet

    make_user("alice")
    key = create_key()
    old_keys = list(settings.PDS_SECRET_KEYS)
    settings.PDS_SECRET_KEYS = [Fernet.generate_key().decode(), *old_keys]
    out = StringIO()
    call_command("pds_rotate_secret_keys", stdout=out)
    assert "1 record" in out.getvalue()
    settings.PDS_SECRET_KEYS = settings.PDS_SECRET_KEYS[:1]  # the old key dropped
    assert signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key).ok
    settings.PDS_SECRET_KEYS = [Fernet.generate_key().decode()]  # a key that decrypts nothing
    unreadable = signed_post(live_server.url, "/v2/user/get", {"user_id": "alice"}, key)
    assert unreadable.status_code == 503 and unreadable.json()["code"] == "ServiceUnavailable"
