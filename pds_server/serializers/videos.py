"""The answers of `file/get_video_preview_play_info` and `file/get_video_preview_play_meta`
(the SDK's GetVideoPreviewPlayInfoResponseBody / GetVideoPreviewPlayMetaResponseBody)."""

from __future__ import annotations

from pds_server.models import File, ShareLink
from pds_server.services.media.video_play import PlayInfo

# The one form we make is listed under each category's list, so a client reads whichever.
LISTS = ("live_transcoding_task_list", "quick_video_list", "offline_video_transcoding_list")


def play_meta_of(info: PlayInfo) -> dict:
    return {
        name: value
        for name, value in (("duration", info.duration), ("width", info.width), ("height", info.height))
        if value is not None
    }


def play_task_of(info: PlayInfo) -> dict:
    task: dict = {"status": info.status}
    if info.template_id:
        task["template_id"] = info.template_id
        task["keep_original_resolution"] = info.keep_original_resolution
    if info.url:
        task["url"] = info.url
    return task


def video_play_to_pds(
    item: File,
    info: PlayInfo,
    *,
    category: str,
    template_id: str,
    share: ShareLink | None,
    meta: bool = False,
) -> dict:
    """`meta`: the `_meta` answer (`video_preview_play_meta`; `info` then has no URL)."""
    tasks = [play_task_of(info)]
    if template_id and info.template_id and template_id != info.template_id:
        tasks = []  # not a definition this video has
    body: dict = {"category": category, "meta": play_meta_of(info)}
    body.update({name: tasks for name in LISTS})
    answer: dict = {
        "domain_id": item.drive.domain.domain_id,
        "drive_id": item.drive.drive_id,
        "file_id": item.file_id,
        "video_preview_play_meta" if meta else "video_preview_play_info": body,
    }
    if share is not None:
        answer["share_id"] = share.share_id
    return answer
