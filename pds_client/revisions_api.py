"""A file's revisions (`/v2/file/revision/*`) and its activity (`/v2/audit_log/list`), with one
caller's token. Every version of a file, the latest included, is a revision."""

from __future__ import annotations

from pds_client.client import JSON, CallerAPI


class RevisionsAPI(CallerAPI):
    """Reads and settings retry on transient faults; restore and delete never retry blindly
    (a second restore would add one more revision)."""

    # --- revisions ----------------------------------------------------------------------------

    def list(self, drive_id: str, file_id: str, *, limit: int = 100, marker: str = "") -> JSON:
        """One page of the file's revisions, newest first: {items, next_marker}."""
        body = {"drive_id": drive_id, "file_id": file_id, "limit": limit, "marker": marker}
        return self._read("file/revision/list", body)

    def get(self, drive_id: str, file_id: str, revision_id: str, *, url_expire_sec: int = 900) -> JSON:
        """One revision, with a signed `download_url` (and `url`) of its bytes."""
        body = {"drive_id": drive_id, "file_id": file_id, "revision_id": revision_id, "url_expire_sec": url_expire_sec}
        return self._read("file/revision/get", body)

    def restore(self, drive_id: str, file_id: str, revision_id: str) -> JSON:
        """Make the revision's content the file's again, as a new latest revision (returned)."""
        body = {"drive_id": drive_id, "file_id": file_id, "revision_id": revision_id}
        return self._change("file/revision/restore", body)

    def update(
        self,
        drive_id: str,
        file_id: str,
        revision_id: str,
        *,
        keep_forever: bool | None = None,
        revision_description: str | None = None,
    ) -> JSON:
        """Change a revision's settings; a field left None stays as it is."""
        body: JSON = {"drive_id": drive_id, "file_id": file_id, "revision_id": revision_id}
        if keep_forever is not None:
            body["keep_forever"] = keep_forever
        if revision_description is not None:
            body["revision_description"] = revision_description
        return self._read("file/revision/update", body)  # setting a value twice is harmless

    def delete(self, drive_id: str, file_id: str, revision_id: str) -> None:
        """Delete a revision other than the latest."""
        body = {"drive_id": drive_id, "file_id": file_id, "revision_id": revision_id}
        self._change("file/revision/delete", body)

    # --- activity -----------------------------------------------------------------------------

    def activity(self, drive_id: str, file_id: str, *, limit: int = 20, marker: str = "") -> JSON:
        """One page of the audit log's rows about the file, newest first: {items, next_marker}."""
        body = {"drive_id": drive_id, "file_id": file_id, "limit": limit, "marker": marker}
        return self._read("audit_log/list", body)
