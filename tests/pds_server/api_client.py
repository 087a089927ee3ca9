"""A user of the PDS API in tests: their token, their default drive, and helpers that
assert each call answers what it should."""

from __future__ import annotations

import requests

from pds_server.services.tokens import tokens_issue
from pds_server.services.users import user_logon

ALL = ["FILE.ALL", "DRIVE.ALL", "SHARE.ALL", "USER.ALL"]


class Api:
    """A user of the PDS API: their token, their default drive, and helpers."""

    def __init__(self, base: str, token: str, drive_id: str):
        self.base, self.token, self.drive_id = base, token, drive_id

    def call(self, path: str, body: dict | None = None, headers: dict | None = None) -> requests.Response:
        all_headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        all_headers.update(headers or {})
        return requests.post(f"{self.base}/v2/{path}", json=body or {}, headers=all_headers, timeout=60)

    def ok(self, path: str, body: dict | None = None, status: int = 200) -> dict:
        reply = self.call(path, {"drive_id": self.drive_id, **(body or {})})
        assert reply.status_code == status, f"{path}: {reply.status_code} {reply.text}"
        return reply.json() if reply.content else {}

    def folder(self, name: str, parent: str = "root") -> str:
        return self.ok("file/create", {"parent_file_id": parent, "name": name, "type": "folder"}, 201)["file_id"]

    def upload(self, name: str, data: bytes, parent: str = "root", parts: int = 1, **extra) -> dict:
        created = self.ok(
            "file/create",
            {
                "parent_file_id": parent,
                "name": name,
                "type": "file",
                "size": len(data),
                "part_info_list": [{"part_number": n} for n in range(1, parts + 1)],
                **extra,
            },
            201,
        )
        if created.get("rapid_upload") or created.get("exist"):
            return created
        step = -(-len(data) // parts) if data else 0
        for info in created["part_info_list"]:
            chunk = data[(info["part_number"] - 1) * step : info["part_number"] * step]
            assert requests.put(info["upload_url"], data=chunk).status_code == 200
        return self.ok("file/complete", {"file_id": created["file_id"], "upload_id": created["upload_id"]})


def make_api(base, user, app, scopes=ALL) -> Api:
    user = user_logon(user=user)
    token = tokens_issue(
        app=app, user=user, scopes=scopes, grant_type="test", with_refresh_token=False
    ).access_token_value
    return Api(base, token, user.default_drive_id)
