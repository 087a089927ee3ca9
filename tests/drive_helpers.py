"""A person at a browser, played with requests: signing in to the drive app."""

from __future__ import annotations

import requests

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


def sign_in(base: str, username: str = "alice", password: str = "alice-password-1", next_path: str = "/") -> requests.Session:
    session, authorize_url = start_signin(base, next_path)
    callback = pds_signin(session, authorize_url, username, password)
    landing = session.get(callback, allow_redirects=False)
    assert landing.status_code == 302, landing.text[:500]
    return session
