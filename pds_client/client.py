"""The one typed client for the PDS HTTP API, used by `accounts` and `files`.

- One `requests.Session` per client (connection pooling); every call has a timeout. JSON
  calls go to urllib3 directly (see `_json_pool`).
- Idempotent calls retry on connection errors and 502/503/504 with exponential backoff and
  full jitter; calls that change state (token exchange and refresh, create, move...)
  never retry blindly.
- Errors become one exception class per PDS error family (pds_client.errors).
- Logs name the operation, status and request id: never a token or a signed URL.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import requests
import urllib3
from urllib3.util.retry import Retry

from pds_client import errors
from pds_client.accesskey import AccessKeyAuth

log = logging.getLogger(__name__)

RETRY_STATUSES = (502, 503, 504)
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"

JSON = dict[str, Any]


class TokenSource(Protocol):
    """A caller's access token that can be renewed, such as a signed-in user's token store.

    A call made with one that the PDS answers with 401 (the token expired or was revoked)
    gets one renewed token and is sent once more: the PDS acted on nothing it refused.
    """

    def access_token(self) -> str: ...

    def renewed_access_token(self, *, rejected: str) -> str: ...


Bearer = str | TokenSource


@dataclass(frozen=True)
class Token:
    """The PDS Token of a successful /v2/oauth/token call."""

    access_token: str
    refresh_token: str
    expires_in: int
    user_id: str
    user_name: str
    nick_name: str
    domain_id: str
    default_drive_id: str
    role: str
    scope: str

    @classmethod
    def from_body(cls, body: JSON) -> Token:
        return cls(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token") or "",
            expires_in=int(body.get("expires_in") or 0),
            user_id=body.get("user_id", ""),
            user_name=body.get("user_name", ""),
            nick_name=body.get("nick_name", ""),
            domain_id=body.get("domain_id", ""),
            default_drive_id=body.get("default_drive_id", ""),
            role=body.get("role", ""),
            scope=body.get("scope", ""),
        )

    def __repr__(self) -> str:  # never print the secrets
        return f"Token(user_id={self.user_id!r}, expires_in={self.expires_in})"


class CallerAPI:
    """Calls made with one caller's token (the typed APIs' base): reads retry on transient
    faults; changes never retry blindly."""

    def __init__(self, client: PDSClient, token: Bearer) -> None:
        self.client, self.token = client, token

    def _read(self, path: str, body: JSON) -> JSON:
        return self.client.call(path, body, token=self.token, idempotent=True)

    def _change(self, path: str, body: JSON) -> JSON:
        return self.client.call(path, body, token=self.token, idempotent=False)


# The schemes requests would send through a proxy (ALL_PROXY covers every one).
PROXY_SCHEMES = ("http", "https", "all")


def _session() -> requests.Session:
    """A pooled session. With no proxy in the environment, requests' per-call look-ups of
    the environment (proxies, ~/.netrc, CA bundle) are skipped: the CA bundle it would read
    (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) is read once, here. With a proxy configured they
    stay on, so that its NO_PROXY exceptions still apply."""
    session = requests.Session()
    # getproxies() takes every variable whose name ends in _proxy: DRIVE_BEHIND_PROXY,
    # which every deployment behind nginx sets, is not a proxy for the PDS's scheme.
    if not any(scheme in urllib.request.getproxies() for scheme in PROXY_SCHEMES):
        session.trust_env = False
        session.verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    return session


def _json_pool(session: requests.Session) -> urllib3.PoolManager | None:
    """The pool JSON calls go through: urllib3's, as requests would use it (CA bundle or
    none, 10 connections per host), without requests' per-call work (a Request, its
    preparation, merged settings, hooks, cookie jars: a sixth of Drive's CPU per small
    download). None when a proxy applies, which only requests' handling honours."""
    if session.trust_env:
        return None
    if session.verify is False:
        return urllib3.PoolManager(maxsize=10, cert_reqs="CERT_NONE")
    bundle = requests.utils.DEFAULT_CA_BUNDLE_PATH if session.verify is True else str(session.verify)
    if os.path.isdir(bundle):
        return urllib3.PoolManager(maxsize=10, cert_reqs="CERT_REQUIRED", ca_cert_dir=bundle)
    return urllib3.PoolManager(maxsize=10, cert_reqs="CERT_REQUIRED", ca_certs=bundle)


