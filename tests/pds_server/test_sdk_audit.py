"""The official SDK `alibabacloud-pds20220301`, unmodified, exports the audit log: the
actions just done, an `audit_log/export` with a query, the async task run by a real Celery
worker, and `async_task/get`'s `url` downloading a CSV that holds exactly what the query
selects, safe to open in a spreadsheet."""

from __future__ import annotations

import csv
import io
import shutil
import time

import pytest
import requests
from alibabacloud_pds20220301 import models as m
from alibabacloud_pds20220301.client import Client
from alibabacloud_tea_openapi.utils_models import Config
from django.conf import settings as django_settings

from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon
from tests.celery_worker import start_worker

SCOPES = ["FILE.ALL", "DRIVE.ALL", "SHARE.ALL", "USER.ALL"]


def sdk_client(live_server, user, app) -> tuple[Client, str]:
    user = user_logon(user=user)
    token = tokens_issue(app=app, user=user, scopes=SCOPES, grant_type="test", with_refresh_token=False)
    port = live_server.url.rsplit(":", 1)[1]
    config = Config(endpoint=f"127.0.0.1:{port}", protocol="http", bearer_token=token.access_token_value)
    return Client(config), user.default_drive_id


@pytest.mark.slow
def test_sdk_exports_the_actions_just_done_as_a_csv(live_server, domain, make_user, jwt_app, settings, tmp_path):
    shutil.rmtree(django_settings.BROKER_DIR / "queue", ignore_errors=True)
    (django_settings.BROKER_DIR / "queue").mkdir(parents=True)
    alice, drive_id = sdk_client(live_server, make_user("alice", nick_name="=HYPERLINK(1)"), jwt_app)
    admin, _ = sdk_client(live_server, make_user("root", role="admin"), jwt_app)

    folder = alice.create_file(
        m.CreateFileRequest(drive_id=drive_id, parent_file_id="root", name="Q1", type="folder")
    ).body
    alice.update_file(m.UpdateFileRequest(drive_id=drive_id, file_id=folder.file_id, name="-Q1 final"))
    notes = alice.create_file(
        m.CreateFileRequest(drive_id=drive_id, parent_file_id=folder.file_id, name="notes", type="folder")
    ).body
    alice.update_file(m.UpdateFileRequest(drive_id=drive_id, file_id=notes.file_id, name="@notes"))

    # A non-administrator may not export.
    with pytest.raises(Exception) as refused:
        alice.audit_log_export(m.AuditLogExportRequest(query="action_type = 'file.rename'"))
    assert "ForbiddenNoPermission" in str(refused.value)

    worker = start_worker("filesystem://", tmp_path / "worker.log", settings)
    try:
        exported = admin.audit_log_export(
            m.AuditLogExportRequest(
                query=f"action_type = 'file.rename' and actor_id = 'alice' and drive_id = '{drive_id}'"
                " and acted_at > '2020-01-01T00:00:00'",
                order_by="acted_at ASC",
                language="en_US",
                file_name="renames.csv",
            )
        ).body
        assert exported.async_task_id
        deadline = time.monotonic() + 60
        while True:
            task = admin.get_async_task(m.GetAsyncTaskRequest(async_task_id=exported.async_task_id)).body
            if task.state != "Running":
                break
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "worker.log").read_text()
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(20)
    assert task.state == "Succeed", (task.error_code, task.error_message)
    assert task.url

    download = requests.get(task.url, timeout=30)
    assert download.status_code == 200
    assert download.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in download.headers["Content-Disposition"]
    assert "renames.csv" in download.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Log ID", "Time (UTC)", "Actor type"]
    column = {name: index for index, name in enumerate(header)}
    # The query selected alice's two renames, oldest first; nothing else.
    assert [row[column["Action"]] for row in body] == ["file.rename", "file.rename"]
    assert [row[column["Object ID"]] for row in body] == [folder.file_id, notes.file_id]
    assert [row[column["Path"]] for row in body] == ["/Q1", "/-Q1 final/notes"]
    assert all(row[column["Actor ID"]] == "alice" and row[column["Result"]] == "success" for row in body)
    # Formula-looking cells are defused for spreadsheets.
    assert body[0][column["Actor"]] == "'=HYPERLINK(1)"
    assert body[0][column["Detail"]].startswith("{") and '"new_name": "-Q1 final"' in body[0][column["Detail"]]
    assert body[1][column["Path"]] == "/-Q1 final/notes"  # in the middle: harmless as it is
    for row in body:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@")), cell
    # The signed URL is good only as signed.
    assert requests.get(task.url.replace("renames.csv", "other.csv"), timeout=30).status_code == 403
