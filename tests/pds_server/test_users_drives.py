"""`/v2/user/*` and `/v2/drive/*` over HTTP: statuses, pagination, permissions, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from pds_server.models import AccessToken, App, Domain, Drive, PdsUser
from pds_server.services.apps import app_create
from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon
from tests.factories import AppFactory, DomainFactory, PdsUserFactory


def bearer(user: PdsUser, scopes=("USER.ALL", "DRIVE.ALL"), app: App | None = None) -> str:
    app = (
        app
        or App.objects.filter(domain=user.domain, app_type=App.AppType.JWT).first()
        or app_create(domain=user.domain, name="tests", app_type=App.AppType.JWT, public_key="-")[0]
    )
    user_logon(user=user)
    user.refresh_from_db()
    return tokens_issue(
        app=app, user=user, scopes=list(scopes), grant_type="test", with_refresh_token=False
    ).access_token_value


def call(pds_url, path, token=None, body=None, **kwargs):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.post(
        f"{pds_url}/v2/{path}", json=body if body is not None else {}, headers=headers, timeout=30, **kwargs
    )


@pytest.fixture
def alice(make_user):
    return make_user("alice")


@pytest.fixture
def admin(make_user):
    return make_user("root", role="admin")


# --- the wire format --------------------------------------------------------------------


def test_every_answer_carries_a_request_id_and_errors_are_json(pds_url):
    for response in (
        call(pds_url, "user/get"),
        requests.get(f"{pds_url}/v2/user/get"),
        requests.post(f"{pds_url}/v2/no/such/thing"),
        requests.post(f"{pds_url}/v2/user/get", data=b"{not json", headers={"Authorization": "Bearer x"}),
    ):
        assert response.headers["x-ca-request-id"]
        assert response.headers["Content-Type"].startswith("application/json")
        assert {"code", "message"} <= response.json().keys()
    assert call(pds_url, "user/get").status_code == 401
    assert requests.get(f"{pds_url}/v2/user/get").status_code == 405
    assert requests.post(f"{pds_url}/v2/no/such/thing").status_code == 404


def test_malformed_json_is_a_400(pds_url, alice):
    token = bearer(alice)
    reply = requests.post(f"{pds_url}/v2/user/get", data=b"{not json", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 400 and reply.json()["code"] == "InvalidRequestJSONFormat"
    reply = requests.post(f"{pds_url}/v2/user/get", data=b"[1, 2]", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 400


def test_bearer_accepts_any_case_and_whitespace_and_the_acs_header(pds_url, alice):
    token = bearer(alice)
    for headers in (
        {"authorization": f"bearer\t{token}"},
        {"AUTHORIZATION": f"BEARER   {token}"},
        {"x-acs-bearer-token": token},
    ):
        assert requests.post(f"{pds_url}/v2/user/get", json={}, headers=headers).status_code == 200


def test_expired_and_unknown_tokens(pds_url, alice):
    token = bearer(alice)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert call(pds_url, "user/get", token).json()["code"] == "AccessTokenExpired"
    assert call(pds_url, "user/get", "not-a-token").json()["code"] == "AccessTokenInvalid"


def test_disabled_user_is_refused(pds_url, alice):
    token = bearer(alice)
    PdsUser.objects.filter(pk=alice.pk).update(status="disabled")
    assert call(pds_url, "user/get", token).status_code == 401


def test_missing_scope_is_a_403(pds_url, alice):
    token = bearer(alice, scopes=("DRIVE.ALL",))
    reply = call(pds_url, "user/get", token)
    assert reply.status_code == 403 and "USER.GET" in reply.json()["message"]
    assert call(pds_url, "drive/get_default_drive", token).status_code == 200
    assert call(pds_url, "user/get", bearer(alice, scopes=("USER.GET",))).status_code == 200


def test_domain_is_chosen_by_host(pds_url, live_server, alice, settings):
    other = DomainFactory(domain_id="acme", name="Acme")
    port = live_server.url.rsplit(":", 1)[1]
    token = bearer(alice)
    # The same token on another domain's host is not valid there.
    reply = requests.post(
        f"http://127.0.0.1:{port}/v2/user/get",
        json={},
        headers={"Authorization": f"Bearer {token}", "Host": f"acme.{settings.PDS_HOST_SUFFIX}:{port}"},
    )
    assert reply.status_code == 401
    bob = PdsUserFactory(domain=other, user_id="bob")
    bob_token = bearer(
        bob, app=AppFactory(domain=other, name="x", app_type=App.AppType.JWT, public_key="-", redirect_uris=[])
    )
    reply = requests.post(
        f"http://127.0.0.1:{port}/v2/user/get",
        json={},
        headers={"Authorization": f"Bearer {bob_token}", "Host": f"acme.{settings.PDS_HOST_SUFFIX}:{port}"},
    )
    assert reply.status_code == 200 and reply.json()["domain_id"] == "acme"
    unknown = requests.post(
        f"http://127.0.0.1:{port}/v2/user/get", json={}, headers={"Host": f"nope.{settings.PDS_HOST_SUFFIX}:{port}"}
    )
    assert unknown.status_code == 404 and unknown.json()["code"] == "NotFound.Domain"


# --- users -----------------------------------------------------------------------------


def test_user_get_self_and_others(pds_url, alice, admin, make_user):
    make_user("bob")
    me = call(pds_url, "user/get", bearer(alice)).json()
    assert me["user_id"] == "alice" and me["role"] == "user" and isinstance(me["created_at"], int)
    assert call(pds_url, "user/get", bearer(alice), {"user_id": "bob"}).status_code == 403
    assert call(pds_url, "user/get", bearer(alice), {"user_id": "nobody"}).status_code == 403
    assert call(pds_url, "user/get", bearer(admin), {"user_id": "bob"}).json()["user_id"] == "bob"
    assert call(pds_url, "user/get", bearer(admin), {"user_id": "nobody"}).status_code == 404


def test_user_create_by_admin_only(pds_url, alice, admin):
    created = call(
        pds_url,
        "user/create",
        bearer(admin),
        {"user_id": "new1", "user_name": "new1", "nick_name": "New", "password": "pw-for-new-1"},
    )
    assert created.status_code == 201 and created.json()["nick_name"] == "New"
    assert PdsUser.objects.get(user_id="new1").password.startswith("md5$")  # hashed, never plain
    assert call(pds_url, "user/create", bearer(admin), {"user_id": "new1"}).json()["code"] == "AlreadyExist.User"
    assert call(pds_url, "user/create", bearer(admin), {"user_id": "bad#id"}).status_code == 400
    assert call(pds_url, "user/create", bearer(admin), {"user_id": "x" * 65}).status_code == 400
    assert call(pds_url, "user/create", bearer(admin), {}).json()["code"] == "InvalidParameterMissing.user_id"
    assert call(pds_url, "user/create", bearer(admin), {"user_id": "boss", "role": "superadmin"}).status_code == 403
    assert call(pds_url, "user/create", bearer(alice), {"user_id": "new2"}).status_code == 403


def test_user_list_pages_with_markers_and_clamps_limit(pds_url, admin, make_user):
    for index in range(7):
        make_user(f"user{index}")
    token = bearer(admin)
    seen, marker = [], ""
    while True:
        page = call(pds_url, "user/list", token, {"limit": 3, "marker": marker}).json()
        assert len(page["items"]) <= 3
        seen += [user["user_id"] for user in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    assert sorted(seen) == sorted(PdsUser.objects.values_list("user_id", flat=True)) and len(seen) == 8
    assert len(call(pds_url, "user/list", token, {"limit": 500}).json()["items"]) == 8
    assert call(pds_url, "user/list", token, {"marker": "garbage!"}).status_code == 400


def test_user_update_self_and_admin(pds_url, alice, admin):
    reply = call(pds_url, "user/update", bearer(alice), {"user_id": "alice", "nick_name": "Al", "role": "admin"})
    assert reply.status_code == 200 and reply.json()["nick_name"] == "Al" and reply.json()["role"] == "user"
    reply = call(pds_url, "user/update", bearer(admin), {"user_id": "alice", "role": "admin", "status": "disabled"})
    assert reply.json()["role"] == "admin" and reply.json()["status"] == "disabled"
    assert call(pds_url, "user/update", bearer(admin), {"user_id": "alice", "status": "weird"}).status_code == 400


def test_user_delete(pds_url, alice, admin):
    alice_token = bearer(alice)
    assert call(pds_url, "user/delete", alice_token, {"user_id": "root"}).status_code == 403
    reply = call(pds_url, "user/delete", bearer(admin), {"user_id": "alice"})
    assert reply.status_code == 204 and reply.content == b""
    assert call(pds_url, "user/get", bearer(admin), {"user_id": "alice"}).status_code == 404
    assert call(pds_url, "user/get", alice_token).status_code == 401
    assert not Drive.objects.filter(owner="alice").exists()
    assert call(pds_url, "user/delete", bearer(admin), {"user_id": "root"}).status_code == 403


# --- drives ----------------------------------------------------------------------------


def test_default_drive_and_my_drives(pds_url, alice):
    token = bearer(alice)
    drive = call(pds_url, "drive/get_default_drive", token).json()
    assert drive["owner"] == "alice" and drive["drive_id"].isdigit() and drive["created_at"].endswith("Z")
    assert drive["total_size"] == -1 and drive["used_size"] == 0
    assert call(pds_url, "drive/get", token, {"drive_id": drive["drive_id"]}).json()["drive_id"] == drive["drive_id"]
    mine = call(pds_url, "drive/list_my_drives", token).json()
    assert [item["drive_id"] for item in mine["items"]] == [drive["drive_id"]] and mine["next_marker"] == ""


def test_personal_space_off_means_no_drive_at_logon(pds_url, domain, alice):
    Domain.objects.filter(pk=domain.pk).update(personal_space_enabled=False)
    token = bearer(alice)
    assert call(pds_url, "drive/get_default_drive", token).json()["code"] == "NotFound.Drive"


def test_another_users_drive_is_not_found(pds_url, alice, make_user):
    bob = make_user("bob")
    bob_token = bearer(bob)
    bob_drive = call(pds_url, "drive/get_default_drive", bob_token).json()["drive_id"]
    reply = call(pds_url, "drive/get", bearer(alice), {"drive_id": bob_drive})
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Drive"
    assert call(pds_url, "drive/get", bearer(alice), {"drive_id": "999999"}).json() == reply.json() | {
        "code": "NotFound.Drive"
    }
    assert call(pds_url, "drive/get", bearer(alice), {"drive_id": "abc"}).status_code == 404
    assert call(pds_url, "drive/get_default_drive", bearer(alice), {"user_id": "bob"}).status_code == 403


def test_drive_admin_operations(pds_url, alice, admin):
    token = bearer(admin)
    created = call(
        pds_url,
        "drive/create",
        token,
        {"drive_name": "Team", "owner": "alice", "owner_type": "user", "total_size": 1024, "default": "True"},
    )
    assert created.status_code == 201, created.text
    drive_id = created.json()["drive_id"]
    assert PdsUser.objects.get(user_id="alice").default_drive_id == drive_id
    assert (
        call(pds_url, "drive/create", token, {"drive_name": "X", "owner": "ghost", "owner_type": "user"}).status_code
        == 404
    )
    assert call(pds_url, "drive/create", token, {"owner": "alice"}).status_code == 400
    assert call(pds_url, "drive/create", bearer(alice), {"drive_name": "Mine", "owner": "alice"}).status_code == 403
    listed = call(pds_url, "drive/list", token, {"owner": "alice"}).json()["items"]
    assert drive_id in [item["drive_id"] for item in listed]
    updated = call(pds_url, "drive/update", token, {"drive_id": drive_id, "drive_name": "Team 2", "total_size": 2048})
    assert updated.json()["drive_name"] == "Team 2" and updated.json()["total_size"] == 2048
    deleted = call(pds_url, "drive/delete", token, {"drive_id": drive_id})
    assert deleted.status_code == 204
    assert call(pds_url, "drive/get", token, {"drive_id": drive_id}).status_code == 404
    assert PdsUser.objects.get(user_id="alice").default_drive_id == ""
