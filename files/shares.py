"""Sharing: links with an optional password, expiry and download limit; the public share
pages. A visitor's share token stays in their Drive session on the server, never in the page."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.pds_connection import pds_client
from accounts.user_pds import UserPds
from files.http import OPAQUE
from pds_client import SharesAPI

JSON = dict[str, Any]
SESSION_KEY = "share_tokens"


def share_create(
    *, pds: UserPds, file_ids: list[str], password: str, expires_in_days: int, download_limit: int
) -> JSON:
    expiration = ""
    if expires_in_days > 0:
        expiration = (timezone.now() + timedelta(days=expires_in_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return pds.shares.create(
        pds.drive_id, file_ids, password=password, expiration=expiration, download_limit=download_limit
    )


def shares_of(*, pds: UserPds) -> list[JSON]:
    items: list[JSON] = pds.shares.list_mine()["items"]
    return items


def share_cancel(*, pds: UserPds, share_id: str) -> None:
    pds.shares.cancel(share_id)


def _anonymous() -> SharesAPI:
    return SharesAPI(pds_client())


def share_about(*, share_id: str) -> JSON:
    return _anonymous().about(share_id)


def share_unlock(*, session: MutableMapping[str, Any], share_id: str, password: str = "") -> str:
    """Get a share token (checking the password) and keep it in the session."""
    answer = _anonymous().share_token(share_id, password)
    tokens = dict(session.get(SESSION_KEY, {}))
    tokens[share_id] = {
        "token": answer["share_token"],
        "expires": time.time() + int(answer.get("expires_in") or 0) - 30,
    }
    session[SESSION_KEY] = tokens
    share_token: str = answer["share_token"]
    return share_token


def share_token_in(*, session: MutableMapping[str, Any], share_id: str) -> str | None:
    entry = session.get(SESSION_KEY, {}).get(share_id)
    return entry["token"] if entry and entry["expires"] > time.time() else None


def shared_listing(*, share_id: str, share_token: str, folder_id: str, marker: str = "") -> tuple[JSON | None, JSON]:
    api = _anonymous()
    folder = api.get_file(share_id, share_token, folder_id) if folder_id != "root" else None
    return folder, api.list_files(share_id, share_token, folder_id, marker=marker)


def shared_download(*, share_id: str, share_token: str, file_id: str) -> tuple[JSON, str]:
    api = _anonymous()
    item = api.get_file(share_id, share_token, file_id)
    return item, api.download_url(share_id, share_token, file_id, response_content_type=OPAQUE)["url"]


def shared_save(*, pds: UserPds, share_id: str, share_token: str, file_id: str) -> JSON:
    """Copy a shared item into the signed-in user's drive."""
    return pds.shares.save_copy(share_id, share_token, file_id)
