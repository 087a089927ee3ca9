"""`/v2/image/*` reads of a drive's photos as a whole: the timeline's months (ext, for the
Photos scrubber) and Places (address groups, as the SDK names them)."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import photos
from pds_server.serializers import page_to_pds
from pds_server.serializers.media import address_group_to_pds, time_buckets_to_pds
from pds_server.services import downloads
from pds_server.services.access import Can, DriveGrant
from pds_server.services.pagination import marker_decode, marker_encode
from pds_server.views.common import caller_grant

COVER_THUMBNAIL = "image/resize,m_lfit,w_480,h_480"  # the Photos grid's (services/thumbnails.py)


def listing_grant(caller: Caller, body: dict) -> DriveGrant:
    """The caller's grant on the drive, if it lists anything there."""
    grant = caller_grant(caller, body)
    if not grant.everything and not any(Can.LIST in can for can in grant.roles.values()):
        raise errors.Forbidden("Your role on this drive does not allow that.", code="ForbiddenNoPermission.File")
    return grant


@pds_endpoint("/v2/image/list_time_buckets", scope="FILE.LIST", batchable=True)
def list_time_buckets(request: HttpRequest, caller: Caller, body: dict):
    return time_buckets_to_pds(photos.time_buckets(grant=listing_grant(caller, body)))


def _groups_to_pds(caller: Caller, grant: DriveGrant, body: dict, groups: list[dict]) -> list[dict]:
    image_process = parse_str(body, "image_thumbnail_process", max_length=256) or COVER_THUMBNAIL
    video_process = parse_str(body, "video_thumbnail_process", max_length=256)
    answer = []
    for group in groups:
        cover, url = group["cover"], ""
        if cover is not None and Can.PREVIEW in grant.capabilities(cover):
            process = video_process if cover.category == "video" and video_process.startswith("image/") else ""
            url = downloads.thumbnail_url(base_url=caller.base_url, item=cover, process=process or image_process)
        answer.append(address_group_to_pds(group, cover_url=url))
    return answer


@pds_endpoint("/v2/image/list_address_groups", scope="FILE.LIST", batchable=True)
def list_address_groups(request: HttpRequest, caller: Caller, body: dict):
    grant = listing_grant(caller, body)
    limit = parse_limit(body, default=100, maximum=100)
    marker = parse_str(body, "marker")
    offset = marker_decode(marker, 1)[0] if marker else 0
    if not isinstance(offset, int) or offset < 0:
        raise errors.InvalidParameter("marker is not valid", code="InvalidParameter.Marker")
    groups, more = photos.address_groups(grant=grant, offset=offset, limit=limit)
    return page_to_pds(_groups_to_pds(caller, grant, body, groups), marker_encode([offset + limit]) if more else "")


@pds_endpoint("/v2/image/search_address_groups", scope="FILE.LIST", batchable=True)
def search_address_groups(request: HttpRequest, caller: Caller, body: dict):
    grant = listing_grant(caller, body)
    names = body.get("address_names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) for name in names) or len(names) > 100:
        raise errors.InvalidParameter(
            "address_names is a list of at most 100 names", code="InvalidParameter.AddressNames"
        )
    groups, _ = photos.address_groups(
        grant=grant,
        level=parse_str(body, "address_level", default="city"),
        names=names,
        box=photos.geo_box(parse_str(body, "tl_geo_point"), parse_str(body, "br_geo_point")),
        limit=1000,
    )
    return {"items": _groups_to_pds(caller, grant, body, groups)}
