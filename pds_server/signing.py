"""Signed URLs for part uploads, downloads and thumbnails: an HMAC-SHA256 over the method,
the path, the bound parameters and the expiry, keyed from SECRET_KEY. Tampering with any
bound parameter or the expiry, or using the URL after it expires, is a 403."""

from __future__ import annotations

import hmac
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.utils.crypto import salted_hmac

from pds_server import errors

SIGNATURE = "signature"
EXPIRES = "x-pds-expires"


def url_digest(method: str, path: str, params: dict[str, str]) -> str:
    canonical = "\n".join([method, path] + [f"{key}={params[key]}" for key in sorted(params)])
    return salted_hmac("pds_server.signed_url", canonical, algorithm="sha256").hexdigest()


def signed_url(base_url: str, method: str, path: str, params: dict[str, Any], expires_in: int) -> tuple[str, int]:
    """A URL under `base_url` valid for `expires_in` seconds; returns it with its expiry
    (epoch seconds)."""
    expires = int(time.time()) + int(expires_in)
    bound = {**{key: str(value) for key, value in params.items()}, EXPIRES: str(expires)}
    bound[SIGNATURE] = url_digest(method, path, bound)
    return f"{base_url}{path}?{urlencode(bound)}", expires


def verify(*, query: Mapping[str, str], method: str, path: str, names: tuple[str, ...]) -> dict[str, str]:
    """Check the signature of a signed URL (its query and path); returns the bound parameters."""
    params = {name: query.get(name, "") for name in names if name in query}
    params[EXPIRES] = query.get(EXPIRES, "")
    given = query.get(SIGNATURE, "")
    expected = url_digest(method, path, params)
    if not given or not hmac.compare_digest(given, expected):
        raise errors.Forbidden("The URL signature does not match.", code="InvalidSignature")
    try:
        expires = int(params[EXPIRES])
    except ValueError:
        raise errors.Forbidden("The URL signature does not match.", code="InvalidSignature") from None
    if expires < time.time():
        raise errors.Forbidden("The URL has expired.", code="UrlExpired")
    return params
