"""The one typed client for the PDS HTTP API, used by `accounts` and `files`.

- One `requests.Session` per client (connection pooling); every call has a timeout.
- Idempotent calls retry on connection errors and 502/503/504 with exponential backoff and
  full jitter; calls that change state (token exchange and refresh, create, move...)
  never retry blindly.
- Errors become one exception class per PDS error family (pds_client.errors).
- Logs name the operation, status and request id: never a token or a signed URL.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

import requests

from pds_client import errors

log = logging.getLogger(__name__)

RETRY_STATUSES = (502, 503, 504)
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


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
    def from_body(cls, body: dict) -> Token:
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


class PDSClient:
    def __init__(
        self,
        endpoint: str,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        backoff: float = 0.2,
        session: requests.Session | None = None,
    ):
        self.endpoint = endpoint.rstrip("/")
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.session = session or requests.Session()

    # --- transport -------------------------------------------------------------------

    def _send(self, method: str, path: str, *, idempotent: bool, **kwargs: Any) -> requests.Response:
        url = path if path.startswith("http") else f"{self.endpoint}{path}"
        operation = path.split("?", 1)[0] if not path.startswith("http") else "signed-url"
        kwargs.setdefault("timeout", self.timeout)
        attempts = self.retries + 1 if idempotent else 1
        for attempt in range(attempts):
            try:
                response = self.session.request(method, url, **kwargs)
            except (requests.ConnectionError, requests.Timeout) as exc:
                log.warning("PDS %s %s failed: %s", method, operation, type(exc).__name__)
                if attempt + 1 < attempts:
                    self._sleep(attempt)
                    continue
                raise errors.ServiceUnavailable("ServiceUnavailable", f"The PDS could not be reached ({type(exc).__name__}).") from None
            if response.status_code in RETRY_STATUSES and attempt + 1 < attempts:
                log.warning("PDS %s %s answered %s; retrying", method, operation, response.status_code)
                response.close()
                self._sleep(attempt)
                continue
            log.debug("PDS %s %s -> %s (%s)", method, operation, response.status_code, response.headers.get("x-ca-request-id", "-"))
            return response
        raise AssertionError("unreachable")

    def _sleep(self, attempt: int) -> None:
        # Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter").
        time.sleep(random.uniform(0, self.backoff * (2**attempt)))

    @staticmethod
    def _raise_for(response: requests.Response) -> None:
        if response.status_code < 400:
            return
        try:
            body = response.json()
            if not isinstance(body, dict):
                body = {}
        except ValueError:
            body = {}
        raise errors.error_from_response(response.status_code, body, response.headers.get("x-ca-request-id", ""))

    def call(self, path: str, body: dict | None = None, *, token: str | None = None, idempotent: bool = False, headers: dict | None = None) -> dict:
        """POST a JSON API call; returns the JSON body ({} for 204)."""
        all_headers = {"Authorization": f"Bearer {token}"} if token else {}
        all_headers.update(headers or {})
        response = self._send("POST", f"/v2/{path}", idempotent=idempotent, json=body or {}, headers=all_headers)
        self._raise_for(response)
        if response.status_code == 204 or not response.content:
            return {}
        return response.json()

    # --- OAuth ------------------------------------------------------------------------

    def _token_call(self, form: dict) -> Token:
        # Never retried: a code is single-use and a refresh token rotates.
        response = self._send("POST", "/v2/oauth/token", idempotent=False, data=form)
        self._raise_for(response)
        return Token.from_body(response.json())

    def exchange_code(self, *, client_id: str, client_secret: str, code: str, redirect_uri: str, code_verifier: str | None) -> Token:
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client_id, "client_secret": client_secret}
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

    def get_user(self, token: str, user_id: str | None = None) -> dict:
        return self.call("user/get", {"user_id": user_id} if user_id else {}, token=token, idempotent=True)

    def get_default_drive(self, token: str) -> dict:
        return self.call("drive/get_default_drive", {}, token=token, idempotent=True)

    def list_my_drives(self, token: str, *, limit: int = 100, marker: str = "") -> dict:
        return self.call("drive/list_my_drives", {"limit": limit, "marker": marker}, token=token, idempotent=True)

    def get_drive(self, token: str, drive_id: str) -> dict:
        return self.call("drive/get", {"drive_id": drive_id}, token=token, idempotent=True)

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
                body = _SizedIterable(body, size)
        response = self._send("PUT", upload_url, idempotent=False, data=body, headers=headers)
        self._raise_for(response)
        return response.headers.get("ETag", "")

    def download(self, url: str, *, headers: dict | None = None, chunk_size: int = 256 * 1024) -> tuple[requests.Response, Iterator[bytes]]:
        """GET a signed URL as a stream: the response (status, headers) and an iterator of chunks."""
        response = self._send("GET", url, idempotent=True, headers=headers or {}, stream=True)
        if response.status_code >= 400 and response.status_code != 416:
            self._raise_for(response)
        return response, response.iter_content(chunk_size=chunk_size)


class _SizedIterable:
    def __init__(self, chunks: Iterable[bytes], size: int):
        self.chunks, self.size = chunks, size

    def __iter__(self):
        return iter(self.chunks)

    def __len__(self) -> int:
        return self.size


class FilesAPI:
    """Typed file, recycle-bin, share and async-task calls of one user's token.

    Reads retry on transient faults; changes never retry blindly.
    """

    def __init__(self, client: PDSClient, token: str):
        self.client, self.token = client, token

    def _read(self, path: str, body: dict, headers: dict | None = None) -> dict:
        return self.client.call(path, body, token=self.token, idempotent=True, headers=headers)

    def _change(self, path: str, body: dict, headers: dict | None = None) -> dict:
        return self.client.call(path, body, token=self.token, idempotent=False, headers=headers)

    # reads
    def list(self, drive_id: str, parent_file_id: str, *, limit: int = 100, marker: str = "", order_by: str = "name", order_direction: str = "ASC", thumbnail_processes: dict | None = None) -> dict:
        body = {"drive_id": drive_id, "parent_file_id": parent_file_id, "limit": limit, "marker": marker, "order_by": order_by, "order_direction": order_direction}
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self._read("file/list", body)

    def get(self, drive_id: str, file_id: str) -> dict:
        return self._read("file/get", {"drive_id": drive_id, "file_id": file_id})

    def search(self, drive_id: str, query: str, *, limit: int = 50, marker: str = "", order_by: str = "updated_at DESC") -> dict:
        return self._read("file/search", {"drive_id": drive_id, "query": query, "limit": limit, "marker": marker, "order_by": order_by})

    def download_url(self, drive_id: str, file_id: str, *, expire_sec: int = 900) -> dict:
        return self._read("file/get_download_url", {"drive_id": drive_id, "file_id": file_id, "expire_sec": expire_sec})

    def get_with_download_url(self, drive_id: str, file_id: str, *, expire_sec: int = 900) -> tuple[dict, dict]:
        """file/get and file/get_download_url in one round trip (/v2/batch): a download
        needs both the file's name and type and its signed URL."""
        ids = {"drive_id": drive_id, "file_id": file_id}
        answers = self.batch([
            {"id": "get", "method": "POST", "url": "/file/get", "body": ids},
            {"id": "url", "method": "POST", "url": "/file/get_download_url", "body": {**ids, "expire_sec": expire_sec}},
        ], idempotent=True)
        return answers["get"], answers["url"]

    def batch(self, requests_: list[dict], *, idempotent: bool = False) -> dict[str, dict]:
        """Several calls in one request; returns each body by its id and raises the typed
        error of the first that failed."""
        responses = self.client.call("batch", {"requests": requests_, "resource": "file"}, token=self.token, idempotent=idempotent)["responses"]
        for response in responses:
            if response.get("status", 500) >= 400:
                body = response.get("body") if isinstance(response.get("body"), dict) else {}
                raise errors.error_from_response(response["status"], body, "")
        return {response["id"]: response.get("body") or {} for response in responses}

    def recyclebin(self, drive_id: str, *, limit: int = 100, marker: str = "") -> dict:
        return self._read("recyclebin/list", {"drive_id": drive_id, "limit": limit, "marker": marker})

    def async_task(self, async_task_id: str) -> dict:
        return self._read("async_task/get", {"async_task_id": async_task_id})

    def uploaded_parts(self, drive_id: str, file_id: str, upload_id: str) -> dict:
        return self._read("file/list_uploaded_parts", {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id, "limit": 1000})

    def upload_urls(self, drive_id: str, file_id: str, upload_id: str, part_numbers: list[int]) -> dict:
        return self._read("file/get_upload_url", {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id, "part_info_list": [{"part_number": n} for n in part_numbers]})

    # changes
    def create_folder(self, drive_id: str, parent_file_id: str, name: str, *, check_name_mode: str = "refuse") -> dict:
        return self._change("file/create", {"drive_id": drive_id, "parent_file_id": parent_file_id, "name": name, "type": "folder", "check_name_mode": check_name_mode})

    def create_file(self, body: dict) -> dict:
        return self._change("file/create", {**body, "type": "file"})

    def complete(self, drive_id: str, file_id: str, upload_id: str) -> dict:
        # Harmless to repeat (the server makes complete idempotent).
        return self.client.call("file/complete", {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id}, token=self.token, idempotent=True)

    def rename(self, drive_id: str, file_id: str, name: str) -> dict:
        return self._change("file/update", {"drive_id": drive_id, "file_id": file_id, "name": name, "check_name_mode": "refuse"})

    def move(self, drive_id: str, file_id: str, to_parent_file_id: str) -> dict:
        return self._change("file/move", {"drive_id": drive_id, "file_id": file_id, "to_parent_file_id": to_parent_file_id, "check_name_mode": "auto_rename"})

    def copy(self, drive_id: str, file_id: str, to_parent_file_id: str) -> dict:
        return self._change("file/copy", {"drive_id": drive_id, "file_id": file_id, "to_parent_file_id": to_parent_file_id, "auto_rename": True})

    def trash(self, drive_id: str, file_id: str) -> dict:
        return self._change("recyclebin/trash", {"drive_id": drive_id, "file_id": file_id})

    def restore(self, drive_id: str, file_id: str) -> dict:
        return self._change("recyclebin/restore", {"drive_id": drive_id, "file_id": file_id})

    def delete(self, drive_id: str, file_id: str) -> dict:
        return self._change("file/delete", {"drive_id": drive_id, "file_id": file_id})

    def empty_trash(self, drive_id: str) -> dict:
        return self._change("recyclebin/clear", {"drive_id": drive_id})


