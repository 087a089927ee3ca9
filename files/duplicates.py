"""The Duplicates review of the Photos pages, over the PDS API as the signed-in user: find
the drive's near-duplicate photos again (an async task of the PDS), ask how it is going,
and read the clusters it found, a page at a time. The PDS orders each cluster's photos best
first (largest, then sharpest): the first is the one to keep. Trashing the rest goes through
the folder page's trash path (files.services.files_apply), with its Undo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache, caches
from django.urls import reverse

from accounts.user_pds import UserPds
from files.photos import THUMBNAIL_SIZES, THUMBNAIL_URL_SECONDS, thumbnail_cache_key
from pds_client import AnalysisAPI

JSON = dict[str, Any]
CLUSTER_PAGE = 50
MAX_EMPTY_PAGES = 10  # pages of clusters emptied since (by the trash) passed over at most
# A search started less long ago than this is not started again by a visit ("Look again" does).
FIND_FRESH_SECONDS = 30 * 60


def analysis_api(pds: UserPds) -> AnalysisAPI:
    return AnalysisAPI(pds.client, pds)


@dataclass(frozen=True)
class Copy:
    """One photo of a cluster."""

    file_id: str
    name: str
    size: int
    width: int | None
    height: int | None
    content_hash: str

    @property
    def thumb_url(self) -> str:
        return reverse("files:photos_thumbnail", args=[self.file_id, "480"]) + f"?v={self.content_hash}"

    @property
    def open_url(self) -> str:
        return reverse("files:preview", args=[self.file_id])


@dataclass
class Cluster:
    copies: list[Copy] = field(default_factory=list)  # best first: the one kept unless chosen otherwise


def _int(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def copy_of(item: JSON) -> Copy | None:
    if not item.get("file_id"):
        return None
    meta = item.get("image_media_metadata")
    meta = meta if isinstance(meta, dict) else {}
    return Copy(
        file_id=str(item["file_id"]),
        name=str(item.get("name") or ""),
        size=_int(item.get("size")) or 0,
        width=_int(meta.get("width")),
        height=_int(meta.get("height")),
        content_hash=str(item.get("content_hash") or ""),
    )


def _remember_thumbnails(pds: UserPds, items: list[JSON]) -> None:
    """The grid thumbnails' signed URLs the answer carried, for the page's <img> requests
    (files.photos_info.thumbnail_open): no file/get for each."""
    known = {
        thumbnail_cache_key(pds, str(item["file_id"]), "480"): item["thumbnail"]
        for item in items
        if item.get("file_id") and item.get("thumbnail")
    }
    if known:
        caches["signed_urls"].set_many(known, THUMBNAIL_URL_SECONDS)


def clusters_page(*, pds: UserPds, marker: str = "", limit: int | None = None) -> tuple[list[Cluster], str]:
    """A page of the clusters the last search found, and the next page's marker ("" at the
    end). A cluster left with one photo (the others trashed since) is no longer one; a page
    of only those is passed over (up to MAX_EMPTY_PAGES of them), so that "No duplicates"
    is said only at the end."""
    clusters: list[Cluster] = []
    for _page in range(MAX_EMPTY_PAGES):
        answer = analysis_api(pds).similar_clusters(
            pds.drive_id, limit=limit or CLUSTER_PAGE, marker=marker, thumbnail_process=THUMBNAIL_SIZES["480"]
        )
        for found in answer.get("similar_image_clusters") or []:
            items = [item for item in (found or {}).get("files") or [] if isinstance(item, dict)]
            _remember_thumbnails(pds, items)
            copies = [copy for copy in map(copy_of, items) if copy]
            if len(copies) >= 2:
                clusters.append(Cluster(copies=copies))
        marker = str(answer.get("next_marker") or "")
        if clusters or not marker:
            break
    return clusters, marker


def _last_find_key(pds: UserPds) -> str:
    return f"duplicates-find:{pds.drive_id}"


def last_find(*, pds: UserPds) -> str:
    """The task of the drive's last search when it was started less than FIND_FRESH_SECONDS
    ago (running or done), else ""."""
    return str(cache.get(_last_find_key(pds)) or "")


def find_start(*, pds: UserPds, again: bool = True) -> str:
    """Start looking for the drive's duplicates again; the PDS's async task id. Unless asked
    `again` (the person's "Look again"), a recent search is the answer: the page does not
    start a whole drive's clustering at every visit."""
    recent = "" if again else last_find(pds=pds)
    if recent:
        return recent
    task_id = analysis_api(pds).create_similar_cluster_task(pds.drive_id)
    cache.set(_last_find_key(pds), task_id, FIND_FRESH_SECONDS)
    return task_id


@dataclass(frozen=True)
class TaskState:
    state: str  # Running, Succeed, PartialSucceed or Failed
    error: str

    @property
    def running(self) -> bool:
        return self.state == "Running"


def find_state(*, pds: UserPds, task_id: str) -> TaskState:
    answer = analysis_api(pds).async_task(task_id)
    state = TaskState(state=str(answer.get("state") or ""), error=str(answer.get("error_message") or ""))
    if state.state == "Failed" and last_find(pds=pds) == task_id:
        cache.delete(_last_find_key(pds))  # the next visit looks again
    return state
