"""Playing videos: `file/get_video_preview_play_info` (a signed URL of a browser-playable
form of the video, with Range) and `file/get_video_preview_play_meta` (its state and
size, no URL), for whoever may preview the file: a drive's user (PREVIEW) or a share's
visitor (x-share-token with share_id), unless the share disables previews."""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_str, pds_endpoint
from pds_server.models import File
from pds_server.serializers.videos import video_play_to_pds
from pds_server.services.access import Can
from pds_server.services.downloads import DEFAULT_EXPIRE_SEC
from pds_server.services.media.video_play import play_info
from pds_server.views.common import readable_file

CATEGORIES = ("live_transcoding", "quick_video", "offline_video", "offline_audio")


def playable_file(caller: Caller, body: dict) -> File:
    item = readable_file(caller, body, Can.PREVIEW)
    if caller.share is not None and caller.share.disable_preview:
        raise errors.Forbidden("Previews are disabled for this share.", code="ForbiddenSharePreviewDisabled")
    return item


def category_of(body: dict) -> str:
    category = parse_str(body, "category", default="live_transcoding")
    if category not in CATEGORIES:
        raise errors.InvalidParameter(
            f"category must be one of {', '.join(CATEGORIES)}", code="InvalidParameter.Category"
        )
    return category


@pds_endpoint("/v2/file/get_video_preview_play_info", scope="FILE.GET", auth="share", batchable=True)
def file_get_video_preview_play_info(request: HttpRequest, caller: Caller, body: dict):
    category = category_of(body)
    item = playable_file(caller, body)
    info = play_info(
        item=item,
        base_url=caller.base_url,
        expire_sec=parse_int(body, "url_expire_sec", default=DEFAULT_EXPIRE_SEC) or 0,
        with_url=not parse_bool(body.get("get_without_url"), "get_without_url"),
    )
    template_id = parse_str(body, "template_id", max_length=64)
    return video_play_to_pds(item, info, category=category, template_id=template_id, share=caller.share)


@pds_endpoint("/v2/file/get_video_preview_play_meta", scope="FILE.GET", auth="share", batchable=True)
def file_get_video_preview_play_meta(request: HttpRequest, caller: Caller, body: dict):
    category = category_of(body)
    item = playable_file(caller, body)
    info = play_info(item=item, base_url=caller.base_url, expire_sec=DEFAULT_EXPIRE_SEC, with_url=False)
    return video_play_to_pds(item, info, category=category, template_id="", share=caller.share, meta=True)
