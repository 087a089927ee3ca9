"""`/v2/image/create_similar_image_cluster_task` and `/v2/image/query_similar_image_clusters`
(the SDK's search_similar_image_clusters): near-duplicate photos of a drive, found by an
async task (polled with `async_task/get`) and listed a page of clusters at a time."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import similar
from pds_server.services.access import Can
from pds_server.services.analysis import similar_clusters
from pds_server.services.pagination import marker_decode, marker_encode
from pds_server.views.common import caller_grant, serialize
from pds_server.views.photos import COVER_THUMBNAIL, listing_grant

MARKER_KIND = "similar_clusters"


@pds_endpoint("/v2/image/create_similar_image_cluster_task", scope="FILE.LIST")
def create_similar_image_cluster_task(request: HttpRequest, caller: Caller, body: dict):
    """Whoever may list the whole drive (its owner, an administrator, a role on its root):
    the clusters are the drive's. Answers {task_id}, an async task id."""
    grant = caller_grant(caller, body)
    if not grant.everything and Can.LIST not in grant.capabilities(None):
        raise errors.Forbidden("Your role on this drive does not allow that.", code="ForbiddenNoPermission.File")
    task = similar_clusters.create_similar_image_cluster_task(drive=grant.drive, user_id=caller.user_id)
    return {"task_id": task.async_task_id}


def parse_marker(marker: str, order: str) -> tuple[int, int] | None:
    if not marker:
        return None
    count, pk = marker_decode(marker, 2, kind=f"{MARKER_KIND}:{order}")
    if not isinstance(count, int) or not isinstance(pk, int):
        raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
    return count, pk


@pds_endpoint("/v2/image/query_similar_image_clusters", scope="FILE.LIST", batchable=True)
def search_similar_image_clusters(request: HttpRequest, caller: Caller, body: dict):
    """Clusters with the most photos first (`order` "desc", the default) or the fewest
    ("asc"); each cluster's files best first (largest, sharpest, oldest), only those the
    caller may list, and only clusters still holding two of them."""
    grant = listing_grant(caller, body)
    order = parse_str(body, "order", default="desc", max_length=8).lower()
    if order not in similar.ORDERS:
        raise errors.InvalidParameter("order must be asc or desc", code="InvalidParameter.Order")
    limit = parse_limit(body, default=20, maximum=100)
    after = parse_marker(parse_str(body, "marker", max_length=1024), order)
    clusters, more = similar.cluster_page(drive=grant.drive, order=order, limit=limit, after=after)
    options = {**body, "image_thumbnail_process": parse_str(body, "image_thumbnail_process") or COVER_THUMBNAIL}
    answer = []
    for cluster in clusters:
        files = []
        for item in cluster.live_files:  # type: ignore[attr-defined]
            can = grant.capabilities(item)
            if Can.LIST not in can:
                continue
            shaped = serialize(caller, item, options, can=can)
            if "thumbnail" in shaped.get("thumbnail_urls", {}):  # the SDK File's `thumbnail`
                shaped["thumbnail"] = shaped["thumbnail_urls"]["thumbnail"]
            files.append(shaped)
        if len(files) > 1:
            answer.append({"cluster_id": cluster.cluster_id, "image_count": len(files), "files": files})
    last = clusters[-1] if clusters else None
    next_marker = marker_encode([last.image_count, last.pk], kind=f"{MARKER_KIND}:{order}") if more and last else ""
    return {"similar_image_clusters": answer, "next_marker": next_marker}
