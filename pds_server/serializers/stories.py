"""Albums as the SDK's `Story` model (alibabacloud_pds20220301 models/_story.py) and the
answers of the story operations."""

from __future__ import annotations

from pds_server.models import Drive, File, Story
from pds_server.serializers import iso_ms
from pds_server.services import downloads


def story_to_pds(
    story: Story,
    *,
    base_url: str,
    cover: File | None,
    cover_process: str = "",
    files: list[dict] | None = None,
    expire_sec: int = downloads.DEFAULT_EXPIRE_SEC,
    previews: bool = True,
) -> dict:
    """`files`: the File bodies of story_file_list (get_story), or None to leave it out
    (find_stories). `cover`: the cover shown (None in an album with nothing to show), its
    thumbnail signed here unless the caller may not see `previews`. The times are those
    `selectors.stories.stories_of` annotated. `file_count` is ours (ext)."""
    start_at = getattr(story, "start_at", story.story_start_time)
    end_at = getattr(story, "end_at", story.story_end_time)
    body: dict = {
        "drive_id": story.drive.drive_id,
        "story_id": story.story_id,
        "story_name": story.story_name,
        "story_type": story.story_type,
        "story_sub_type": story.story_sub_type,
        "story_start_time": iso_ms(start_at),
        "story_end_time": iso_ms(end_at),
        "created_at": iso_ms(story.created_at),
        "updated_at": iso_ms(story.updated_at),
        "custom_labels": story.custom_labels or {},
        "cover_file_id": cover.file_id if cover is not None else "",
        "cover_file_thumbnail_url": "",
        "file_count": getattr(story, "file_count", 0),
    }
    if previews and cover is not None and cover.content_hash:
        body["cover_file_thumbnail_url"] = downloads.thumbnail_url(
            base_url=base_url, item=cover, process=cover_process or downloads.DEFAULT_THUMBNAIL, expire_sec=expire_sec
        )
    if files is not None:
        body["story_file_list"] = files
    return body


def story_created_to_pds(story: Story) -> dict:
    return {"drive_id": story.drive.drive_id, "story_id": story.story_id}


def story_files_added_to_pds(story: Story, results: list[dict]) -> dict:
    """AddStoryFilesResponseBody: each file asked for, with error_code/error_message when it
    was not added."""
    return {"drive_id": story.drive.drive_id, "story_id": story.story_id, "files": results}


def story_ref_to_pds(drive: Drive, story_id: str) -> dict:
    return {"drive_id": drive.drive_id, "story_id": story_id}
