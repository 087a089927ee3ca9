"""What the file endpoints share: the drive named in the body, the file a caller (or a
share) may read, `check_name_mode`, and the File serializer's options from the body."""

from __future__ import annotations

from pds_server import errors
from pds_server.api import Caller, parse_int, parse_str
from pds_server.models import File, ShareLink
from pds_server.selectors.files import file_get, file_with_drive, shared_file
from pds_server.serializers import file_to_pds
from pds_server.serializers.media import media_without_place
from pds_server.services import downloads
from pds_server.services.access import EVERYTHING, Can, DriveGrant, drive_grant, grant_on, row_id
from pds_server.services.names import CHECK_NAME_MODES


def caller_grant(caller: Caller, body: dict, field: str = "drive_id") -> DriveGrant:
    """The drive named in the body and what the caller may do in it (services/access.py)."""
    drive_id = body.get(field)
    if caller.batch_reads is None:
        return drive_grant(actor=caller.actor, drive_id=drive_id)
    key = _grant_key(drive_id)
    if key not in caller.batch_reads:
        caller.batch_reads[key] = drive_grant(actor=caller.actor, drive_id=drive_id)
    grant: DriveGrant = caller.batch_reads[key]
    return grant


def _grant_key(drive_id: object) -> tuple[str, str]:
    """Where a batch of reads keeps the caller's grant on the drive `drive_id`."""
    return ("grant", str(drive_id))


def caller_file(
    caller: Caller,
    body: dict,
    need: Can,
    *,
    field: str = "file_id",
    allow_trashed: bool = True,
    allow_uploading: bool = False,
) -> tuple[DriveGrant, File]:
    """The file named in the body, if the caller's role on it allows `need`: NotFound when
    they have no role on it (before anything else is said about it), else Forbidden."""
    together = _file_with_its_drive(caller, body, field, allow_uploading)
    grant = caller_grant(caller, body) if together is None else together[0]
    file_id = parse_str(body, field, required=True, max_length=50)
    key = ("file", grant.drive.pk, file_id, allow_uploading)
    if together is not None:
        item = together[1]
        if caller.batch_reads is not None:
            caller.batch_reads[key] = item
    elif caller.batch_reads is not None and key in caller.batch_reads:
        item: File = caller.batch_reads[key]
    else:
        item = file_get(drive=grant.drive, file_id=file_id, allow_uploading=allow_uploading)
        if caller.batch_reads is not None:
            caller.batch_reads[key] = item
    grant.require(item, need)
    if item.trashed and not allow_trashed:
        raise errors.Forbidden("The file is in the recycle bin.", code="ForbiddenFileInTheRecycleBin")
    return grant, item


def _file_with_its_drive(
    caller: Caller, body: dict, field: str, allow_uploading: bool
) -> tuple[DriveGrant, File] | None:
    """The drive and the file of the body in one query, with the caller's grant on the drive,
    when neither was read before in this batch and the file is there; else None."""
    drive_pk, file_id = row_id(str(body.get("drive_id") or "")), body.get(field)
    if drive_pk is None or not isinstance(file_id, str) or len(file_id) > 50:
        return None
    grant_key = _grant_key(body.get("drive_id"))
    if caller.batch_reads is not None and grant_key in caller.batch_reads:
        return None
    actor = caller.actor
    item = file_with_drive(
        domain_pk=actor.domain.pk, drive_pk=drive_pk, file_id=file_id, allow_uploading=allow_uploading
    )
    if item is None:
        return None
    grant = grant_on(actor=actor, drive=item.drive)
    if caller.batch_reads is not None:
        caller.batch_reads[grant_key] = grant
    return grant, item


def readable_file(caller: Caller, body: dict, need: Can = Can.LIST) -> File:
    if caller.share is not None:
        return shared_file(share=caller.share, file_id=parse_str(body, "file_id", required=True))
    return caller_file(caller, body, need)[1]


def check_name_mode(body: dict, default: str = "ignore") -> str:
    mode = parse_str(body, "check_name_mode", default=default)
    if mode not in CHECK_NAME_MODES:
        raise errors.InvalidParameter(
            f"check_name_mode must be one of {', '.join(CHECK_NAME_MODES)}", code="InvalidParameter.CheckNameMode"
        )
    return mode


def thumbnail_processes(body: dict) -> dict | None:
    processes = body.get("thumbnail_processes")
    if processes is None and (body.get("image_thumbnail_process") or body.get("video_thumbnail_process")):
        keys = ("image_thumbnail_process", "video_thumbnail_process")
        processes = {"thumbnail": {key: body[key] for key in keys if isinstance(body.get(key), str)}}
    return processes if isinstance(processes, dict) else None


def serialize(
    caller: Caller, item: File, body: dict, share: ShareLink | None = None, can: frozenset[Can] = EVERYTHING
) -> dict:
    """`can`: what the caller's role allows on the item: signed URLs need Can.DOWNLOAD,
    thumbnails Can.PREVIEW (whatever `fields` asks for)."""
    if share is not None:
        # Through a share: no signed URLs in listings (downloads go through get_download_url,
        # which counts them), and no thumbnails when previews are disabled.
        processes = None if share.disable_preview else thumbnail_processes(body)
        return media_without_place(
            file_to_pds(item, base_url=caller.base_url, fields="", thumbnail_processes=processes)
        )
    fields = {field.strip() for field in parse_str(body, "fields").split(",")}
    if Can.DOWNLOAD not in can:
        fields -= {"*", "url", "download_url"}
    if Can.PREVIEW not in can:
        fields -= {"*", "thumbnail"}
    return file_to_pds(
        item,
        base_url=caller.base_url,
        fields=",".join(sorted(fields)),
        thumbnail_processes=thumbnail_processes(body) if Can.PREVIEW in can else None,
        # Clamped to what get_download_url allows: a listing never hands out a longer-lived URL.
        url_expire_sec=min(max(parse_int(body, "url_expire_sec", default=900) or 900, 1), downloads.MAX_EXPIRE_SEC),
    )
