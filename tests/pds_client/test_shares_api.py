"""SharesAPI against the live embedded PDS: what the owner's calls send and get back."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from pds_client import FilesAPI, PDSClient, SharesAPI


class RecordingSession(requests.Session):
    """A real session that keeps the JSON bodies it sent, to read what the client asked for."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, Any]] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        self.sent.append((str(url), kwargs.get("json")))
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def owner_token(pds_url, make_user, jwt_app) -> str:
    from pds_server.services.tokens import tokens_issue
    from pds_server.services.users import user_logon

    user = user_logon(user=make_user("alice"))
    scopes = ["USER.ALL", "DRIVE.ALL", "FILE.ALL", "SHARE.ALL"]
    return tokens_issue(
        app=jwt_app, user=user, scopes=scopes, grant_type="test", with_refresh_token=False
    ).access_token_value


def test_search_asks_for_newest_first_and_gets_it(pds_url, owner_token):
    session = RecordingSession()
    client = PDSClient(pds_url, session=session)
    drive_id = client.get_default_drive(owner_token)["drive_id"]
    files = FilesAPI(client, owner_token)
    shares = SharesAPI(client, owner_token)
    made = []
    for name in ("first", "second", "third"):
        folder = files.create_folder(drive_id, "root", name)
        made.append(shares.create(drive_id, [folder["file_id"]])["share_id"])
    found = shares.search()
    # The order is asked for, not left to the server's default for created_at.
    url, body = session.sent[-1]
    assert url.endswith("/v2/share_link/search")
    assert body["order_by"] == "created_at" and body["order_direction"] == "DESC"
    assert [share["share_id"] for share in found["items"]] == made[::-1]
