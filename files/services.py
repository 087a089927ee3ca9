"""What the drive pages do, as plain functions over the PDS API with the user's token.

Everything goes through pds_client with `accounts.services.with_access_token`, so it works
the same against the embedded PDS and the PDS cloud.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

from accounts.models import Credential
from accounts.services import pds_client, with_access_token
from pds_client import errors as pds_errors
from pds_client.client import FilesAPI

T = TypeVar("T")
ROOT = "root"
PAGE_SIZE = 200  # the most a PDS list page holds
MAX_BREADCRUMB_DEPTH = 64
SORTS = {"name": "name", "size": "size", "modified": "updated_at"}
THUMBNAIL_PROCESSES = {"grid": {"image_thumbnail_process": "image/resize,m_fill,w_256,h_256,limit_0"}}


def with_files(user, call: Callable[[FilesAPI], T]) -> T:
    client = pds_client()
    return with_access_token(user, lambda token: call(FilesAPI(client, token)))


def drive_id_of(user) -> str:
    credential = Credential.objects.filter(user=user).only("default_drive_id").first()
    if credential is not None and credential.default_drive_id:
        return credential.default_drive_id
    drive = with_access_token(user, pds_client().get_default_drive)
    Credential.objects.filter(user=user).update(default_drive_id=drive["drive_id"])
    return drive["drive_id"]


@dataclass
class Listing:
    folder: dict | None
    items: list[dict]
    next_marker: str
    breadcrumbs: list[dict]


def folder_listing(user, *, folder_id: str, sort: str, direction: str, marker: str = "", with_breadcrumbs: bool = True) -> Listing:
    drive_id = drive_id_of(user)

    def run(api: FilesAPI) -> Listing:
        folder = None
        crumbs: list[dict] = []
        if folder_id != ROOT:
            folder = api.get(drive_id, folder_id)
            if folder["type"] != "folder":
                raise pds_errors.NotFound("NotFound.File", "That is not a folder.", 404)
            if with_breadcrumbs:
                crumbs = _ancestors(api, drive_id, folder)
        page = api.list(drive_id, folder_id, limit=PAGE_SIZE, marker=marker, order_by=SORTS.get(sort, "name"), order_direction="DESC" if direction == "desc" else "ASC", thumbnail_processes=THUMBNAIL_PROCESSES)
        return Listing(folder=folder, items=page["items"], next_marker=page["next_marker"], breadcrumbs=crumbs)

    return with_files(user, run)


def _ancestors(api: FilesAPI, drive_id: str, folder: dict) -> list[dict]:
    chain = [folder]
    parent = folder["parent_file_id"]
    while parent != ROOT and len(chain) < MAX_BREADCRUMB_DEPTH:
        item = api.get(drive_id, parent)
        chain.append(item)
        parent = item["parent_file_id"]
    return list(reversed(chain))


def file_get(user, file_id: str) -> dict:
    drive_id = drive_id_of(user)
    return with_files(user, lambda api: api.get(drive_id, file_id))


def folder_create(user, *, parent_id: str, name: str) -> dict:
    drive_id = drive_id_of(user)
    created = with_files(user, lambda api: api.create_folder(drive_id, parent_id, name))
    if created.get("exist"):
        raise pds_errors.AlreadyExist("AlreadyExist.File", f"“{name}” already exists here.", 409)
    return created


def file_rename(user, *, file_id: str, name: str) -> dict:
    drive_id = drive_id_of(user)
    return with_files(user, lambda api: api.rename(drive_id, file_id, name))


def files_apply(user, *, operation: str, file_ids: list[str], target_id: str = "") -> list[str]:
    """Apply an operation to several files; returns async task ids still running."""
    drive_id = drive_id_of(user)

    def run(api: FilesAPI) -> list[str]:
        tasks = []
        for file_id in file_ids:
            if operation == "move":
                answer = api.move(drive_id, file_id, target_id)
            elif operation == "copy":
                answer = api.copy(drive_id, file_id, target_id)
            elif operation == "trash":
                answer = api.trash(drive_id, file_id)
            elif operation == "restore":
                answer = api.restore(drive_id, file_id)
            elif operation == "delete":
                answer = api.delete(drive_id, file_id)
            else:
                raise ValueError(operation)
            if answer.get("async_task_id"):
                tasks.append(answer["async_task_id"])
        return tasks

    return with_files(user, run)


def trash_listing(user, *, marker: str = "") -> tuple[list[dict], str]:
    drive_id = drive_id_of(user)
    page = with_files(user, lambda api: api.recyclebin(drive_id, marker=marker))
    return page["items"], page["next_marker"]


def trash_empty(user) -> str:
    drive_id = drive_id_of(user)
    return with_files(user, lambda api: api.empty_trash(drive_id)).get("async_task_id", "")


def task_state(user, async_task_id: str) -> dict:
    return with_files(user, lambda api: api.async_task(async_task_id))


def quoted(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def search(user, *, text: str, kind: str = "", modified_after: str = "", marker: str = "") -> tuple[list[dict], str]:
    """Names containing `text` (PDS `name match`), optionally of a type and modified since."""
    drive_id = drive_id_of(user)
    terms = [f"name match {quoted(text)}"] if text else []
    if kind in ("file", "folder"):
        terms.append(f"type = {quoted(kind)}")
    elif kind in ("image", "video", "audio", "doc", "zip", "app", "others"):
        terms.append(f"category = {quoted(kind)}")
    if modified_after:
        terms.append(f"updated_at >= {quoted(modified_after + 'T00:00:00')}")
    if not terms:
        return [], ""
    page = with_files(user, lambda api: api.search(drive_id, " and ".join(terms), marker=marker))
    return page["items"], page["next_marker"]


def download_url(user, file_id: str) -> tuple[dict, str]:
    drive_id = drive_id_of(user)

    def run(api: FilesAPI):
        try:
            item, signed = api.get_with_download_url(drive_id, file_id)
        except pds_errors.InvalidParameter:
            # A folder has no download URL: say what to do instead.
            if api.get(drive_id, file_id)["type"] != "file":
                raise pds_errors.InvalidParameter("InvalidParameter.FileId", "Folders download as a zip.", 400) from None
            raise
        if item["type"] != "file":
            raise pds_errors.InvalidParameter("InvalidParameter.FileId", "Folders download as a zip.", 400)
        return item, signed["url"]

    return with_files(user, run)


def thumbnail_url(user, file_id: str) -> str:
    drive_id = drive_id_of(user)
    item = with_files(user, lambda api: api.client.call("file/get", {"drive_id": drive_id, "file_id": file_id, "thumbnail_processes": THUMBNAIL_PROCESSES}, token=api.token, idempotent=True))
    url = (item.get("thumbnail_urls") or {}).get("grid")
    if not url:
        raise pds_errors.NotFound("NotFound.File", "This file has no thumbnail.", 404)
    return url


MAX_ZIP_ENTRIES = 10_000


def zip_entries(user, file_ids: list[str]) -> list[tuple[str, str | None]]:
    """(path in the zip, file_id or None for a folder) for the selection and everything under it."""
    drive_id = drive_id_of(user)

    def run(api: FilesAPI):
        entries: list[tuple[str, str | None]] = []

        def walk(item: dict, prefix: str) -> None:
            path = f"{prefix}{item['name']}"
            if item["type"] == "file":
                entries.append((path, item["file_id"]))
                return
            entries.append((path + "/", None))
            marker = ""
            while True:
                page = api.list(drive_id, item["file_id"], limit=200, marker=marker)
                for child in page["items"]:
                    walk(child, path + "/")
                    if len(entries) > MAX_ZIP_ENTRIES:
                        raise pds_errors.InvalidParameter("InvalidParameter.Zip", f"A zip holds at most {MAX_ZIP_ENTRIES} items.", 400)
                marker = page["next_marker"]
                if not marker:
                    break

        for file_id in file_ids:
            walk(api.get(drive_id, file_id), "")
        return entries

    return with_files(user, run)


def file_bytes(user, file_id: str):
    """A lazy iterator of a file's bytes (the download URL is asked for on first use)."""
    _, url = download_url(user, file_id)
    upstream, chunks = pds_client().download(url)
    try:
        yield from chunks
    finally:
        upstream.close()
