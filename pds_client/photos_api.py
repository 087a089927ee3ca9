"""Typed calls of the Photos pages, made with one caller's token: the timeline (file/search by
capture time), its month counts (image/list_time_buckets, an extension) and a video's play
info (file/get_video_preview_play_info). All are reads: they retry on transient faults."""

from __future__ import annotations

from pds_client.client import JSON, CallerAPI

# The most a file/search page holds.
SEARCH_LIMIT = 100


class PhotosAPI(CallerAPI):
    def search_by_time(
        self,
        drive_id: str,
        query: str,
        *,
        limit: int = SEARCH_LIMIT,
        marker: str = "",
        descending: bool = True,
        thumbnail_processes: JSON | None = None,
    ) -> JSON:
        """A page of files matching `query`, by capture time (newest first unless not
        `descending`); files without one are not in it. {items, next_marker}."""
        body: JSON = {
            "drive_id": drive_id,
            "query": query,
            "limit": min(limit, SEARCH_LIMIT),
            "marker": marker,
            "order_by": f"image_time {'DESC' if descending else 'ASC'}",
        }
        if thumbnail_processes:
            body["thumbnail_processes"] = thumbnail_processes
        return self._read("file/search", body)

    def time_buckets(self, drive_id: str) -> list[JSON]:
        """How many photos and videos each month holds, newest first: [{year, month, count}]."""
        items: list[JSON] = self._read("image/list_time_buckets", {"drive_id": drive_id}).get("items") or []
        return items

    def video_play_info(self, drive_id: str, file_id: str, *, url_expire_sec: int = 3600) -> JSON:
        """file/get_video_preview_play_info: the video's renditions, each with its state and
        (when finished) a signed URL the browser can play."""
        body = {
            "drive_id": drive_id,
            "file_id": file_id,
            "category": "quick_video",
            "url_expire_sec": url_expire_sec,
        }
        return self._read("file/get_video_preview_play_info", body)
