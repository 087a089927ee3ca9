"""The audit log over HTTP: every change through the live PDS writes one row with the right
actor, object, path and result; a refused change a failure row; sign-ins and refused token
refreshes are recorded; `audit_log/list` shows a file's activity only to those with a role
on it; retention deletes only old rows; Django admin shows the log read-only."""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from pds_server.models import App, AuditLog
from pds_server.services.audit import audit_logs_purge
from tests.pds_server.api_client import ALL, make_api
from tests.pds_server.oauth_helpers import authorize_url, sign_in_and_consent, token_request


def rows_after(mark: int) -> list[AuditLog]:
    return list(AuditLog.objects.filter(pk__gt=mark).order_by("pk"))


def last_pk() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_each_change_writes_one_row_with_actor_object_path_and_result(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice", nick_name="Alice A."), jwt_app)
    steps: list[tuple[str, dict]] = []

    def step(action_type: str, path: str, body: dict, status: int = 200) -> dict:
        mark = last_pk()
        answer = alice.ok(path, body, status)
        rows = rows_after(mark)
        assert [row.action_type for row in rows] == [action_type], f"{path}: {[r.action_type for r in rows]}"
        steps.append((action_type, rows[0].__dict__))
        return answer

    mark = last_pk()
    docs = alice.folder("Docs")
    (created,) = rows_after(mark)
    assert (created.action_type, created.object_id, created.object_name, created.file_path) == (
        "file.create",
        docs,
        "Docs",
        "/Docs",
    )
    assert created.actor_type == "user" and created.actor_id == "alice" and created.actor_name == "Alice A."
    assert created.app_id == jwt_app.app_id and created.drive_id == alice.drive_id
    assert created.result == "success" and created.client_ip == "127.0.0.1"
    assert created.detail["type"] == "folder"

    archive = alice.folder("Archive")
    mark = last_pk()
    uploaded = alice.upload("report.txt", b"quarterly numbers", parent=docs)
    file_id = uploaded["file_id"]
    assert [(row.action_type, row.file_path) for row in rows_after(mark)] == [
        ("file.create", "/Docs/report.txt"),
        ("file.complete", "/Docs/report.txt"),
    ]

    step("file.rename", "file/update", {"file_id": file_id, "name": "summary.txt"})
    renamed = AuditLog.objects.filter(action_type="file.rename").get()
    assert renamed.detail["old_name"] == "report.txt" and renamed.detail["new_name"] == "summary.txt"
    assert renamed.file_path == "/Docs/report.txt"  # where it was when renamed

    step("file.move", "file/move", {"file_id": file_id, "to_parent_file_id": archive})
    moved = AuditLog.objects.filter(action_type="file.move").get()
    assert (moved.detail["from_parent_file_id"], moved.detail["to_parent_file_id"]) == (docs, archive)
    assert (moved.detail["parent_path"], moved.detail["to_parent_path"]) == ("/Docs", "/Archive")
    assert moved.file_path == "/Docs/summary.txt"

    step("file.trash", "recyclebin/trash", {"file_id": file_id}, 204)
    step("file.restore", "recyclebin/restore", {"file_id": file_id}, 204)
    share = step("share_link.create", "share_link/create", {"file_id_list": [file_id], "share_pwd": "s3cret-pw"}, 201)
    step("share_link.cancel", "share_link/cancel", {"share_id": share["share_id"]}, 204)
    step("file.delete", "file/delete", {"file_id": file_id}, 204)
    deleted = AuditLog.objects.filter(action_type="file.delete").get()
    assert (deleted.object_id, deleted.object_name, deleted.file_path) == (
        file_id,
        "summary.txt",
        "/Archive/summary.txt",
    )

    for action_type, row in steps:
        assert row["actor_id"] == "alice" and row["result"] == "success", action_type
        assert row["drive_id"] == alice.drive_id
    shared = AuditLog.objects.get(action_type="share_link.create")
    assert shared.object_id == share["share_id"] and shared.file_path == "/Archive/summary.txt"
    # No secret in any row: not the share password, not the token.
    for row in AuditLog.objects.all():
        flat = str(row.__dict__)
        assert "s3cret-pw" not in flat and alice.token not in flat

    # Reads write nothing.
    mark = last_pk()
    alice.ok("file/list", {"parent_file_id": "root"})
    alice.ok("file/get", {"file_id": docs})
    assert rows_after(mark) == []


def test_refused_change_is_a_failure_row_and_batches_are_recorded(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    first = alice.folder("a")
    alice.folder("b")
    mark = last_pk()
    reply = alice.call("file/update", {"drive_id": alice.drive_id, "file_id": first, "name": "b"})
    assert reply.status_code == 409, reply.text
    (row,) = rows_after(mark)
    assert (row.action_type, row.result, row.error_code) == ("file.rename", "failure", "AlreadyExist.File")
    assert (row.object_id, row.object_name, row.file_path, row.actor_id) == (first, "a", "/a", "alice")
    assert row.detail["old_name"] == "a" and row.detail["new_name"] == "b"

    # Sub-requests of /v2/batch go through the same handlers: one row each.
    mark = last_pk()
    answer = alice.ok(
        "batch",
        {
            "resource": "file",
            "requests": [
                {
                    "id": "1",
                    "method": "POST",
                    "url": "/file/create",
                    "body": {"drive_id": alice.drive_id, "parent_file_id": "root", "name": "c", "type": "folder"},
                },
                {"id": "2", "method": "POST", "url": "/recyclebin/trash", "body": {"drive_id": alice.drive_id}},
            ],
        },
    )
    assert [response["status"] for response in answer["responses"]] == [201, 400]
    assert [(row.action_type, row.result) for row in rows_after(mark)] == [
        ("file.create", "success"),
        ("file.trash", "failure"),
    ]

    # A create that found the name taken (check_name_mode refuse) changed nothing: no row.
    mark = last_pk()
    again = alice.ok(
        "file/create", {"parent_file_id": "root", "name": "a", "type": "folder", "check_name_mode": "refuse"}, 201
    )
    assert again["exist"] is True and rows_after(mark) == []


def test_signins_and_refused_refreshes_are_recorded(pds_url, make_user, web_app):
    app, secret = web_app
    make_user("carol", password="right password 1", nick_name="Carol")
    url = authorize_url(pds_url, client_id=app.app_id, redirect_uri=app.redirect_uri_list[0], response_type="code")
    mark = last_pk()
    refused = sign_in_and_consent(requests.Session(), url, "carol", "wrong password")
    assert refused.status_code == 401
    sign_in_and_consent(requests.Session(), url, "carol", "right password 1")
    failed, signed_in = rows_after(mark)
    assert (failed.action_type, failed.result, failed.error_code) == ("user.signin", "failure", "InvalidCredentials")
    assert failed.actor_type == "anonymous" and failed.detail == {"login": "carol"}
    assert (signed_in.action_type, signed_in.result, signed_in.actor_id, signed_in.actor_name) == (
        "user.signin",
        "success",
        "carol",
        "Carol",
    )
    for row in (failed, signed_in):
        assert "password" not in str(row.detail)

    mark = last_pk()
    reply = token_request(
        pds_url, grant_type="refresh_token", refresh_token="not-a-token", client_id=app.app_id, client_secret=secret
    )
    assert reply.status_code in (400, 401), reply.text
    (row,) = rows_after(mark)
    assert (row.action_type, row.result, row.app_id) == ("token.refresh", "failure", app.app_id)
    assert row.error_code == reply.json()["code"] and "not-a-token" not in str(row.__dict__)


def test_file_activity_only_for_those_with_a_role_on_the_file(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    bob = make_api(pds_url, make_user("bob"), jwt_app)
    admin = make_api(pds_url, make_user("root", role="admin"), jwt_app)
    folder = alice.folder("Plans")
    alice.ok("file/update", {"file_id": folder, "name": "Plans 2027"})
    alice.ok("file/update", {"file_id": folder, "description": "next year"})

    page = alice.ok("audit_log/list", {"file_id": folder, "limit": 2})
    assert [item["action_type"] for item in page["items"]] == ["file.update", "file.rename"]
    rename = page["items"][1]
    assert rename["detail"]["file_log_detail"]["new_name"] == "Plans 2027"
    assert rename["file_path"] == "/Plans" and rename["actor_id"] == "alice"
    assert rename["client_ip"] == ""  # addresses are for administrators
    rest = alice.ok("audit_log/list", {"file_id": folder, "marker": page["next_marker"]})
    assert [item["action_type"] for item in rest["items"]] == ["file.create"] and rest["next_marker"] == ""

    seen_by_admin = admin.ok("audit_log/list", {"drive_id": alice.drive_id, "file_id": folder})
    assert seen_by_admin["items"][0]["client_ip"] == "127.0.0.1"

    outsider = bob.call("audit_log/list", {"drive_id": alice.drive_id, "file_id": folder})
    assert outsider.status_code == 404 and outsider.json()["code"].startswith("NotFound"), outsider.text
    assert alice.call("audit_log/list", {"drive_id": alice.drive_id, "file_id": "f" * 40}).status_code == 404


def test_export_is_for_administrators_only(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    reply = alice.call("audit_log/export", {"query": "action_type = 'file.create'"})
    assert reply.status_code == 403 and reply.json()["code"] == "ForbiddenNoPermission"
    admin = make_api(pds_url, make_user("root", role="admin"), jwt_app)
    bad = admin.call("audit_log/export", {"query": "password = 'x'"})
    assert bad.status_code == 400 and bad.json()["code"] == "InvalidParameter.Query"
    assert admin.call("audit_log/export", {"order_by": "actor_id"}).json()["code"] == "InvalidParameter.OrderBy"


def make_row(domain, days_ago: float, action_type: str = "file.create") -> AuditLog:
    return AuditLog.objects.create(
        log_id=f"{action_type}-{days_ago}",
        domain=domain,
        acted_at=timezone.now() - timedelta(days=days_ago),
        actor_type="user",
        actor_id="alice",
        action_category="file",
        action_type=action_type,
    )


def test_retention_deletes_only_rows_past_the_configured_days(domain, settings):
    settings.PDS_AUDIT_LOG_RETENTION_DAYS = 30
    old, older = make_row(domain, 31), make_row(domain, 400)
    recent, edge = make_row(domain, 1), make_row(domain, 29.9)
    assert audit_logs_purge() == 2
    left = set(AuditLog.objects.values_list("pk", flat=True))
    assert left == {recent.pk, edge.pk} and not left & {old.pk, older.pk}
    # Rows are append-only: the model refuses to change one.
    recent.action_type = "file.delete"
    with pytest.raises(ValueError):
        recent.save()


def test_django_admin_shows_the_log_read_only_and_logs_its_own_actions(domain):
    admin_user = get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1")
    client = Client()
    client.force_login(admin_user)
    row = make_row(domain, 1, "file.rename")
    listing = client.get("/admin/pds_server/auditlog/")
    assert listing.status_code == 200 and "file.rename" in listing.content.decode()
    assert client.get("/admin/pds_server/auditlog/?result__exact=success&q=alice").status_code == 200
    detail = client.get(f"/admin/pds_server/auditlog/{row.pk}/change/")
    assert detail.status_code == 200 and 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/pds_server/auditlog/add/").status_code == 403
    assert client.post(f"/admin/pds_server/auditlog/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert AuditLog.objects.filter(pk=row.pk).exists()

    # An administrator's action in Django admin is itself a row, actor_type admin.
    app = App.objects.create(domain=domain, app_id="throwaway", name="Throwaway", app_type=App.AppType.NATIVE)
    answer = client.post(
        "/admin/pds_server/app/", {"action": "delete_selected", "_selected_action": [app.pk], "post": "yes"}
    )
    assert answer.status_code == 302 and not App.objects.filter(pk=app.pk).exists()
    logged = AuditLog.objects.get(action_type="admin.delete")
    assert (logged.actor_type, logged.actor_name, logged.object_id) == ("admin", "boss", str(app.pk))
    assert logged.object_name == str(app) and logged.detail["model"] == "app"


def test_people_changes_name_who_and_what(pds_url, make_user, jwt_app):
    alice = make_api(pds_url, make_user("alice"), jwt_app)
    make_user("bob", nick_name="Bobby")
    admin = make_api(pds_url, make_user("root", role="admin"), jwt_app, [*ALL, "GROUP.ALL"])
    folder = alice.folder("Team")
    member = {"identity": {"identity_type": "IT_User", "identity_id": "bob"}, "role_id": "SystemFileViewer"}
    mark = last_pk()
    alice.ok("file/add_permission", {"file_id": folder, "member_list": [member]}, 204)
    alice.ok("file/remove_permission", {"file_id": folder, "member_list": [member]}, 204)
    added, removed = rows_after(mark)
    assert (added.action_type, removed.action_type) == ("permission.add", "permission.remove")
    for row in (added, removed):
        assert (row.object_id, row.file_path, row.actor_id, row.result) == (folder, "/Team", "alice", "success")
        assert row.detail["member_list"] == [
            {"identity_type": "IT_User", "identity_id": "bob", "role_id": "SystemFileViewer", "identity_name": "Bobby"}
        ]

    mark = last_pk()
    group = admin.ok("group/create", {"group_name": "Designers"}, 201)
    admin.ok("group/add_member", {"group_id": group["group_id"], "member_type": "user", "member_id": "bob"})
    admin.ok("user/update", {"user_id": "bob", "nick_name": "Bob B.", "password": "n3w-secret-pw"})
    refused = alice.call("user/delete", {"user_id": "bob"})
    assert refused.status_code == 403
    created, joined, updated, denied = rows_after(mark)
    assert (created.action_type, created.object_id, created.object_name) == (
        "group.create",
        group["group_id"],
        "Designers",
    )
    assert (joined.action_type, joined.detail) == ("group.add_member", {"member_type": "user", "member_id": "bob"})
    assert (updated.action_type, updated.object_id, updated.object_name, updated.actor_id) == (
        "user.update",
        "bob",
        "Bob B.",
        "root",
    )
    assert "n3w-secret-pw" not in str(updated.__dict__)
    assert (denied.action_type, denied.result, denied.error_code, denied.object_name) == (
        "user.delete",
        "failure",
        "ForbiddenNoPermission",
        "Bob B.",
    )


def test_a_server_apps_jwt_sign_in_is_recorded_and_a_bad_assertion_too(pds_url, make_user, jwt_app, rsa_keys):
    from tests.pds_server.test_official_sdk import jwt_assertion

    make_user("dave", nick_name="Dave")
    mark = last_pk()
    grant = "urn:ietf:params:oauth:grant-type:jwt-bearer"
    good = token_request(
        pds_url,
        grant_type=grant,
        client_id=jwt_app.app_id,
        assertion=jwt_assertion(rsa_keys[0], jwt_app.app_id, "dave"),
    )
    assert good.status_code == 200, good.text
    bad = token_request(pds_url, grant_type=grant, client_id=jwt_app.app_id, assertion="not.a.jwt")
    assert bad.status_code in (400, 401)
    signed_in, refused = rows_after(mark)
    assert (signed_in.action_type, signed_in.result, signed_in.actor_id, signed_in.app_id) == (
        "user.signin",
        "success",
        "dave",
        jwt_app.app_id,
    )
    assert signed_in.detail == {"grant_type": "jwt"}
    assert (refused.action_type, refused.result, refused.app_id) == ("user.signin", "failure", jwt_app.app_id)
    assert "not.a.jwt" not in str(refused.__dict__) and good.json()["access_token"] not in str(signed_in.__dict__)
