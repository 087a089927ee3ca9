"""Typed calls of the image analysis pages, made with one caller's token: the drive's
near-duplicate clusters (image/create_similar_image_cluster_task, an async task, and
image/query_similar_image_clusters — the SDK's search_similar_image_clusters), and the
Photos search by content (file/search with the `keyword match` extension). Reads retry on
transient faults; starting a task does not."""

from __future__ import annotations

from pds_client.client import JSON, CallerAPI

# The most a file/search page or a page of clusters holds.
SEARCH_LIMIT = 100
CLUSTER_LIMIT = 100
MEDIA = 'category in ["image", "video"]'


def quoted(value: str) -> str:
    """A string value of a file/search query, with its quotes and backslashes escaped."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class AnalysisAPI(CallerAPI):
    def create_similar_cluster_task(self, drive_id: str) -> str:
        """Start finding the drive's near-duplicate photos again; the async task's id (ask
        async_task/get until it is no longer Running)."""
        answer = self._change("image/create_similar_image_cluster_task", {"drive_id": drive_id})
        return str(answer.get("task_id") or answer.get("async_task_id") or "")

    def async_task(self, async_task_id: str) -> JSON:
        """async_task/get: {state (Running, Succeed, Failed, PartialSucceed), error_message, ...}."""
        return self._read("async_task/get", {"async_task_id": async_task_id})

    def similar_clusters(
        self, drive_id: str, *, limit: int = CLUSTER_LIMIT, marker: str = "", thumbnail_process: str = ""
    ) -> JSON:
        """A page of the drive's clusters as the last task found them, each one's files best
        first (largest, then sharpest): {similar_image_clusters: [{files}], next_marker}."""
        body: JSON = {"drive_id": drive_id, "limit": min(limit, CLUSTER_LIMIT), "marker": marker}
        if thumbnail_process:
            body["image_thumbnail_process"] = thumbnail_process
        return self._read("image/query_similar_image_clusters", body)

    def search_content(
        self,
        drive_id: str,
        words: str,
        *,
        limit: int = SEARCH_LIMIT,
        marker: str = "",
        thumbnail_processes: JSON | None = None,
    ) -> JSON:
        """Photos and videos whose name, text, tags, people, place or date match every word
        of `words` (our `keyword match` extension of file/search), newest capture first:
        {items, next_marker}."""
        body: JSON = {
            "drive_id": drive_id,
            "query": f"keyword match {quoted(words)} and {MEDIA}",
            "limit": min(limit, SEARCH_LIMIT),
            "marker": marker,
            "order_by": "image_time DESC",
        }
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self._read("file/search", body)
