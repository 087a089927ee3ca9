"""What the drive pages change, over the PDS API as the signed-in user (accounts.user_pds)."""

from __future__ import annotations

from typing import Any

from accounts.user_pds import UserPds
from files.errors import NameTaken

JSON = dict[str, Any]


def folder_create(*, pds: UserPds, parent_id: str, name: str) -> JSON:
    created = pds.files.create_folder(pds.drive_id, parent_id, name)
    if created.get("exist"):
        raise NameTaken(f"“{name}” already exists here.")
    return created


def file_rename(*, pds: UserPds, file_id: str, name: str) -> JSON:
    return pds.files.rename(pds.drive_id, file_id, name)


def files_apply(*, pds: UserPds, operation: str, file_ids: list[str], target_id: str = "") -> list[str]:
    """Apply an operation to several files; returns async task ids still running."""
    drive_id = pds.drive_id
    tasks = []
    for file_id in file_ids:
        if operation == "move":
            answer = pds.files.move(drive_id, file_id, target_id)
        elif operation == "copy":
            answer = pds.files.copy(drive_id, file_id, target_id)
        elif operation == "trash":
            answer = pds.files.trash(drive_id, file_id)
        elif operation == "restore":
            answer = pds.files.restore(drive_id, file_id)
        elif operation == "delete":
            answer = pds.files.delete(drive_id, file_id)
        else:
            raise ValueError(operation)
        if answer.get("async_task_id"):
            tasks.append(answer["async_task_id"])
    return tasks


def trash_empty(*, pds: UserPds) -> str:
    """Empty the trash; returns the async task id."""
    answer: str = pds.files.empty_trash(pds.drive_id).get("async_task_id", "")
    return answer