class SharesAPI:
    """Share links: the owner's calls with their token, and a visitor's with a share token."""

    def __init__(self, client: PDSClient, token: str | None = None):
        self.client, self.token = client, token

    def create(self, drive_id: str, file_ids: list[str], *, password: str = "", expiration: str = "", download_limit: int = 0) -> dict:
        body = {"drive_id": drive_id, "file_id_list": file_ids, "share_pwd": password, "expiration": expiration, "download_limit": download_limit}
        return self.client.call("share_link/create", body, token=self.token)

    def list(self, *, marker: str = "") -> dict:
        return self.client.call("share_link/list", {"limit": 100, "marker": marker}, token=self.token, idempotent=True)

    def cancel(self, share_id: str) -> None:
        self.client.call("share_link/cancel", {"share_id": share_id}, token=self.token)

    # anonymous
    def about(self, share_id: str) -> dict:
        return self.client.call("share_link/get_by_anonymous", {"share_id": share_id}, idempotent=True)

    def share_token(self, share_id: str, password: str = "") -> dict:
        return self.client.call("share_link/get_share_token", {"share_id": share_id, "share_pwd": password}, idempotent=False)

    # with a share token
    def list_files(self, share_id: str, share_token: str, parent_file_id: str, *, marker: str = "") -> dict:
        body = {"share_id": share_id, "parent_file_id": parent_file_id, "limit": 100, "marker": marker, "order_by": "name"}
        return self.client.call("file/list", body, idempotent=True, headers={"x-share-token": share_token})

    def get_file(self, share_id: str, share_token: str, file_id: str) -> dict:
        return self.client.call("file/get", {"share_id": share_id, "file_id": file_id}, idempotent=True, headers={"x-share-token": share_token})

    def download_url(self, share_id: str, share_token: str, file_id: str) -> dict:
        # Not retried: each call counts against the share's download limit.
        return self.client.call("file/get_download_url", {"share_id": share_id, "file_id": file_id}, headers={"x-share-token": share_token})

    def save_copy(self, share_id: str, share_token: str, file_id: str, to_parent_file_id: str = "root") -> dict:
        body = {"share_id": share_id, "file_id": file_id, "to_parent_file_id": to_parent_file_id, "auto_rename": True}
        return self.client.call("file/copy", body, token=self.token, headers={"x-share-token": share_token})
