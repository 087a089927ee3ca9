"""A person at a browser, played with requests: the PDS sign-in and consent forms."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import requests

CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def authorize_url(base: str, **params) -> str:
    params.setdefault("login_type", "default")
    params.setdefault("lang", "en_US")  # the pages speak zh_CN unless asked (test_signin_methods checks that)
    return f"{base}/v2/oauth/authorize?{urlencode(params)}"


def post_form(session: requests.Session, url: str, page: requests.Response, **fields) -> requests.Response:
    match = CSRF_FIELD.search(page.text)
    assert match, f"no CSRF token on the page: {page.text[:300]}"
    return session.post(url, data={"csrfmiddlewaretoken": match.group(1), **fields}, allow_redirects=False)


def sign_in_and_consent(
    session: requests.Session, url: str, username: str, password: str, consent: str | None = "allow"
) -> requests.Response:
    """Walk the sign-in page (and the consent page when it comes); return the final redirect."""
    page = session.get(url, allow_redirects=False)
    assert page.status_code == 200, page.text[:300]
    assert 'name="password"' in page.text
    answer = post_form(session, url, page, action="signin", username=username, password=password)
    if answer.status_code == 200 and 'name="decision"' in answer.text and consent:
        answer = post_form(session, url, answer, action="consent", decision=consent)
    return answer


def redirect_params(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 302, f"expected a redirect, got {response.status_code}: {response.text[:300]}"
    parts = urlsplit(response.headers["Location"])
    query = parts.fragment or parts.query
    return {key: values[0] for key, values in parse_qs(query).items()}


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


def token_request(base: str, **form) -> requests.Response:
    return requests.post(f"{base}/v2/oauth/token", data=form, timeout=30)


def api(base: str, path: str, token: str | None = None, body: dict | None = None, **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    headers.update(kwargs.pop("headers", {}))
    return requests.post(
        f"{base}/v2/{path}", json=body if body is not None else {}, headers=headers, timeout=30, **kwargs
    )


def assertion(
    private_key: str,
    *,
    app_id: str,
    sub: str,
    aud: str = "demo",
    headers: dict | None = None,
    algorithm: str = "RS256",
    **claims,
) -> str:
    now = int(time.time())
    payload = {
        "iss": app_id,
        "sub": sub,
        "sub_type": "user",
        "aud": aud,
        "jti": uuid.uuid4().hex,
        "iat": now,
        "exp": now + 60,
    }
    payload.update(claims)
    payload = {key: value for key, value in payload.items() if value is not None}
    return jwt.encode(payload, private_key, algorithm=algorithm, headers=headers)


def web_server_tokens(base: str, app_id: str, secret: str, redirect_uri: str, username: str, password: str) -> dict:
    session = requests.Session()
    answer = sign_in_and_consent(
        session,
        authorize_url(base, client_id=app_id, redirect_uri=redirect_uri, response_type="code", state="s1"),
        username,
        password,
    )
    code = redirect_params(answer)["code"]
    reply = token_request(
        base,
        grant_type="authorization_code",
        code=code,
        redirect_uri=redirect_uri,
        client_id=app_id,
        client_secret=secret,
    )
    assert reply.status_code == 200, reply.text
    return reply.json()
