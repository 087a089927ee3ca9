"""A person on the sign-in page of the embedded PDS, played with requests: the forms of
each way in, and the rest of the web-server code flow (code, token, /v2/user/get)."""

from __future__ import annotations

import requests

from pds_server.models import App
from tests.conftest import REDIRECT_URI
from tests.pds_server.oauth_helpers import api, authorize_url, post_form, redirect_params, token_request


def app_url(pds_url: str, app: App, **params) -> str:
    """The authorize URL of the web-server app (English pages unless `lang` is given)."""
    return authorize_url(
        pds_url, client_id=app.app_id, redirect_uri=REDIRECT_URI, response_type="code", state="st-1", **params
    )


def open_page(session: requests.Session, url: str) -> requests.Response:
    page = session.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text[:500]
    return page


def consent_and_user(
    pds_url: str, session: requests.Session, url: str, answer: requests.Response, app: App, secret: str
) -> dict:
    """After a sign-in form's answer: allow on the consent page, exchange the code, and
    return /v2/user/get of the token's user."""
    if answer.status_code == 200 and 'name="decision"' in answer.text:
        answer = post_form(session, url, answer, action="consent", decision="allow")
    params = redirect_params(answer)
    assert params["state"] == "st-1"
    reply = token_request(
        pds_url,
        grant_type="authorization_code",
        code=params["code"],
        redirect_uri=REDIRECT_URI,
        client_id=app.app_id,
        client_secret=secret,
    )
    assert reply.status_code == 200, reply.text
    me = api(pds_url, "user/get", reply.json()["access_token"])
    assert me.status_code == 200, me.text
    return me.json()
