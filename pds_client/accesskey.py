"""Signing requests with an AccessKey pair (`Authorization: acs <id>:<signature>`), the
scheme of the PDS documents and the official SDKs: HMAC-SHA1 over the method, Accept,
Content-MD5, Content-Type, Date, the sorted `x-acs-*` headers and the path with its sorted
query. A fresh nonce per request, so a retried request is not taken for a replay."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from email.utils import formatdate
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.auth import AuthBase


class AccessKeyAuth(AuthBase):
    def __init__(self, access_key_id: str, access_key_secret: str) -> None:
        self.access_key_id = access_key_id
        self._secret = access_key_secret

    def __repr__(self) -> str:  # never print the secret
        return f"AccessKeyAuth({self.access_key_id!r})"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        headers = request.headers
        headers["Date"] = formatdate(usegmt=True)
        headers.setdefault("Accept", "application/json")
        headers["x-acs-signature-nonce"] = uuid.uuid4().hex
        headers["x-acs-signature-method"] = "HMAC-SHA1"
        headers["x-acs-signature-version"] = "1.0"
        body = request.body or b""
        if body:
            raw = body.encode() if isinstance(body, str) else body
            headers["Content-MD5"] = base64.b64encode(hashlib.md5(raw).digest()).decode()  # noqa: S324 (the scheme's)
        parts = urlsplit(request.url or "")
        text = "\n".join(
            [
                request.method or "POST",
                headers.get("Accept", ""),
                headers.get("Content-MD5", ""),
                headers.get("Content-Type", ""),
                headers["Date"],
            ]
        )
        text += "\n" + "".join(
            f"{name}:{value.strip()}\n"
            for name, value in sorted((name.lower(), value) for name, value in headers.items())
            if name.startswith("x-acs-")
        )
        query = sorted(parse_qsl(parts.query, keep_blank_values=True))
        text += parts.path + ("?" + "&".join(f"{k}={v}" if v else k for k, v in query) if query else "")
        digest = hmac.new(self._secret.encode(), text.encode(), hashlib.sha1).digest()
        headers["Authorization"] = f"acs {self.access_key_id}:{base64.b64encode(digest).decode()}"
        return request
