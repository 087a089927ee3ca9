"""Share links: the owner's calls with their token, and a visitor's with a share token."""

from __future__ import annotations

from pds_client.client import JSON, Bearer, PDSClient


class SharesAPI:
    def __init__(self, client: PDSClient, token: Bearer | None = None) -> None:
        self.client, self.token = client, token

    # --- the owner's, with their token ----------------------------------------------------

    def create(
        self, drive_id: str, file_ids: list[str], *, password: str = "", expiration: str = "", download_limit: int = 0
    ) -> JSON:
        body = {
            "drive_id": drive_id,
            "file_id_list": file_ids,
            "share_pwd": password,
            "expiration": expiration,
            "download_limit": download_limit,
        }
        return self.client.call("share_link/create", body, token=self.token)

    def list_mine(self, *, marker: str = "") -> JSON:
        return self.client.call("share_link/list", {"limit": 100, "marker": marker}, token=self.token, idempotent=True)

    def search(self, *, name: str = "", limit: int = 100, marker: str = "") -> JSON:
        """The caller's live links whose name holds `name`, newest first: {items, next_marker}."""
        conditions = ["status = 'enabled'"]
        if name:
            quoted = name.replace("\\", "\\\\").replace("'", "\\'")
            conditions.append(f"share_name match '{quoted}'")
        body = {
            "query": " and ".join(conditions),
            "limit": limit,
            "marker": marker,
            "order_by": "created_at",
            "order_direction": "DESC",
        }
        return self.client.call("share_link/search", body, token=self.token, idempotent=True)

    def get(self, share_id: str) -> JSON:
        return self.client.call("share_link/get", {"share_id": share_id}, token=self.token, idempotent=True)

    def update(
        self,
        share_id: str,
        *,
        password: str | None = None,
        expiration: str | None = None,
        download_limit: int | None = None,
    ) -> JSON:
        """Change a link's settings; a field left None stays as it is. `password=""` removes the
        password and `expiration=""` makes the link last until cancelled."""
        body: JSON = {"share_id": share_id}
        if password is not None:
            body["share_pwd"] = password
        if expiration is not None:
            body["expiration"] = expiration
        if download_limit is not None:
            body["download_limit"] = download_limit
        return self.client.call("share_link/update", body, token=self.token, idempotent=True)

    def cancel(self, share_id: str) -> None:
        self.client.call("share_link/cancel", {"share_id": share_id}, token=self.token)

    # --- anonymous ------------------------------------------------------------------------

    def about(self, share_id: str) -> JSON:
        return self.client.call("share_link/get_by_anonymous", {"share_id": share_id}, idempotent=True)

    def share_token(self, share_id: str, password: str = "") -> JSON:
        body = {"share_id": share_id, "share_pwd": password}
        return self.client.call("share_link/get_share_token", body, idempotent=False)

    # --- with a share token ---------------------------------------------------------------

    def list_files(
        self,
        share_id: str,
        share_token: str,
        parent_file_id: str,
        *,
        marker: str = "",
        limit: int = 100,
        thumbnail_processes: JSON | None = None,
    ) -> JSON:
        body: JSON = {
            "share_id": share_id,
            "parent_file_id": parent_file_id,
            "limit": limit,
            "marker": marker,
            "order_by": "name",
        }
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self.client.call("file/list", body, idempotent=True, headers={"x-share-token": share_token})

    def get_file(
        self, share_id: str, share_token: str, file_id: str, *, thumbnail_processes: JSON | None = None
    ) -> JSON:
        body: JSON = {"share_id": share_id, "file_id": file_id}
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self.client.call("file/get", body, idempotent=True, headers={"x-share-token": share_token})

    def download_url(self, share_id: str, share_token: str, file_id: str, *, response_content_type: str = "") -> JSON:
        # Not retried: each call counts against the share's download limit.
        body = {"share_id": share_id, "file_id": file_id}
        if response_content_type:
            body["response_content_type"] = response_content_type
        return self.client.call("file/get_download_url", body, headers={"x-share-token": share_token})

    def save_copy(self, share_id: str, share_token: str, file_id: str, to_parent_file_id: str = "root") -> JSON:
        body = {"share_id": share_id, "file_id": file_id, "to_parent_file_id": to_parent_file_id, "auto_rename": True}
        return self.client.call("file/copy", body, token=self.token, headers={"x-share-token": share_token})
