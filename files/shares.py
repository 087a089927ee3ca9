"""Sharing: links with an optional password, expiry and download limit; the public share
pages. A visitor's share token stays in their Drive session on the server, never in the page."""

from __future__ import annotations

import time
from datetime import timedelta

from django.utils import timezone

from accounts.services import pds_client, with_access_token
from files.services import drive_id_of
from pds_client.client import SharesAPI

SESSION_KEY = "share_tokens"


def share_create(user, *, file_ids: list[str], password: str, expires_in_days: int, download_limit: int) -> dict:
    drive_id = drive_id_of(user)
    expiration = (timezone.now() + timedelta(days=expires_in_days)).strftime("%Y-%m-%dT%H:%M:%SZ") if expires_in_days > 0 else ""
    return with_access_token(user, lambda token: SharesAPI(pds_client(), token).create(drive_id, file_ids, password=password, expiration=expiration, download_limit=download_limit))


def shares_of(user) -> list[dict]:
    return with_access_token(user, lambda token: SharesAPI(pds_client(), token).list())["items"]


def share_cancel(user, share_id: str) -> None:
    with_access_token(user, lambda token: SharesAPI(pds_client(), token).cancel(share_id))


def share_about(share_id: str) -> dict:
    return SharesAPI(pds_client()).about(share_id)


def share_unlock(session, share_id: str, password: str = "") -> str:
    """Get a share token (checking the password) and keep it in the session."""
    answer = SharesAPI(pds_client()).share_token(share_id, password)
    tokens = dict(session.get(SESSION_KEY, {}))
    tokens[share_id] = {"token": answer["share_token"], "expires": time.time() + int(answer.get("expires_in") or 0) - 30}
    session[SESSION_KEY] = tokens
    return answer["share_token"]


def share_token_in(session, share_id: str) -> str | None:
    entry = session.get(SESSION_KEY, {}).get(share_id)
    return entry["token"] if entry and entry["expires"] > time.time() else None


def shared_listing(share_id: str, share_token: str, folder_id: str, marker: str = "") -> tuple[dict | None, dict]:
    api = SharesAPI(pds_client())
    folder = api.get_file(share_id, share_token, folder_id) if folder_id != "root" else None
    return folder, api.list_files(share_id, share_token, folder_id, marker=marker)


def shared_download(share_id: str, share_token: str, file_id: str) -> tuple[dict, str]:
    api = SharesAPI(pds_client())
    item = api.get_file(share_id, share_token, file_id)
    return item, api.download_url(share_id, share_token, file_id)["url"]


def shared_save(user, share_id: str, share_token: str, file_id: str) -> dict:
    return with_access_token(user, lambda token: SharesAPI(pds_client(), token).save_copy(share_id, share_token, file_id))
