"""Sharing with people: finding users and groups by name (`/v2/user/search`, `/v2/group/list`)
and a file's roles (`/v2/file/add_permission`, `list_permission`, `remove_permission`), with
one caller's token."""

from __future__ import annotations

from typing import Any

from pds_client.client import JSON, CallerAPI

USER = "IT_User"
GROUP = "IT_Group"
VIEWER = "SystemFileViewer"
EDITOR = "SystemFileEditor"


def identity(identity_type: str, identity_id: str) -> JSON:
    return {"identity_type": identity_type, "identity_id": identity_id}


class PermissionsAPI(CallerAPI):
    """Searches and reads retry on transient faults; adding and removing a role do not retry
    blindly (each writes an audit row)."""

    # --- people ---------------------------------------------------------------------------

    def search_users(self, name: str, *, limit: int = 10) -> JSON:
        """Users whose name holds `name`: {items: [{user_id, user_name, nick_name, avatar}], next_marker}."""
        body = {"nick_name_for_fuzzy": name, "limit": limit}
        return self._read("user/search", body)

    def search_groups(self, name: str, *, limit: int = 10) -> JSON:
        """Groups whose name holds `name`: {items: [{group_id, group_name, description}], next_marker}."""
        body = {"group_name_for_fuzzy": name, "limit": limit}
        return self._read("group/list", body)

    def drive(self, drive_id: str) -> JSON:
        """The drive (`drive/get`): answered to its owner and administrators only, the people
        who give and take roles in it; NotFound to anyone else."""
        return self._read("drive/get", {"drive_id": drive_id})

    # --- a file's roles -------------------------------------------------------------------

    def list(self, drive_id: str, file_id: str) -> list[JSON]:
        """Everyone with a role on the file, those given on a folder above it too: a list of
        {identity, role_id, expire_time, identity_name, inherited_from}."""
        body = {"drive_id": drive_id, "file_id": file_id}
        answer: Any = self._read("file/list_permission", body)
        if isinstance(answer, dict):  # an empty answer (no body) reads as {}
            answer = answer.get("items", [])
        return list(answer)

    def add(self, drive_id: str, file_id: str, member: JSON, role_id: str, *, expire_time: int | None = None) -> None:
        """Give `member` (an identity) `role_id` on the file; if they have a role there, it changes."""
        entry: JSON = {"identity": member, "role_id": role_id}
        if expire_time is not None:
            entry["expire_time"] = expire_time
        body = {"drive_id": drive_id, "file_id": file_id, "member_list": [entry]}
        self._change("file/add_permission", body)

    def remove(self, drive_id: str, file_id: str, member: JSON, role_id: str) -> None:
        body = {"drive_id": drive_id, "file_id": file_id, "member_list": [{"identity": member, "role_id": role_id}]}
        self._change("file/remove_permission", body)
