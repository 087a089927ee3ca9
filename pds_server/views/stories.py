"""`/v2/image/*_story` and `find_stories`: albums, as the SDK `alibabacloud-pds20220301`
calls them (CreateStory ... SearchStories, whose path is /v2/image/find_stories).

Who may: reading a drive's albums needs a role on the whole drive that lets one list it;
making, changing and filling them, one that lets one edit it (the owner, an administrator, a
team drive's editors). Each file put in also needs a role that lets the caller see it
(Can.PREVIEW), by services/access.py as every file endpoint.
"""

from __future__ import annotations

from django.http import HttpRequest

from pds_server import errors
from pds_server.api import Caller, parse_bool, parse_int, parse_limit, parse_str, pds_endpoint
from pds_server.selectors import stories as story_selectors
from pds_server.selectors.files import file_get
from pds_server.serializers import page_to_pds
from pds_server.serializers.stories import (
    story_created_to_pds,
    story_files_added_to_pds,
    story_ref_to_pds,
    story_to_pds,
)
from pds_server.services import downloads, stories
from pds_server.services.access import Can, DriveGrant
from pds_server.views.common import caller_grant, serialize


def grant_for(caller: Caller, body: dict, need: Can) -> tuple[DriveGrant, frozenset[Can]]:
    """The drive named in the body, when the caller's role on the whole drive allows `need`."""
    grant = caller_grant(caller, body)
    return grant, grant.require(None, need)


def story_of(grant: DriveGrant, body: dict):
    return story_selectors.story_get(
        drive=grant.drive, story_id=parse_str(body, "story_id", required=True, max_length=64)
    )


def expire_sec(body: dict) -> int:
    seconds = parse_int(body, "url_expire_sec", default=downloads.DEFAULT_EXPIRE_SEC, minimum=10)
    return min(seconds or downloads.DEFAULT_EXPIRE_SEC, downloads.MAX_EXPIRE_SEC)


