"""Albums (PDS stories, `/v2/image/*_story`): made, renamed, given a cover and labels,
filled and emptied, deleted.

Rules (pds-api.md style errors): a name of at most 256 characters; at most 10,000 files in
an album and 100 per add or remove; only files (not folders) of the album's own drive,
outside the recycle bin, go in; adding a file twice changes nothing. Who may do what is the
views' question (services/access.py through views/common.py), not this module's.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from pds_server import errors
from pds_server.models import Drive, File, ShareLink, Story, StoryFile
from pds_server.routers import PDS_DB

MAX_NAME_LENGTH = 256
MAX_STORY_FILES = 10_000
MAX_FILES_PER_CALL = 100
MAX_LABELS = 50
MAX_LABEL_KEY = 128
MAX_LABEL_VALUE = 1024
STORY_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
STORY_TYPE = re.compile(r"^[A-Za-z0-9_]{1,32}$")


def parse_time(value: object, name: str) -> datetime | None:
    """An RFC 3339 time ("" or None: none); without a zone it is UTC."""
    if value in (None, ""):
        return None
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00").replace("z", "+00:00"))
        moment = (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).astimezone(UTC)
    except (ValueError, OverflowError):
        raise errors.InvalidParameter(f"{name} must be an RFC 3339 time", code=f"InvalidParameter.{name}") from None
    if not 1 < moment.year < 9999:  # a row the database driver could not read back
        raise errors.InvalidParameter(f"{name} is out of range", code=f"InvalidParameter.{name}")
    return moment


def valid_name(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise errors.InvalidParameter("story_name must be a non-empty string", code="InvalidParameter.StoryName")
    if len(value) > MAX_NAME_LENGTH:
        raise errors.InvalidParameter(
            f"story_name is longer than {MAX_NAME_LENGTH} characters", code="InvalidParameter.StoryName"
        )
    return value


def valid_labels(value: object) -> dict[str, str]:
    """custom_labels: a map of strings (the SDK's Dict[str, str])."""
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_LABELS:
        raise errors.InvalidParameter(
            f"custom_labels must be a map of at most {MAX_LABELS} labels", code="InvalidParameter.CustomLabels"
        )
    for key, label in value.items():
        if not key or len(key) > MAX_LABEL_KEY or not isinstance(label, str) or len(label) > MAX_LABEL_VALUE:
            raise errors.InvalidParameter(
                f"each custom label needs a key of 1-{MAX_LABEL_KEY} characters and a string value of at most "
                f"{MAX_LABEL_VALUE}",
                code="InvalidParameter.CustomLabels",
            )
    return dict(value)


def story_create(
    *,
    drive: Drive,
    creator: str,
    story_name: object,
    story_type: str,
    story_id: str = "",
    story_sub_type: str = "",
    story_start_time: datetime | None = None,
    story_end_time: datetime | None = None,
    custom_labels: object = None,
) -> Story:
    """A new, empty album. `story_id` may be chosen by the client (the SDK's create request
    has it, and its answer model has no story_id); else a UUID."""
    if not STORY_TYPE.match(story_type or ""):
        raise errors.InvalidParameter("story_type is required (custom for an album)", code="InvalidParameter.StoryType")
    if story_sub_type and not STORY_TYPE.match(story_sub_type):
        raise errors.InvalidParameter("story_sub_type is not valid", code="InvalidParameter.StorySubType")
    if story_id and not STORY_ID.match(story_id):
        raise errors.InvalidParameter(
            "story_id must be 1-40 letters, digits, '-' or '_'", code="InvalidParameter.StoryId"
        )
    if story_start_time and story_end_time and story_start_time > story_end_time:
        raise errors.InvalidParameter(
            "story_start_time is after story_end_time", code="InvalidParameter.StoryStartTime"
        )
    now = timezone.now()
    story = Story(
        story_id=story_id or str(uuid.uuid4()),
        drive=drive,
        story_name=valid_name(story_name),
        story_type=story_type,
        story_sub_type=story_sub_type,
        story_start_time=story_start_time,
        story_end_time=story_end_time,
        custom_labels=valid_labels(custom_labels),
        creator=creator,
        created_at=now,
        updated_at=now,
    )
    try:
        with transaction.atomic(using=PDS_DB):
            story.save()
    except IntegrityError:
        raise errors.AlreadyExist("Story", "An album with this story_id already exists.") from None
    return story


def story_update(
    *,
    story: Story,
    story_name: object = None,
    cover_file_id: str | None = None,
    custom_labels: object = None,
) -> Story:
    """Rename, choose the cover (one of the album's files; "" for the automatic one) or
    replace the labels; a field left None stays."""
    if story_name is not None:
        story.story_name = valid_name(story_name)
    if cover_file_id is not None:
        if cover_file_id and not StoryFile.objects.filter(story=story, file__file_id=cover_file_id).exists():
            raise errors.InvalidParameter("The cover must be one of the album's files.", code="InvalidParameter.Cover")
        story.cover_file_id = cover_file_id
    if custom_labels is not None:
        story.custom_labels = valid_labels(custom_labels)
    story.updated_at = timezone.now()
    story.save(update_fields=["story_name", "cover_file_id", "custom_labels", "updated_at"])
    return story


def story_delete(*, story: Story) -> None:
    """The album goes (its files stay where they are), and its links stop working."""
    with transaction.atomic(using=PDS_DB):
        ShareLink.objects.filter(drive=story.drive, story_id=story.story_id, cancelled_at__isnull=True).update(
            cancelled_at=timezone.now()
        )
        story.delete()


def check_call_size(count: int) -> None:
    if count == 0:
        raise errors.MissingParameter("files")
    if count > MAX_FILES_PER_CALL:
        raise errors.InvalidParameter(
            f"files holds at most {MAX_FILES_PER_CALL} files per call", code="InvalidParameter.Files"
        )


def story_file_refusal(*, story: Story, item: File) -> errors.PdsError | None:
    """Why `item` (which the caller may read) cannot go into the album, or None."""
    if item.drive_id != story.drive_id:
        return errors.InvalidParameter("The file is in another drive.", code="InvalidParameter.DriveId")
    if item.type != File.Type.FILE:
        return errors.InvalidParameter("Only files, not folders, go into an album.", code="InvalidParameter.FileType")
    if item.trashed:
        return errors.Forbidden("The file is in the recycle bin.", code="ForbiddenFileInTheRecycleBin")
    return None


def story_files_add(*, story: Story, items: list[File]) -> int:
    """Add files at the end, in the order given; those already in stay where they are.
    Refused whole when the album would hold more than MAX_STORY_FILES."""
    with transaction.atomic(using=PDS_DB):
        Story.objects.select_for_update().filter(pk=story.pk).first()  # one add at a time per album
        present = set(StoryFile.objects.filter(story=story, file__in=items).values_list("file_id", flat=True))
        new = list({item.pk: item for item in items if item.pk not in present}.values())
        if not new:
            return 0
        if StoryFile.objects.filter(story=story).count() + len(new) > MAX_STORY_FILES:
            raise errors.InvalidParameter(
                f"An album holds at most {MAX_STORY_FILES} files.", code="InvalidParameter.Files"
            )
        last = StoryFile.objects.filter(story=story).aggregate(last=Max("position"))["last"]
        start = 0 if last is None else last + 1
        StoryFile.objects.bulk_create(
            [StoryFile(story=story, file=item, position=start + at) for at, item in enumerate(new)]
        )
        Story.objects.filter(pk=story.pk).update(updated_at=timezone.now())
    return len(new)


def story_files_remove(*, story: Story, file_ids: list[str]) -> int:
    """Take files out of the album (they stay in the drive); ids not in it change nothing."""
    with transaction.atomic(using=PDS_DB):
        removed, _ = StoryFile.objects.filter(story=story, file__file_id__in=file_ids).delete()
        if removed:
            Story.objects.filter(pk=story.pk).update(updated_at=timezone.now())
    return removed
