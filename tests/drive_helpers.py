"""A person at a browser, played with requests: signing in to the drive app and using it."""

from __future__ import annotations

import requests

from accounts import crypto
from accounts.models import Credential
from tests.pds_server.oauth_helpers import post_form


def start_signin(base: str, next_path: str = "/") -> tuple[requests.Session, str]:
    """Open the drive's sign-in; returns the browser session and the PDS authorize URL."""
    session = requests.Session()
    answer = session.get(f"{base}/accounts/login/", params={"next": next_path}, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    return session, answer.headers["Location"]


def pds_signin(session: requests.Session, authorize_url: str, username: str, password: str) -> str:
    """Sign in and consent on the PDS pages; returns the callback URL it redirects to."""
    page = session.get(authorize_url)
    answer = post_form(session, authorize_url, page, action="signin", username=username, password=password)
    if answer.status_code == 200 and 'name="decision"' in answer.text:
        answer = post_form(session, authorize_url, answer, action="consent", decision="allow")
    assert answer.status_code == 302, answer.text[:300]
    return answer.headers["Location"]


def sign_in(
    base: str, username: str = "alice", password: str = "alice-password-1", next_path: str = "/"
) -> requests.Session:
    session, authorize_url = start_signin(base, next_path)
    callback = pds_signin(session, authorize_url, username, password)
    landing = session.get(callback, allow_redirects=False)
    assert landing.status_code == 302, landing.text[:500]
    return session


class Browser:
    """A signed-in person: a requests session with the drive's CSRF cookie."""

    user_id = "alice"

    def __init__(self, base: str, session: requests.Session):
        self.base, self.session = base, session

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.base}{path}", **kwargs)

    def post(self, path: str, data=None, **kwargs) -> requests.Response:
        if not self.session.cookies.get("drive_csrftoken"):
            self.get("/")
        headers = {"X-CSRFToken": self.session.cookies.get("drive_csrftoken", ""), "Referer": f"{self.base}/"}
        return self.session.post(f"{self.base}{path}", data=data, headers=headers, **kwargs)

    @property
    def credential(self) -> Credential:
        return Credential.objects.get(user__pds_identity__pds_user_id=self.user_id)

    @property
    def token(self) -> str:
        return crypto.decrypt(self.credential.access_token_encrypted)

    @property
    def drive_id(self) -> str:
        return self.credential.default_drive_id

    def pds(self, path: str, body: dict) -> dict:
        """A PDS API call with this person's token, as another of their apps would make it."""
        reply = requests.post(f"{self.base}/v2/{path}", json=body, headers={"Authorization": f"Bearer {self.token}"})
        assert reply.status_code < 300, reply.text
        return reply.json() if reply.content else {}

    def upload(self, name: str, data: bytes, parent: str = "root") -> dict:
        body = {"drive_id": self.drive_id, "parent_file_id": parent, "name": name, "type": "file", "size": len(data)}
        created = self.pds("file/create", body)
        requests.put(created["part_info_list"][0]["upload_url"], data=data)
        done = {"drive_id": self.drive_id, "file_id": created["file_id"], "upload_id": created["upload_id"]}
        return self.pds("file/complete", done)