# What a call that never got an answer raises, through requests or urllib3.
TRANSPORT_ERRORS = (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError)
# As requests' adapter: no retry inside urllib3 (ours are above), none on a read.
NO_RETRY = Retry(0, read=False)

Answer = requests.Response | urllib3.BaseHTTPResponse
USER_AGENT = requests.utils.default_user_agent()  # every call names the same client


def status_of(response: Answer) -> int:
    return response.status_code if isinstance(response, requests.Response) else response.status


class PDSClient:
    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.2,
        session: requests.Session | None = None,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or _session()
        self.json_pool = _json_pool(self.session) if session is None else None

    # --- transport -------------------------------------------------------------------

    def _send(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.endpoint}{path}"
        kwargs.setdefault("timeout", self.timeout)
        response = self._attempts(method, path, idempotent, lambda: self.session.request(method, url, **kwargs))
        assert isinstance(response, requests.Response)
        return response

    def _send_json(self, path: str, body: JSON, headers: dict, idempotent: bool) -> urllib3.BaseHTTPResponse:
        pool = self.json_pool
        assert pool is not None
        data = json.dumps(body, allow_nan=False).encode()
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers}
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        url = f"{self.endpoint}{path}"

        def send() -> Answer:
            return pool.request(
                "POST", url, body=data, headers=headers, timeout=timeout, retries=NO_RETRY, redirect=False
            )

        response = self._attempts("POST", path, idempotent, send)
        assert isinstance(response, urllib3.BaseHTTPResponse)
        return response

    def _attempts(self, method: str, path: str, idempotent: bool, send: Callable[[], Answer]) -> Answer:
        """`send()` once, or for an idempotent call up to `retries` more times while the PDS
        cannot be reached or answers 502/503/504."""
        operation = path.split("?", 1)[0] if not path.startswith("http") else "signed-url"
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            try:
                response = send()
            except TRANSPORT_ERRORS as exc:
                log.warning("PDS %s %s failed: %s", method, operation, type(exc).__name__)
                if attempt + 1 < attempts:
                    self._sleep(attempt)
                    continue
                raise errors.ServiceUnavailable(
                    "ServiceUnavailable", f"The PDS could not be reached ({type(exc).__name__})."
                ) from None
            status = status_of(response)
            if status in RETRY_STATUSES and attempt + 1 < attempts:
                log.warning("PDS %s %s answered %s; retrying", method, operation, status)
                response.close()
                self._sleep(attempt)
                continue
            request_id = response.headers.get("x-ca-request-id", "-")
            log.debug("PDS %s %s -> %s (%s)", method, operation, status, request_id)
            return response
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int) -> None:
        # Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter").
        time.sleep(random.uniform(0, self.backoff * (2**attempt)))

    @staticmethod
    def _raise_for(response: requests.Response) -> None:
        if response.status_code >= 400:
            PDSClient._raise_error(response.status_code, response.headers, response.content)

    @staticmethod
    def _raise_error(status: int, headers: Mapping[str, str], content: bytes) -> None:
        try:
            body = json.loads(content)
            if not isinstance(body, dict):
                body = {}
        except ValueError:
            body = {}
        raise errors.error_from_response(status, body, headers.get("x-ca-request-id", ""))

    def _post(self, path: str, body: JSON | None, token: str | None, idempotent: bool, headers: dict | None) -> JSON:
        all_headers = {"Authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        response_headers: Mapping[str, str]
        if self.json_pool is None:
            response = self._send("POST", f"/v2/{path}", idempotent=idempotent, json=body or {}, headers=all_headers)
            status, response_headers, content = response.status_code, response.headers, response.content
        else:
            answer = self._send_json(f"/v2/{path}", body or {}, all_headers, idempotent)
            status, response_headers, content = answer.status, answer.headers, answer.data
        # (requests follows redirects; urllib3 here does not: an answer that moved is no answer.)
        if status >= 400 or (self.json_pool is not None and status >= 300):
            self._raise_error(status, response_headers, content)
        if status == 204 or not content:
            return {}
        result: JSON = json.loads(content)
        return result

    def call(
        self,
        path: str,
        body: JSON | None = None,
        *,
        token: Bearer | None = None,
        idempotent: bool = False,
        headers: dict | None = None,
    ) -> JSON:
        """POST a JSON API call; returns the JSON body ({} for 204)."""
        if token is None or isinstance(token, str):
            return self._post(path, body, token, idempotent, headers)
        current = token.access_token()
        try:
            return self._post(path, body, current, idempotent, headers)
        except (errors.AccessTokenExpired, errors.AccessTokenInvalid):
            return self._post(path, body, token.renewed_access_token(rejected=current), idempotent, headers)

    def signed_call(self, path: str, body: JSON | None, *, auth: AccessKeyAuth, idempotent: bool = False) -> JSON:
        """POST a JSON API call signed with an AccessKey pair instead of a token."""
        response = self._send("POST", f"/v2/{path}", idempotent=idempotent, json=body or {}, auth=auth)
        self._raise_for(response)
        answer: JSON = response.json() if response.content else {}
        return answer

    # --- OAuth ------------------------------------------------------------------------

    def _token_call(self, form: dict[str, str]) -> Token:
        # Never retried: a code is single-use and a refresh token rotates.
        response = self._send("POST", "/v2/oauth/token", idempotent=False, data=form)
        self._raise_for(response)
        return Token.from_body(response.json())

    def exchange_code(
        self, *, client_id: str, client_secret: str, code: str, redirect_uri: str, code_verifier: str | None
    ) -> Token:
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": client_secret,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._token_call(form)

    def refresh(self, *, client_id: str, client_secret: str | None, refresh_token: str) -> Token:
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token, "client_id": client_id}
        if client_secret:
            form["client_secret"] = client_secret
        return self._token_call(form)

    def jwt_bearer(self, *, client_id: str, assertion: str) -> Token:
        return self._token_call({"grant_type": JWT_BEARER, "client_id": client_id, "assertion": assertion})

    def revoke(self, *, client_id: str, client_secret: str | None, token: str) -> None:
        form = {"token": token, "client_id": client_id}
        if client_secret:
            form["client_secret"] = client_secret
        # Revocation is idempotent (RFC 7009): safe to retry.
        response = self._send("POST", "/v2/oauth/revoke", idempotent=True, data=form)
        self._raise_for(response)

    # --- users and drives -----------------------------------------------------------------

    def get_user(self, token: Bearer) -> JSON:
        """The token's own user."""
        return self.call("user/get", {}, token=token, idempotent=True)

    def get_default_drive(self, token: Bearer) -> JSON:
        return self.call("drive/get_default_drive", {}, token=token, idempotent=True)

    # --- streaming helpers ----------------------------------------------------------------

    def upload_part(self, upload_url: str, body: Iterable[bytes] | Any, *, size: int | None = None) -> str:
        """PUT one part's bytes (a generator or file-like) to its signed URL; returns the ETag.
        The body is streamed, never held whole; it is not retried (a generator is spent)."""
        headers = {"Content-Type": ""}
        if size is not None:
            headers["Content-Length"] = str(size)
            if not hasattr(body, "__len__") and not hasattr(body, "read"):
                # A sized iterable: requests then sends Content-Length, not chunked encoding
                # (both at once is a request-smuggling shape servers rightly refuse).
                body = SizedIterable(body, size)
        response = self._send("PUT", upload_url, idempotent=False, data=body, headers=headers)
        self._raise_for(response)
        return response.headers.get("ETag", "")

    def download(
        self, url: str, *, headers: dict | None = None, chunk_size: int = 256 * 1024
    ) -> tuple[requests.Response, Iterator[bytes]]:
        """GET a signed URL as a stream: the response (status, headers) and an iterator of chunks."""
        response = self._send("GET", url, idempotent=True, headers=headers or {}, stream=True)
        if response.status_code >= 400 and response.status_code != 416:
            self._raise_for(response)
        return response, response.iter_content(chunk_size=chunk_size)


class SizedIterable:
    """Chunks whose total length is known, so that requests sends a Content-Length."""

    def __init__(self, chunks: Iterable[bytes], size: int) -> None:
        self.chunks, self.size = chunks, size

    def __iter__(self) -> Iterator[bytes]:
        return iter(self.chunks)

    def __len__(self) -> int:
        return self.size
