"""What the drive pages change, over the PDS API as the signed-in user (accounts.user_pds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.user_pds import UserPds
from files import selectors
from files.errors import InvalidInput, NameTaken, message_of
from pds_client import errors as pds_errors

JSON = dict[str, Any]
# The most sub-requests one PDS /v2/batch call takes.
BATCH_SIZE = 100
OPERATIONS = ("move", "copy", "trash", "restore", "delete")
# The most items one "all in this folder" operation acts on, in one request (about 100 PDS
# batch calls); a bigger folder is moved or trashed as the folder itself.
MAX_ALL = 10_000


@dataclass
class Applied:
    """What an operation on a selection did: the ids the PDS did (or started: `tasks` are
    its async tasks for big folders), and how many it refused, with the first reason."""

    done: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # the copies' ids
    tasks: list[str] = field(default_factory=list)
    failed: int = 0
    error: str = ""


def folder_create(*, pds: UserPds, parent_id: str, name: str) -> JSON:
    created = pds.files.create_folder(pds.drive_id, parent_id, name)
    if created.get("exist"):
        raise NameTaken(f"“{name}” already exists here.")
    return created


def file_rename(*, pds: UserPds, file_id: str, name: str) -> JSON:
    return pds.files.rename(pds.drive_id, file_id, name)


def files_apply(*, pds: UserPds, operation: str, file_ids: list[str], target_id: str = "", all_in: str = "") -> Applied:
    """Move, copy, trash, restore or delete several items, BATCH_SIZE to a PDS batch call;
    `all_in`: every item of that folder instead of `file_ids`, listed on the server, so the
    whole folder is done whatever the page had loaded, up to MAX_ALL items (more is refused
    before anything is done). Raises the first refusal when nothing could be done."""
    if operation not in OPERATIONS:
        raise InvalidInput(f"Unknown operation “{operation}”.")
    if operation in ("move", "copy") and not target_id:
        raise InvalidInput("Choose the folder to put them in.")
    if all_in:
        file_ids = selectors.folder_child_ids(pds=pds, folder_id=all_in, limit=MAX_ALL + 1)
        if len(file_ids) > MAX_ALL:
            raise InvalidInput(
                f"This folder holds more than {MAX_ALL:,} items: move or trash the folder itself, or select fewer."
            )
    # An item never goes into itself (moving "all" into one of them moves the others).
    ids = [file_id for file_id in dict.fromkeys(file_ids) if file_id != target_id or operation not in ("move", "copy")]
    if not ids:
        raise InvalidInput("Select one or more items first." if not file_ids else "A folder cannot go into itself.")
    applied = Applied()
    first_error: Exception | None = None
    for start in range(0, len(ids), BATCH_SIZE):
        chunk = ids[start : start + BATCH_SIZE]
        for file_id, status, body in pds.files.change_many(pds.drive_id, operation, chunk, to_parent_file_id=target_id):
            if status >= 400:
                applied.failed += 1
                first_error = first_error or pds_errors.error_from_response(status, body, "")
                continue
            applied.done.append(file_id)
            if operation == "copy" and body.get("file_id"):
                applied.created.append(body["file_id"])
            if body.get("async_task_id"):
                applied.tasks.append(body["async_task_id"])
    if first_error is not None:
        if not applied.done:
            raise first_error
        applied.error = message_of(first_error)
    return applied


def trash_empty(*, pds: UserPds) -> str:
    """Empty the trash; returns the async task id."""
    answer: str = pds.files.empty_trash(pds.drive_id).get("async_task_id", "")
    return answer