@pds_endpoint("/v2/image/create_story", scope="FILE.CREATE")
def create_story(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    story = stories.story_create(
        drive=grant.drive,
        creator=caller.user_id,
        story_id=parse_str(body, "story_id", max_length=64),
        story_name=body.get("story_name"),
        story_type=parse_str(body, "story_type", required=True, max_length=32),
        story_sub_type=parse_str(body, "story_sub_type", max_length=32),
        story_start_time=stories.parse_time(body.get("story_start_time"), "StoryStartTime"),
        story_end_time=stories.parse_time(body.get("story_end_time"), "StoryEndTime"),
        custom_labels=body.get("custom_labels"),
    )
    return story_created_to_pds(story)


@pds_endpoint("/v2/image/get_story", scope="FILE.GET")
def get_story(request: HttpRequest, caller: Caller, body: dict):
    grant, can = grant_for(caller, body, Can.LIST)
    story = story_of(grant, body)
    files = []
    for item in story_selectors.story_files(story=story):
        answer = serialize(caller, item, body, can=can)
        if "thumbnail" in answer.get("thumbnail_urls", {}):  # image_thumbnail_process, as file/get's legacy field
            answer["thumbnail"] = answer["thumbnail_urls"]["thumbnail"]
        files.append(answer)
    return story_to_pds(
        story,
        base_url=caller.base_url,
        cover=story_selectors.covers_of([story]).get(story.pk),
        cover_process=parse_str(body, "cover_image_thumbnail_process", max_length=256),
        files=files,
        expire_sec=expire_sec(body),
        previews=Can.PREVIEW in can,
    )


@pds_endpoint("/v2/image/update_story", scope="FILE.UPDATE")
def update_story(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    story = story_of(grant, body)
    cover = body.get("cover")
    if cover is not None and not isinstance(cover, dict):
        raise errors.InvalidParameter("cover must be an object {file_id}", code="InvalidParameter.Cover")
    stories.story_update(
        story=story,
        story_name=body.get("story_name"),
        cover_file_id=parse_str(cover, "file_id", max_length=50) if cover is not None else None,
        custom_labels=body.get("custom_labels"),
    )
    return story_ref_to_pds(grant.drive, story.story_id)


@pds_endpoint("/v2/image/delete_story", scope="FILE.DELETE")
def delete_story(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    story = story_of(grant, body)
    stories.story_delete(story=story)
    return story_ref_to_pds(grant.drive, story.story_id)


def files_of(body: dict) -> list[dict]:
    """`files`: [{file_id, revision_id, drive_id}], at most MAX_FILES_PER_CALL."""
    files = body.get("files")
    if files is None:
        raise errors.MissingParameter("files")
    if not isinstance(files, list) or not all(isinstance(entry, dict) for entry in files):
        raise errors.InvalidParameter("files must be a list of {file_id}", code="InvalidParameter.Files")
    stories.check_call_size(len(files))
    for entry in files:
        parse_str(entry, "file_id", required=True, max_length=50)
        parse_str(entry, "revision_id", max_length=64)
        parse_str(entry, "drive_id", max_length=32)
    return files


@pds_endpoint("/v2/image/add_story_files", scope="FILE.UPDATE")
def add_story_files(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    story = story_of(grant, body)
    results, items = [], []
    for entry in files_of(body):
        result = {"file_id": entry["file_id"], "revision_id": entry.get("revision_id") or ""}
        try:
            if entry.get("drive_id") and str(entry["drive_id"]) != grant.drive.drive_id:
                raise errors.InvalidParameter("The file is in another drive.", code="InvalidParameter.DriveId")
            item = file_get(drive=grant.drive, file_id=entry["file_id"])
            grant.require(item, Can.PREVIEW)
            refusal = stories.story_file_refusal(story=story, item=item)
            if refusal is not None:
                raise refusal
            items.append(item)
            result["revision_id"] = result["revision_id"] or item.revision_id
        except errors.PdsError as error:
            result.update(error_code=error.code, error_message=error.message)
        results.append(result)
    stories.story_files_add(story=story, items=items)
    return story_files_added_to_pds(story, results)


@pds_endpoint("/v2/image/remove_story_files", scope="FILE.UPDATE")
def remove_story_files(request: HttpRequest, caller: Caller, body: dict):
    grant, _ = grant_for(caller, body, Can.EDIT)
    story = story_of(grant, body)
    stories.story_files_remove(story=story, file_ids=[entry["file_id"] for entry in files_of(body)])
    return story_ref_to_pds(grant.drive, story.story_id)


def time_range(body: dict, name: str) -> story_selectors.TimeRange:
    span = body.get(name)
    if span in (None, ""):
        return story_selectors.TimeRange()
    if not isinstance(span, dict):
        raise errors.InvalidParameter(f"{name} must be an object {{start, end}}", code=f"InvalidParameter.{name}")
    return story_selectors.TimeRange(
        start=stories.parse_time(span.get("start"), name), end=stories.parse_time(span.get("end"), name)
    )


def labels_of(text: str) -> tuple[tuple[str, str, bool], ...]:
    """custom_labels as find_stories takes them: "key1=value1,key2!=value2"."""
    labels = []
    for condition in filter(None, (part.strip() for part in text.split(","))):
        equal = "!=" not in condition
        key, _, value = condition.partition("=" if equal else "!=")
        if not key.strip():
            raise errors.InvalidParameter(
                'custom_labels must be "key=value" conditions joined by ","', code="InvalidParameter.CustomLabels"
            )
        labels.append((key.strip(), value.strip(), equal))
    return tuple(labels[: stories.MAX_LABELS])


def story_filter(body: dict) -> story_selectors.StoryFilter:
    face_group_ids = body.get("face_group_ids") or []
    if not isinstance(face_group_ids, list):
        raise errors.InvalidParameter("face_group_ids must be a list", code="InvalidParameter.FaceGroupIds")
    return story_selectors.StoryFilter(
        story_id=parse_str(body, "story_id", max_length=64),
        story_name=parse_str(body, "story_name", max_length=stories.MAX_NAME_LENGTH),
        story_type=parse_str(body, "story_type", max_length=32),
        create_time=time_range(body, "create_time_range"),
        start_time=time_range(body, "story_start_time_range"),
        end_time=time_range(body, "story_end_time_range"),
        labels=labels_of(parse_str(body, "custom_labels", max_length=4096)),
        face_group_ids=tuple(str(group_id) for group_id in face_group_ids),
        with_empty_stories=parse_bool(body.get("with_empty_stories"), "with_empty_stories"),
    )


@pds_endpoint("/v2/image/find_stories", scope="FILE.LIST")
def find_stories(request: HttpRequest, caller: Caller, body: dict):
    grant, can = grant_for(caller, body, Can.LIST)
    order = parse_str(body, "order", default="desc").lower()
    if order not in ("asc", "desc"):
        raise errors.InvalidParameter("order must be asc or desc", code="InvalidParameter.Order")
    items, next_marker = story_selectors.stories_find(
        drive=grant.drive,
        where=story_filter(body),
        sort=parse_str(body, "sort", max_length=32),
        descending=order == "desc",
        limit=parse_limit(body, default=100, maximum=100),
        marker=parse_str(body, "marker"),
    )
    covers = story_selectors.covers_of(items)
    process = parse_str(body, "cover_image_thumbnail_process", max_length=256)
    seconds = expire_sec(body)
    answers = [
        story_to_pds(
            story,
            base_url=caller.base_url,
            cover=covers.get(story.pk),
            cover_process=process,
            expire_sec=seconds,
            previews=Can.PREVIEW in can,
        )
        for story in items
    ]
    return page_to_pds(answers, next_marker)
