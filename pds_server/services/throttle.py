"""Throttles on guessing: failures counted per subject (a client, a share, an account, a
source address) in Django's cache, which every PDS process shares (files on one machine,
Redis across machines: CACHE_URL). A window opens at the first failure; once `limit`
failures are in it, every attempt, right or wrong, is refused with 429 and Retry-After
until the window ends, so that a throttled guess never tells whether it was right.

Limits and windows are settings (drive_site/settings/security.py), read at each call.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from pds_server import errors


@dataclass(frozen=True)
class Rule:
    name: str
    limit_setting: str
    window_setting: str

    @property
    def limit(self) -> int:
        return int(getattr(settings, self.limit_setting))

    @property
    def window(self) -> int:
        return max(1, int(getattr(settings, self.window_setting)))


SIGNIN_ACCOUNT = Rule("signin-account", "PDS_SIGNIN_MAX_FAILURES", "PDS_SIGNIN_FAILURE_WINDOW")
SIGNIN_ADDRESS = Rule("signin-address", "PDS_SIGNIN_ADDRESS_MAX_FAILURES", "PDS_SIGNIN_ADDRESS_FAILURE_WINDOW")
CLIENT_SECRET = Rule("client-secret", "PDS_CLIENT_SECRET_MAX_FAILURES", "PDS_CLIENT_SECRET_FAILURE_WINDOW")
SHARE_PASSWORD = Rule("share-password", "PDS_SHARE_PASSWORD_MAX_FAILURES", "PDS_SHARE_PASSWORD_FAILURE_WINDOW")
SHARE_ID = Rule("share-id", "PDS_SHARE_ID_MAX_FAILURES", "PDS_SHARE_ID_FAILURE_WINDOW")
ACCESSKEY = Rule("accesskey", "PDS_ACCESSKEY_MAX_FAILURES", "PDS_ACCESSKEY_FAILURE_WINDOW")


def client_address(request: HttpRequest) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's address: behind the trusted proxy (DRIVE_BEHIND_PROXY) the X-Real-IP that
    nginx overwrites, else the socket's peer; an IPv4-mapped IPv6 address as IPv4."""
    raw = request.META.get("HTTP_X_REAL_IP", "") if settings.DRIVE_BEHIND_PROXY else ""
    raw = raw.strip() or request.META.get("REMOTE_ADDR", "")
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def source_address(request: HttpRequest) -> str:
    """What failures are counted by: the client's address, IPv6 by /64 (what one subscriber holds)."""
    address = client_address(request)
    if address is None:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _keys(rule: Rule, subject: str) -> tuple[str, str]:
    # Hashed: subjects are user input (logins, client ids) of any length and character.
    digest = hashlib.sha256(f"{rule.name}\0{subject}".encode()).hexdigest()[:40]
    return f"pds-throttle:{rule.name}:{digest}", f"pds-throttle:{rule.name}:{digest}:until"


def throttle_check(*, rule: Rule, subject: str, message: str) -> None:
    """Raise TooManyRequests while `subject` has used up its failures in the current window."""
    count_key, until_key = _keys(rule, subject)
    found = cache.get_many([count_key, until_key])
    if found.get(count_key, 0) < rule.limit:
        return
    until = found.get(until_key)
    left = until - time.time() if isinstance(until, (int, float)) else rule.window
    raise errors.TooManyRequests(message, retry_after=max(1, math.ceil(left)))


def failure_record(*, rule: Rule, subject: str) -> None:
    """Count one failure. `add` and `incr` are atomic on Redis, so failures arriving at once in
    several processes all count."""
    count_key, until_key = _keys(rule, subject)
    window = rule.window
    now = time.time()
    if cache.add(count_key, 1, timeout=window):
        cache.set(until_key, now + window, timeout=window)
        return
    try:
        cache.incr(count_key)
    except ValueError:  # the window closed between the two calls: this failure opens the next
        cache.set(count_key, 1, timeout=window)
        cache.set(until_key, now + window, timeout=window)
        return
    # A cache without an atomic incr (files) rewrites the key with the default timeout: keep
    # the window's end.
    until = cache.get(until_key)
    cache.touch(count_key, timeout=max(1, math.ceil(until - now)) if isinstance(until, (int, float)) else window)


def throttle_reset(*, rule: Rule, subject: str) -> None:
    cache.delete_many(list(_keys(rule, subject)))
