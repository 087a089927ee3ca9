"""Typed file, recycle-bin and async-task calls made with one caller's token."""

from __future__ import annotations

from pds_client import errors
from pds_client.client import JSON, CallerAPI


class FilesAPI(CallerAPI):
    """Reads retry on transient faults; changes never retry blindly."""

    # --- reads ----------------------------------------------------------------------------

    def list_folder(
        self,
        drive_id: str,
        parent_file_id: str,
        *,
        limit: int = 100,
        marker: str = "",
        order_by: str = "name",
        order_direction: str = "ASC",
        thumbnail_processes: JSON | None = None,
        type_: str = "",
    ) -> JSON:
        body: JSON = {
            "drive_id": drive_id,
            "parent_file_id": parent_file_id,
            "limit": limit,
            "marker": marker,
            "order_by": order_by,
            "order_direction": order_direction,
        }
        if type_:
            body["type"] = type_  # "folder": a folder's subfolders only
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self._read("file/list", body)

    def get(self, drive_id: str, file_id: str, *, thumbnail_processes: JSON | None = None) -> JSON:
        body: JSON = {"drive_id": drive_id, "file_id": file_id}
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self._read("file/get", body)

    def search(
        self, drive_id: str, query: str, *, limit: int = 50, marker: str = "", order_by: str = "updated_at DESC"
    ) -> JSON:
        body = {"drive_id": drive_id, "query": query, "limit": limit, "marker": marker, "order_by": order_by}
        return self._read("file/search", body)

    def get_with_download_url(
        self, drive_id: str, file_id: str, *, expire_sec: int = 900, response_content_type: str = ""
    ) -> tuple[JSON, JSON]:
        """file/get and file/get_download_url in one round trip (/v2/batch): a download
        needs both the file's name and type and its signed URL. `response_content_type`
        is the type the signed URL answers with (empty: the file's own)."""
        ids = {"drive_id": drive_id, "file_id": file_id}
        url_body = {**ids, "expire_sec": expire_sec}
        if response_content_type:
            url_body["response_content_type"] = response_content_type
        answers = self.batch(
            [
                {"id": "get", "method": "POST", "url": "/file/get", "body": ids},
                {
                    "id": "url",
                    "method": "POST",
                    "url": "/file/get_download_url",
                    "body": url_body,
                },
            ],
            idempotent=True,
        )
        return answers["get"], answers["url"]

    def _batch_answers(self, calls: list[JSON], *, idempotent: bool) -> dict[str, tuple[int, JSON]]:
        """One /v2/batch request: each sub-request's (status, body) by its id; a missing or
        non-object body is {}."""
        body = {"requests": calls, "resource": "file"}
        responses = self.client.call("batch", body, token=self.token, idempotent=idempotent)["responses"]
        answers: dict[str, tuple[int, JSON]] = {}
        for response in responses:
            reply = response.get("body")
            answers[response["id"]] = (int(response.get("status", 500)), reply if isinstance(reply, dict) else {})
        return answers

    def batch(self, calls: list[JSON], *, idempotent: bool = False) -> dict[str, JSON]:
        """Several calls in one request; returns each body by its id and raises the typed
        error of the first that failed."""
        answers = self._batch_answers(calls, idempotent=idempotent)
        for status, reply in answers.values():
            if status >= 400:
                raise errors.error_from_response(status, reply, "")
        return {call_id: reply for call_id, (_, reply) in answers.items()}

    def get_many(
        self, drive_id: str, file_ids: list[str], *, thumbnail_processes: JSON | None = None
    ) -> dict[str, JSON | None]:
        """file/get of each id, up to 100 to a /v2/batch request (the PDS's limit); None for
        an id that is gone (deleted for good), the typed error of any other failure."""
        extra = {"thumbnail_processes": thumbnail_processes} if thumbnail_processes else {}
        found: dict[str, JSON | None] = {}
        for start in range(0, len(file_ids), 100):
            chunk = file_ids[start : start + 100]
            bodies = [{"drive_id": drive_id, "file_id": file_id, **extra} for file_id in chunk]
            calls = [{"id": body["file_id"], "method": "POST", "url": "/file/get", "body": body} for body in bodies]
            for file_id, (status, reply) in self._batch_answers(calls, idempotent=True).items():
                if status >= 400 and status != 404:
                    raise errors.error_from_response(status, reply, "")
                found[file_id] = reply if status < 400 else None
        return found

    def recyclebin(self, drive_id: str, *, limit: int = 100, marker: str = "") -> JSON:
        return self._read("recyclebin/list", {"drive_id": drive_id, "limit": limit, "marker": marker})

    def async_task(self, async_task_id: str) -> JSON:
        return self._read("async_task/get", {"async_task_id": async_task_id})

    def uploaded_parts(self, drive_id: str, file_id: str, upload_id: str) -> JSON:
        body = {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id, "limit": 1000}
        return self._read("file/list_uploaded_parts", body)

    def upload_urls(self, drive_id: str, file_id: str, upload_id: str, part_numbers: list[int]) -> JSON:
        parts = [{"part_number": number} for number in part_numbers]
        body = {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id, "part_info_list": parts}
        return self._read("file/get_upload_url", body)

    # --- changes --------------------------------------------------------------------------

    def create_folder(self, drive_id: str, parent_file_id: str, name: str, *, check_name_mode: str = "refuse") -> JSON:
        body = {
            "drive_id": drive_id,
            "parent_file_id": parent_file_id,
            "name": name,
            "type": "folder",
            "check_name_mode": check_name_mode,
        }
        return self._change("file/create", body)

    def create_file(self, body: JSON) -> JSON:
        return self._change("file/create", {**body, "type": "file"})

    def complete(self, drive_id: str, file_id: str, upload_id: str) -> JSON:
        # Harmless to repeat (the server makes complete idempotent).
        return self._read("file/complete", {"drive_id": drive_id, "file_id": file_id, "upload_id": upload_id})

    def rename(self, drive_id: str, file_id: str, name: str) -> JSON:
        body = {"drive_id": drive_id, "file_id": file_id, "name": name, "check_name_mode": "refuse"}
        return self._change("file/update", body)

    def move(self, drive_id: str, file_id: str, to_parent_file_id: str) -> JSON:
        body = {
            "drive_id": drive_id,
            "file_id": file_id,
            "to_parent_file_id": to_parent_file_id,
            "check_name_mode": "auto_rename",
        }
        return self._change("file/move", body)

    def copy(self, drive_id: str, file_id: str, to_parent_file_id: str) -> JSON:
        body = {"drive_id": drive_id, "file_id": file_id, "to_parent_file_id": to_parent_file_id, "auto_rename": True}
        return self._change("file/copy", body)

    def trash(self, drive_id: str, file_id: str) -> JSON:
        return self._change("recyclebin/trash", {"drive_id": drive_id, "file_id": file_id})

    def restore(self, drive_id: str, file_id: str) -> JSON:
        return self._change("recyclebin/restore", {"drive_id": drive_id, "file_id": file_id})

    def delete(self, drive_id: str, file_id: str) -> JSON:
        return self._change("file/delete", {"drive_id": drive_id, "file_id": file_id})

    def empty_trash(self, drive_id: str) -> JSON:
        return self._change("recyclebin/clear", {"drive_id": drive_id})

    # --- many at once (the folder page's selection) -----------------------------------------

    def count_children(self, drive_id: str, parent_file_id: str) -> int:
        """How many items a folder holds (file/search's total_count), whatever its size."""
        quoted = '"' + parent_file_id.replace("\\", "\\\\").replace('"', '\\"') + '"'
        body = {"drive_id": drive_id, "query": f"parent_file_id = {quoted}", "limit": 1, "return_total_count": True}
        return int(self._read("file/search", body).get("total_count") or 0)

    def change_many(
        self, drive_id: str, operation: str, file_ids: list[str], *, to_parent_file_id: str = ""
    ) -> list[tuple[str, int, JSON]]:
        """One move, copy, trash, restore or delete for each of up to 100 files in one /v2/batch call
        (bodies as the single calls above); returns (file_id, status, body) for each, failures
        included, so the caller knows which were done."""
        paths = {
            "move": "/file/move",
            "copy": "/file/copy",
            "trash": "/recyclebin/trash",
            "restore": "/recyclebin/restore",
            "delete": "/file/delete",
        }
        calls = []
        for index, file_id in enumerate(file_ids):
            body: JSON = {"drive_id": drive_id, "file_id": file_id}
            if operation == "move":
                body.update(to_parent_file_id=to_parent_file_id, check_name_mode="auto_rename")
            elif operation == "copy":
                body.update(to_parent_file_id=to_parent_file_id, auto_rename=True)
            calls.append({"id": str(index), "method": "POST", "url": paths[operation], "body": body})
        answers = self._batch_answers(calls, idempotent=False)
        return [(file_id, *answers.get(str(index), (500, {}))) for index, file_id in enumerate(file_ids)]

    def list_subfolders(self, drive_id: str, parent_file_id: str, *, limit: int = 200, marker: str = "") -> JSON:
        """One page of a folder's folders only, by name (the move and copy dialog)."""
        body = {
            "drive_id": drive_id,
            "parent_file_id": parent_file_id,
            "type": "folder",
            "limit": limit,
            "marker": marker,
            "order_by": "name",
            "order_direction": "ASC",
        }
        return self._read("file/list", body)
