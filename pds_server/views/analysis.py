"""`/v2/image/list_tags`: the tags local models gave a drive's photos, with counts and covers."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server.api import Caller, parse_str, pds_endpoint
from pds_server.selectors.analysis import drive_tags
from pds_server.serializers.analysis import drive_tag_to_pds
from pds_server.services import downloads
from pds_server.services.access import Can
from pds_server.views.photos import COVER_THUMBNAIL, listing_grant


@pds_endpoint("/v2/image/list_tags", scope="FILE.LIST", batchable=True)
def list_tags(request: HttpRequest, caller: Caller, body: dict):
    grant = listing_grant(caller, body)
    process = parse_str(body, "image_thumbnail_process", max_length=256) or COVER_THUMBNAIL
    tags = []
    for row in drive_tags(grant=grant):
        cover, url = row["cover"], ""
        if cover is not None and Can.PREVIEW in grant.capabilities(cover):
            url = downloads.thumbnail_url(base_url=caller.base_url, item=cover, process=process)
        tags.append(drive_tag_to_pds(row, cover_url=url))
    return {"tags": tags}
